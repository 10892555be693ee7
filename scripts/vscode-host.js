// Starts a throwaway code-server (the real VS Code server + browser workbench) on 127.0.0.1 and opens it
// in Debian's headless Chromium through playwright-core. Used by the integration runner, the e2e tests and
// `npm start`. Nothing is downloaded: code-server comes from test/host (scripts/setup-vscode-host.sh).
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const net = require('net');

const ROOT = path.resolve(__dirname, '..');
const CODE_SERVER = process.env.CODE_SERVER_BIN || path.join(ROOT, 'test/host/node_modules/.bin/code-server');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const THEMES = { light: 'Default Light Modern', dark: 'Default Dark Modern' };

/** Settings that keep a fresh profile quiet: no trust modal, welcome page, telemetry, update or gallery checks. */
const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'update.mode': 'none',
  'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, 'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false, 'security.workspace.trust.enabled': false, 'git.enabled': false,
  'workbench.tips.enabled': false, 'workbench.colorTheme': THEMES.dark,
};

/** XDG/TMPDIR under `dir`: code-server, its extension host and chromium otherwise leave files in $HOME and /tmp. */
function isolatedEnv(dir) {
  const e = { XDG_CONFIG_HOME: path.join(dir, 'xdg/config'), XDG_DATA_HOME: path.join(dir, 'xdg/data'),
    XDG_CACHE_HOME: path.join(dir, 'xdg/cache'), TMPDIR: path.join(dir, 't') };
  for (const d of Object.values(e)) fs.mkdirSync(d, { recursive: true });
  return e;
}

const freePort = () => new Promise((res, rej) => {
  const s = net.createServer(); s.on('error', rej);
  s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
});

const isLoopback = (h) => h === '127.0.0.1' || h === 'localhost' || h === '::1' || /^127\./.test(h);

function resolveTheme(theme) {
  if (!theme) return {};
  return { 'workbench.colorTheme': THEMES[theme] || theme };
}

/**
 * Starts code-server. Options:
 *  - workspace: a folder copied into the run's temp dir and opened (e.g. test/fixtures/workspace); default empty
 *  - openFolder: a folder opened in place (not copied; `npm start` uses examples/)
 *  - settings: user settings merged over QUIET_SETTINGS; theme: 'light' | 'dark' | a theme name
 *  - dir: a persistent run folder (user data, extensions, xdg) instead of a fresh temp dir (kept on stop)
 *  - host / port: bind address (loopback only unless `auth` is 'password'); port 0 or absent = a free port
 *  - auth: 'none' (default, loopback only) or 'password' (code-server reads PASSWORD from env)
 *  - installVsix: path of a .vsix installed into the run's extensions dir before start
 *  - linkExtension: an extension folder linked into the extensions dir as an installed extension (no payload
 *    needed; keeps the workbench's built-in themes, which development mode drops). Removing the run folder
 *    removes the link only (fs.rm does not follow symlinks).
 *  - env, extraArgs: passed to code-server
 */
async function startCodeServer(opts = {}) {
  if (!fs.existsSync(CODE_SERVER)) throw new Error(`code-server not found at ${CODE_SERVER}: run npm run setup:vscode`);
  const persistent = !!opts.dir;
  const tmp = persistent ? path.resolve(opts.dir) : fs.mkdtempSync(path.join(os.tmpdir(), 'vscode-host-'));
  fs.mkdirSync(tmp, { recursive: true });
  const ud = path.join(tmp, 'user-data'), exts = path.join(tmp, 'extensions');
  for (const d of [path.join(ud, 'User'), exts]) fs.mkdirSync(d, { recursive: true });
  let ws;
  if (opts.openFolder) ws = path.resolve(opts.openFolder);
  else {
    ws = path.join(tmp, 'workspace');
    fs.rmSync(ws, { recursive: true, force: true });
    if (opts.workspace) fs.cpSync(path.resolve(opts.workspace), ws, { recursive: true });
    else fs.mkdirSync(ws, { recursive: true });
  }
  const resultFile = path.join(tmp, 'test-result.json');
  fs.rmSync(resultFile, { force: true });
  const bindHost = opts.host || '127.0.0.1';
  const auth = opts.auth || 'none';
  // --auth none is only acceptable because nothing but this machine can reach a loopback bind
  if (auth === 'none' && !isLoopback(bindHost)) throw new Error(`refusing to bind ${bindHost} without authentication (use 127.0.0.1)`);
  const cfg = path.join(tmp, 'config.yaml');
  fs.writeFileSync(cfg, `auth: ${auth}\ncert: false\n`);   // own config: never writes ~/.config/code-server
  const settingsFile = path.join(ud, 'User', 'settings.json');
  // a persistent profile keeps what the user changed in it (theme, layout settings...) over our defaults
  let kept = {};
  if (persistent && fs.existsSync(settingsFile)) { try { kept = JSON.parse(fs.readFileSync(settingsFile, 'utf8')); } catch { /* rewrite */ } }
  fs.writeFileSync(settingsFile, JSON.stringify({ ...QUIET_SETTINGS, ...kept, ...resolveTheme(opts.theme), ...(opts.settings || {}) }, null, 1));
  const isolated = isolatedEnv(tmp);
  const baseEnv = { ...process.env, ...isolated, ...(opts.env || {}) };
  if (opts.installVsix) {
    const r = spawnSync(CODE_SERVER, ['--config', cfg, '--user-data-dir', ud, '--extensions-dir', exts,
      '--install-extension', path.resolve(opts.installVsix)], { env: baseEnv, encoding: 'utf8', timeout: 60000 });
    if (r.status !== 0) throw new Error(`--install-extension failed (${r.status}): ${r.stdout}\n${r.stderr}`);
  }
  if (opts.linkExtension) {
    // the extension folder as an INSTALLED extension (a symlink in the extensions dir): unlike the payload's
    // extensionDevelopmentPath, the web workbench then keeps its built-in extensions (colour themes)
    const pkg = JSON.parse(fs.readFileSync(path.join(opts.linkExtension, 'package.json'), 'utf8'));
    const link = path.join(exts, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
    fs.rmSync(link, { force: true, recursive: false });
    fs.symlinkSync(path.resolve(opts.linkExtension), link, 'dir');
    // VS Code lists installed extensions in extensions.json once that file exists (a reused profile): register it
    const manifest = path.join(exts, 'extensions.json');
    let list = [];
    try { list = JSON.parse(fs.readFileSync(manifest, 'utf8')); } catch { /* none yet */ }
    const id = `${pkg.publisher}.${pkg.name}`.toLowerCase();
    list = (Array.isArray(list) ? list : []).filter(e => e?.identifier?.id?.toLowerCase() !== id);
    list.push({ identifier: { id: `${pkg.publisher}.${pkg.name}` }, version: pkg.version,
      location: { $mid: 1, path: link, scheme: 'file' }, relativeLocation: path.basename(link),
      metadata: { installedTimestamp: Date.now(), pinned: true, source: 'resource' } });
    fs.writeFileSync(manifest, JSON.stringify(list));
    // an earlier run may have marked the folder obsolete (VS Code then deletes it; for a symlink that removes the
    // link only, never the repo, but the extension would vanish)
    const obsolete = path.join(exts, '.obsolete');
    try {
      const o = JSON.parse(fs.readFileSync(obsolete, 'utf8'));
      delete o[path.basename(link)];
      fs.writeFileSync(obsolete, JSON.stringify(o));
    } catch { /* none */ }
  }
  const port = opts.port || await freePort();
  const args = ['--config', cfg, '--user-data-dir', ud, '--extensions-dir', exts,
    '--bind-addr', `${bindHost}:${port}`, '--auth', auth, '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened',
    // code-server 4.139 (VS Code 1.139) only honours the dev/test `payload` with:
    //   CODE_SERVER_EXTRA_ARGS='--vscode-option enable-smoke-test-driver'
    ...(process.env.CODE_SERVER_EXTRA_ARGS || '').split(' ').filter(Boolean), ...(opts.extraArgs || []), ws];
  // detached: own process group, so stop() also ends the extension host, pty host, TS server, ...
  const proc = spawn(CODE_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    env: { ...baseEnv, VSCODE_TEST_RESULT: resultFile } });
  const logFile = path.join(tmp, 'code-server.log');
  const log = fs.createWriteStream(logFile, { flags: 'a' }); proc.stdout.pipe(log); proc.stderr.pipe(log);
  let exited = false; proc.on('exit', () => { exited = true; });
  const authority = `${bindHost === '0.0.0.0' ? '127.0.0.1' : bindHost}:${port}`;
  const group = (sig) => { try { process.kill(-proc.pid, sig); return true; } catch { return false; } };
  const deadline = Date.now() + 30000;
  for (;;) {
    try { if ((await fetch(`http://${authority}/healthz`)).ok) break; } catch { /* not listening yet */ }
    if (exited || Date.now() > deadline) {
      group('SIGKILL');
      throw new Error(`code-server did not start, see ${logFile}:\n${fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : ''}`);
    }
    await new Promise(r => setTimeout(r, 100));
  }
  let stopped = false;
  return {
    port, tmp, logFile, workspace: ws, resultFile, isolatedEnv: isolated, userDataDir: ud, extensionsDir: exts, settingsFile, proc,
    /** workbench URL; devPath / testsPath load the extension under development (and run its tests) in the remote Node extension host */
    url({ devPath, testsPath, folder } = {}) {
      const payload = [];
      if (devPath) payload.push(['extensionDevelopmentPath', `vscode-remote://${authority}${path.resolve(devPath)}`]);
      if (testsPath) payload.push(['extensionTestsPath', `vscode-remote://${authority}${path.resolve(testsPath)}`]);
      return `http://${authority}/?folder=${encodeURIComponent(folder || ws)}` +
        (payload.length ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : '');
    },
    /** Copies the code-server log and VS Code's logs (extension host included) to test-artifacts/<name>/. */
    saveLogs(name) {
      const dest = path.join(ARTIFACTS, name);
      fs.mkdirSync(dest, { recursive: true });
      try { fs.copyFileSync(logFile, path.join(dest, 'code-server.log')); } catch { /* none */ }
      try { fs.cpSync(path.join(ud, 'logs'), path.join(dest, 'vscode-logs'), { recursive: true }); } catch { /* none */ }
      return dest;
    },
    async stop() {
      if (stopped) return; stopped = true;
      group('SIGTERM');
      for (let i = 0; i < 50 && group(0); i++) await new Promise(r => setTimeout(r, 100));   // wait up to 5 s
      group('SIGKILL');
      if (!persistent && !process.env.KEEP_VSCODE_HOST_TMP) fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

async function launchChromium(host, opts = {}) {
  const { chromium } = require('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM, headless: true,
    env: { ...process.env, ...(host ? host.isolatedEnv : {}) },   // keeps ~/.config/chromium, ~/.cache/dconf out of $HOME
    // playwright already uses a fresh temporary --user-data-dir
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', ...(opts.args || [])],
  });
}

module.exports = { startCodeServer, launchChromium, isLoopback, ROOT, ARTIFACTS, THEMES, QUIET_SETTINGS, CODE_SERVER };
