#!/usr/bin/env node
// `npm start`: runs API Monitor for real on the bundled example workspace.
// Builds, installs the real VS Code host when missing (scripts/setup-vscode-host.sh), refreshes the example
// data when its newest call is more than 10 minutes old, starts code-server (VS Code in the browser) on
// 127.0.0.1 with the extension under development loaded and examples/ opened, prints the URL to open and
// runs until Ctrl-C. Env: PORT (default 8080), HOST (default 127.0.0.1; anything else needs PASSWORD, which
// turns on code-server's password login), EXAMPLES_MAX_AGE_HOURS (default 1/6), NO_REGEN=1 keeps the files,
// START_MODE=dev loads the extension in development mode through the URL's `payload`
// (extensionDevelopmentPath) instead.
// Default: the repo is loaded as an INSTALLED extension (a symlink in the profile's extensions dir, registered
// in its extensions.json). Both run the same dist/extension.js, but code-server 4.100's web workbench drops
// its built-in extensions in development mode, so there would be no colour themes (it stays on Light+).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const run = (cmd, args, what) => {
  const t = Date.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) { console.error(`npm start: ${what} failed (exit ${r.status})`); process.exit(r.status || 1); }
  console.log(`${what}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
};

(async () => {
  const host = process.env.HOST || '127.0.0.1';
  const port = +(process.env.PORT || 8080);
  const { isLoopback } = require('./vscode-host');
  const password = process.env.PASSWORD;
  if (!isLoopback(host) && !password) {
    // --auth none on a reachable address would give anyone on the network a shell on this machine
    console.error(`npm start: refusing to listen on ${host} without authentication. Use HOST=127.0.0.1 (default), or set PASSWORD to enable code-server's password login.`);
    process.exit(2);
  }
  if (!Number.isInteger(port) || port <= 0 || port > 65535) { console.error(`npm start: bad PORT ${process.env.PORT}`); process.exit(2); }

  run(process.execPath, ['esbuild.mjs', '--no-tests'], 'build');
  if (!fs.existsSync(path.join(ROOT, 'test/host/node_modules/.bin/code-server'))) run('bash', ['scripts/setup-vscode-host.sh'], 'VS Code host setup');

  const { generate, newestExampleCall } = require('./generate-examples');
  const examples = path.join(ROOT, 'examples');
  const newest = newestExampleCall(examples);
  const maxAgeH = +(process.env.EXAMPLES_MAX_AGE_HOURS || 1 / 6);   // the dashboard opens on the last hour: keep it full
  if (!process.env.NO_REGEN && (newest === null || Date.now() - newest > maxAgeH * 3600e3)) {
    const r = generate({ now: Math.floor(Date.now() / 1000) * 1000, seed: 42, out: examples, days: 30 });
    console.log(`example data refreshed to end now (${Object.values(r).reduce((s, x) => s + x.calls, 0)} calls; everything under examples/ is generated example data)`);
  }

  const installed = process.env.START_MODE !== 'dev';
  const { startCodeServer } = require('./vscode-host');
  // a link left by an earlier run would load the extension twice in development mode
  const linkDir = path.join(ROOT, '.vscode-test/start/extensions');
  if (!installed && fs.existsSync(linkDir)) {
    const removed = fs.readdirSync(linkDir).filter(f => fs.lstatSync(path.join(linkDir, f)).isSymbolicLink());
    for (const f of removed) fs.unlinkSync(path.join(linkDir, f));
    const manifest = path.join(linkDir, 'extensions.json');
    try {
      const list = JSON.parse(fs.readFileSync(manifest, 'utf8'));
      fs.writeFileSync(manifest, JSON.stringify(list.filter(e => !removed.includes(e.relativeLocation))));
    } catch { /* no manifest */ }
  }
  let server;
  try {
    server = await startCodeServer({
      dir: path.join(ROOT, '.vscode-test/start'),       // persistent profile (gitignored): your layout survives restarts
      openFolder: examples, host, port, auth: password ? 'password' : 'none',
      linkExtension: installed ? ROOT : undefined,
      env: password ? { PASSWORD: password } : {},
    });
  } catch (e) {
    console.error(`npm start: could not start code-server on ${host}:${port}: ${e.message.split('\n')[0]}`);
    console.error('Is another `npm start` running? Try PORT=8081 npm start.');
    process.exit(1);
  }
  const url = server.url({ devPath: installed ? undefined : ROOT, folder: examples });
  console.log(`\nAPI Monitor is running in VS Code (code-server${installed ? '' : ', extension development mode'}) with the example workspace. Open:\n`);
  console.log(`  ${url}\n`);
  console.log('You will see the API Monitor status bar item (today\'s cost) and its activity-bar views; run');
  console.log('"API Monitor: Open Dashboard" from the command palette (F1) for the dashboard.');
  console.log(`code-server log: ${path.relative(ROOT, server.logFile)}. Ctrl-C stops.`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return; stopping = true;
    console.log('\nstopping code-server…');
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', stop);
  server.proc.on('exit', (code) => { if (!stopping) { console.error(`code-server exited (${code}), see ${server.logFile}`); process.exit(1); } });
})();
