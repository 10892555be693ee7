// The packaged extension, as a user gets it: `npm run package` builds api-monitor-<version>.vsix, it is
// installed with `code-server --install-extension` into a throwaway VS Code (no extension under development),
// a workspace with a small log is opened, and we check that the extension activates (status bar item with
// today's cost) and that "API Monitor: Open Dashboard" opens the dashboard webview.
// Set API_MONITOR_VSIX=<file> to test an existing .vsix instead of packaging one.
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { openWorkbench, runCommand, webviewFrame, statusBarItem, keepFailureArtifacts, openAiLines, screenshot, ROOT } = require('./helpers/workbench');

/** entry names of a zip file (reads the central directory; no unzip tool needed) */
function zipEntries(file) {
  const buf = fs.readFileSync(file);
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, 'not a zip file');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const names = [];
  for (let i = 0; i < count; i++) {
    const nameLen = buf.readUInt16LE(p + 28), extraLen = buf.readUInt16LE(p + 30), commentLen = buf.readUInt16LE(p + 32);
    names.push(buf.toString('utf8', p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

describe('packaged .vsix installed into VS Code (e2e)', function () {
  this.timeout(240000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'api-monitor-vsix-'));
  let vsix, wb;

  before(function () {
    vsix = process.env.API_MONITOR_VSIX;
    if (!vsix) {
      vsix = path.join(tmp, 'api-monitor.vsix');
      const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/package.js'), `--out=${vsix}`], { cwd: ROOT, encoding: 'utf8' });
      assert.strictEqual(r.status, 0, `npm run package failed:\n${r.stdout}\n${r.stderr}`);
    }
  });
  afterEach(async function () { await keepFailureArtifacts(this, wb, 'vsix'); });
  after(async () => { await wb?.close(); fs.rmSync(tmp, { recursive: true, force: true }); });

  it('ships only the bundles, media and docs', () => {
    const names = zipEntries(vsix);
    for (const must of ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/webview.js',
      'extension/dist/sql-wasm.wasm', 'extension/media/icon.png', 'extension/readme.md', 'extension/changelog.md']) {
      assert.ok(names.some(n => n.toLowerCase() === must), `${must} missing from the vsix: ${names.join(', ')}`);
    }
    const stray = names.filter(n => /^extension\/(src|test|webview|scripts|examples|node_modules|out|bench)\//.test(n) || n.endsWith('.map') || n.endsWith('.ts'));
    assert.deepStrictEqual(stray, [], 'sources, tests or maps in the vsix');
  });

  it('installs, activates on a workspace with a gitignored log and shows today\'s cost in the status bar', async () => {
    // 3 calls of gpt-4o-mini priced by an override at $1 / $10 per million tokens:
    // each 100,000 input * $1/1e6 + 10,000 output * $10/1e6 = $0.10 + $0.10 = $0.20; 3 calls = $0.60.
    // They are 10, 20 and 30 seconds old, so they are "today" except within 30 s after midnight.
    const now = Date.now();
    const calls = [1, 2, 3].map(k => ({ minutesAgo: k / 6, prompt: 100000, completion: 10000 }));
    // The log folder is gitignored, as logs usually are: VS Code's "workspaceContains" activation skips ignored
    // files (its search honours .gitignore inside a git repository), so this checks the startup activation.
    wb = await openWorkbench({
      devPath: null, installVsix: vsix,
      files: {
        '.git/HEAD': 'ref: refs/heads/main\n',
        '.gitignore': 'logs/\n',
        'logs/e2e-calls.jsonl': openAiLines(calls, now),
        '.vscode/settings.json': JSON.stringify({ 'apiMonitor.pricing.overrides': { 'gpt-4o-mini': { input: 1, output: 10 } } }),
      },
    });
    const cost = statusBarItem(wb.page, 'apiMonitor.cost');
    await cost.waitFor({ timeout: 60000 });
    await statusBarItem(wb.page, 'apiMonitor.cost', '$0.60').waitFor({ timeout: 30000 });
    assert.match(await cost.innerText(), /\$0\.60/);
  });

  it('opens the dashboard webview from the command palette', async () => {
    await runCommand(wb.page, 'API Monitor: Open Dashboard');
    const frame = webviewFrame(wb.page);
    await frame.locator('#app').waitFor({ timeout: 30000 });
    // the dashboard replaces its "Loading…" placeholder once the host has sent the first snapshot
    await frame.locator('#app > :not(.loading)').first().waitFor({ timeout: 30000 });
    const text = await frame.locator('#app').innerText();
    assert.ok(text.trim().length > 0, 'dashboard is empty');
    await screenshot(wb.page, 'vsix-dashboard');
  });
});
