#!/usr/bin/env node
// Runs the integration tests (out/test/integration/index.js, mocha BDD) inside the real VS Code
// (code-server) Node extension host, with the extension under development loaded from the repo root and
// the fixture workspace test/fixtures/workspace/ (copied to a temp dir) opened.
// Also usable as @vscode/test-electron's `vscodeExecutablePath`: it understands the
// --extensionDevelopmentPath=... / --extensionTestsPath=... arguments that runTests() passes and ignores the rest.
// Exit code = test result. The last line of a run that got results is `N passed, N failed`.
// The browser workbench calls window.codeAutomationExit(code) when the in-host runner ends.
'use strict';
const fs = require('fs');
const path = require('path');
const { startCodeServer, launchChromium, ROOT, ARTIFACTS } = require('./vscode-host');

const arg = (name) => { const a = process.argv.find(x => x.startsWith(`--${name}=`)); return a && a.slice(name.length + 3); };
const devPath = arg('extensionDevelopmentPath') || ROOT;
const testsPath = arg('extensionTestsPath') || path.join(ROOT, 'out/test/integration/index.js');
const fixture = arg('workspace') || path.join(ROOT, 'test/fixtures/workspace');

(async () => {
  const t0 = Date.now();
  if (!fs.existsSync(testsPath)) {
    console.log(`no integration test entry at ${testsPath} (run node esbuild.mjs)`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  let host, browser, page, code = 1, summary = null;
  try {
    host = await startCodeServer({
      workspace: fs.existsSync(fixture) ? fixture : undefined,
      // the in-host runner reads these (the remote extension host inherits code-server's environment)
      env: { API_MONITOR_TEST_WORKSPACE: fs.existsSync(fixture) ? fixture : '', API_MONITOR_TEST_GREP: process.env.API_MONITOR_TEST_GREP || '' },
    });
    browser = await launchChromium(host);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    let done; const finished = new Promise(r => (done = r));
    await page.exposeFunction('codeAutomationExit', c => done(c));
    // extension-host console output (mocha spec reporter) is forwarded to the browser console
    page.on('console', m => {
      const t = m.text();
      if (process.env.DEBUG_CONSOLE) { console.log(JSON.stringify(t).slice(0, 300)); return; }
      if (/^(%c)?\s*(INFO|TRACE|DEBUG)|Failed to load resource|allow-same-origin|ENOTFOUND open-vsx|service worker|vsda/.test(t)) return;
      console.log(t.replace(/%c/g, '').replace(/color: #[0-9a-f]+\s*/gi, ''));
    });
    await page.goto(host.url({ devPath, testsPath }));
    const timeout = +(process.env.VSCODE_TEST_TIMEOUT_MS || 300000);
    code = await Promise.race([finished, new Promise(r => setTimeout(() => { console.error(`timeout after ${timeout} ms`); r(1); }, timeout))]);
    if (fs.existsSync(host.resultFile)) {
      const r = JSON.parse(fs.readFileSync(host.resultFile, 'utf8'));
      for (const t of r.passed) console.log(`  ✔ ${t}`);
      for (const f of r.failed) console.log(`  ✘ ${f.title}\n${f.err.split('\n').map(l => '      ' + l).join('\n')}`);
      summary = `${r.passed.length} passed, ${r.failed.length} failed`;
      if (r.failed.length === 0 && code !== 0) { summary = `${r.passed.length} passed, 1 failed`; console.log('the test host exited non-zero'); }
    } else { console.log('no test result file written (the test entry did not run: is the extension loadable?)'); code = code || 1; }
  } catch (e) { console.error(e); code = 1; }
  finally {
    if (code !== 0 && host) {
      const dest = host.saveLogs('integration');
      try { await page?.screenshot({ path: path.join(dest, 'workbench.png') }); } catch { /* page gone */ }
      console.log(`logs and screenshot of the failed run: ${path.relative(ROOT, dest) || ARTIFACTS}`);
    }
    await browser?.close().catch(() => {});
    await host?.stop();
  }
  console.log(`integration tests: exit ${code} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  console.log(summary || '0 passed, 1 failed');
  process.exit(code);
})();
