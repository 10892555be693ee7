#!/usr/bin/env node
// `npm test`: every check and test of the project, in order, and ONE final line `N passed, N failed`.
//   setup (real VS Code host, idempotent) → build → type check → lint → unit (mocha, Node)
//   → integration (mocha inside the real VS Code extension host) → e2e (playwright-core + workbench).
// Each stage's own counts are parsed from its output; a check stage (setup, build, tsc, lint) counts as one
// test; a stage that fails to run, or exits non-zero without a count, counts as one failure, and the later
// stages still run. Each stage has a time limit (5 min unless set below); one that overruns is stopped and
// counts as a failure. Exit code 0 only when nothing failed.
// Options: --only=unit,lint (stage names below), --skip=setup,e2e ; env CI=true makes no difference except
// that nothing ever waits for input.
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const bin = (name) => path.join(ROOT, 'node_modules/.bin', name);
const listFiles = (dir, suffix) => fs.existsSync(path.join(ROOT, dir))
  ? fs.readdirSync(path.join(ROOT, dir), { recursive: true }).map(String).filter(f => f.endsWith(suffix)) : [];

/** counts from mocha's spec/dot reporter epilogue ("12 passing", "1 failing", "2 pending") */
function mochaCounts(out) {
  const num = (re) => { const m = out.match(re); return m ? +m[1] : null; };
  const passed = num(/^\s*(\d+) passing/m), failed = num(/^\s*(\d+) failing/m);
  if (passed === null && failed === null) return null;
  return { passed: passed || 0, failed: failed || 0 };
}
/** the `N passed, N failed` line of scripts/run-integration.js (its last one wins) */
function summaryCounts(out) {
  const all = [...out.matchAll(/^(\d+) passed, (\d+) failed\s*$/gm)];
  if (!all.length) return null;
  const m = all[all.length - 1];
  return { passed: +m[1], failed: +m[2] };
}

const STAGES = [
  { name: 'setup', limitMin: 10, what: 'real VS Code host (code-server) + chromium', cmd: ['bash', 'scripts/setup-vscode-host.sh'] },
  { name: 'build', what: 'esbuild bundles and test bundles', cmd: [process.execPath, 'esbuild.mjs'] },
  { name: 'typecheck', what: 'tsc -p .', cmd: [bin('tsc'), '-p', '.'] },
  { name: 'typecheck-webview', what: 'tsc -p webview', cmd: [bin('tsc'), '-p', 'webview'],
    skipIf: () => listFiles('webview', '.ts').length === 0 && 'no webview/*.ts yet' },
  { name: 'lint', what: 'eslint .', cmd: [bin('eslint'), '.', '--max-warnings=-1'] },
  { name: 'unit', what: 'mocha over out/test/unit', count: mochaCounts,
    cmd: [bin('mocha'), '--reporter', 'dot', '--timeout', '20000', '--exit', 'out/test/unit/**/*.test.js'] },
  { name: 'integration', limitMin: 8, what: 'mocha inside the VS Code extension host', count: summaryCounts,
    cmd: [process.execPath, 'scripts/run-integration.js'] },
  { name: 'e2e', limitMin: 12, what: 'playwright-core through the workbench and webview', count: mochaCounts,
    // --exit: a test that leaves a browser or server handle open must not hang the run
    cmd: () => [bin('mocha'), '--reporter', 'spec', '--timeout', '180000', '--slow', '30000', '--exit',
      ...listFiles('test/e2e', '.e2e.test.js').filter(f => !f.includes(path.sep + 'helpers' + path.sep)).map(f => path.join('test/e2e', f))],
    skipIf: () => listFiles('test/e2e', '.e2e.test.js').length === 0 && 'no test/e2e/*.e2e.test.js',
    // package the .vsix once for every e2e test that installs it (they package it themselves without this)
    prepare: () => {
      const out = path.join(fs.mkdtempSync(path.join(require('os').tmpdir(), 'api-monitor-e2e-')), 'api-monitor.vsix');
      const r = spawnSync(process.execPath, ['scripts/package.js', `--out=${out}`], { cwd: ROOT, stdio: 'inherit', timeout: 180000 });
      // packaging left minified production bundles in dist/: rebuild the development ones (source maps) for the
      // tests that load the extension from the repo
      spawnSync(process.execPath, ['esbuild.mjs', '--no-tests'], { cwd: ROOT, stdio: 'inherit', timeout: 120000 });
      process.on('exit', () => fs.rmSync(path.dirname(out), { recursive: true, force: true }));
      return r.status === 0 ? { API_MONITOR_VSIX: out } : {};
    } },
];

function runStage(stage, extraEnv = {}) {
  return new Promise((resolve) => {
    const cmd = typeof stage.cmd === 'function' ? stage.cmd() : stage.cmd;
    let out = '';
    let child;
    try {
      // detached: its own process group, so a stage that overruns its time limit is ended with its children
      child = spawn(cmd[0], cmd.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
        env: { ...process.env, FORCE_COLOR: '0', TEST_ARTIFACTS: ARTIFACTS, ...extraEnv } });
    } catch (e) { resolve({ code: 127, out: String(e) }); return; }
    const limitMs = (stage.limitMin || 5) * 60000;
    const timer = setTimeout(() => {
      out += `\nstage ${stage.name} overran its ${limitMs / 60000} min limit: stopped\n`;
      console.error(`stage ${stage.name} overran its ${limitMs / 60000} min limit: stopping it`);
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }, limitMs);
    child.on('close', () => clearTimeout(timer));
    const forward = (sig) => { try { process.kill(-child.pid, sig); } catch { /* gone */ } process.exit(130); };
    process.once('SIGINT', forward);
    process.once('SIGTERM', forward);
    child.on('close', () => { process.removeListener('SIGINT', forward); process.removeListener('SIGTERM', forward); });
    const take = (stream, sink) => stream.on('data', (d) => { out += d; sink.write(d); });
    take(child.stdout, process.stdout); take(child.stderr, process.stderr);
    child.on('error', (e) => { out += String(e); resolve({ code: 127, out }); });
    child.on('close', (code, signal) => resolve({ code: code === null ? 128 : code, signal, out }));
  });
}

(async () => {
  const arg = (k) => { const a = process.argv.find(x => x.startsWith(`--${k}=`)); return a ? a.slice(k.length + 3).split(',') : null; };
  const only = arg('only'), skip = arg('skip') || [];
  const t0 = Date.now();
  const rows = [];
  let passed = 0, failed = 0;
  for (const stage of STAGES) {
    if ((only && !only.includes(stage.name)) || skip.includes(stage.name)) continue;
    const why = stage.skipIf && stage.skipIf();
    if (why) { rows.push({ name: stage.name, passed: 0, failed: 0, s: 0, note: `skipped: ${why}` }); continue; }
    console.log(`\n=== ${stage.name}: ${stage.what} ===`);
    const t = Date.now();
    const r = await runStage(stage, stage.prepare ? stage.prepare() : {});
    const s = (Date.now() - t) / 1000;
    let c = stage.count ? stage.count(r.out) : (r.code === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 });
    let note = '';
    if (!c) { c = { passed: 0, failed: 1 }; note = `exit ${r.code}, no test counts in its output`; }
    else if (r.code !== 0 && c.failed === 0) { c = { ...c, failed: 1 }; note = `exit ${r.code} although no test failed`; }
    passed += c.passed; failed += c.failed;
    rows.push({ name: stage.name, ...c, s, note });
  }
  console.log('\n=== summary ===');
  for (const r of rows) {
    console.log(`${r.name.padEnd(18)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed ${r.s.toFixed(1).padStart(6)} s${r.note ? '  (' + r.note + ')' : ''}`);
  }
  console.log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s${failed && fs.existsSync(ARTIFACTS) ? `; logs and screenshots of failed runs in ${path.relative(ROOT, ARTIFACTS)}/` : ''}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
