// The dashboard through the real workbench and webview (code-server + headless Chromium, see
// scripts/vscode-host.js): opened from the command palette, every tab visited, a filter changed, an alert rule
// created in the Alerts tab (and found in the workspace settings), and numbers read back from the webview that
// match a small log written at test start with timestamps relative to now. Screenshots of every tab and of the
// sidebar in the light and the dark theme go to test-artifacts/screenshots/.
// The dark run uses the packaged .vsix: with the extension loaded as under development (payload
// extensionDevelopmentPath), code-server 4.100's web workbench lists no built-in colour theme and stays light.
// Set API_MONITOR_VSIX=<file> to use an existing .vsix instead of packaging one.
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { openWorkbench, runCommand, webviewFrame, statusBarItem, keepFailureArtifacts, screenshot, pick, ingestSettles, ROOT } = require('./helpers/workbench');

/*
 * The fixture: 10 calls, all in the last hour (so "Last hour" holds them all and the hour before holds none).
 *   /v1/chat  gpt-4o-mini             6 calls, latency 100..600 ms, the 600 ms one failed (HTTP 500), $0.01 each (logged),
 *                                     the first two served from the app's response cache
 *   /v1/embed text-embedding-3-small  4 calls, latency 50, 50, 50, 1000 ms, all ok, $0.001 each, no cache hit
 * Hand-worked figures:
 *   calls 10; success 9/10 = 90.0 %; cost 6 x 0.01 + 4 x 0.001 = $0.064 -> "$0.06"
 *   latencies sorted 50 50 50 100 200 300 400 500 600 1000: avg 3250 / 10 = 325 ms;
 *     p95 nearest rank = ceil(0.95 x 10) = 10th value = 1000 ms -> "1.00 s"
 *   throughput 10 calls / 60 min = 0.1667 -> "0.17/min"; response-cache hit rate 2 / 10 = 20.0 %
 *   /v1/chat: 6 calls, 5/6 = 83.3 % success, $0.06; /v1/embed: 4 calls, 100.0 %, $0.004 -> "<$0.01"
 *   previous hour: no calls -> every change reads "no data"
 */
function fixtureLog(now) {
  // keep every call inside today (local midnight) as well, so the Cost tab's "Today" holds them all
  const midnight = new Date(now); midnight.setHours(0, 0, 0, 0);
  const span = Math.max(2, Math.min(50, Math.floor((now - midnight.getTime()) / 60000) - 1));
  const at = i => new Date(now - Math.round(((i + 1) / 11) * span * 60000)).toISOString();
  const chat = [100, 200, 300, 400, 500, 600].map((latency, i) => ({
    timestamp: at(i), endpoint: '/v1/chat', provider: 'openai', model: 'gpt-4o-mini', status_code: latency === 600 ? 500 : 200,
    latency_ms: latency, cost_usd: 0.01, response_cache_hit: i < 2, usage: { prompt_tokens: 1000, completion_tokens: 100 },
  }));
  const embed = [50, 50, 50, 1000].map((latency, i) => ({
    timestamp: at(6 + i), endpoint: '/v1/embed', provider: 'openai', model: 'text-embedding-3-small', status_code: 200,
    latency_ms: latency, cost_usd: 0.001, response_cache_hit: false, usage: { prompt_tokens: 500, completion_tokens: 0 },
  }));
  return [...chat, ...embed].map(r => JSON.stringify(r)).join('\n') + '\n';
}

const SETTINGS = { 'apiMonitor.logFiles': ['logs/*.jsonl'], 'apiMonitor.autoRefresh': false };

/** Poll a locator's text until it equals `want` (the host pushes a new snapshot after each ingest). */
async function textBecomes(loc, want, timeout = 30000) {
  const t0 = Date.now();
  let last;
  while (Date.now() - t0 < timeout) {
    last = (await loc.textContent({ timeout: 2000 }).catch(() => null))?.trim();
    if (last === want) return last;
    await new Promise(r => setTimeout(r, 250));
  }
  assert.strictEqual(last, want);
  return last;
}

async function openDashboard(wb) {
  // the extension's commands are in the palette once it is active: its cost item shows in the status bar
  await statusBarItem(wb.page, 'apiMonitor.cost').first().waitFor({ timeout: 60000 });
  await runCommand(wb.page, 'API Monitor: Open Dashboard');
  const wv = webviewFrame(wb.page);
  await wv.locator('body[data-ready="1"]').waitFor({ timeout: 30000 });
  return wv;
}

async function showTab(wv, id) {
  await wv.locator(`vscode-tab-header[data-tab="${id}"]`).click();
  await wv.locator(`body[data-tab="${id}"][aria-busy="false"]`).waitFor({ timeout: 15000 });
}

const TABS = ['realtime', 'history', 'cost', 'cache', 'alerts'];

/** The API Monitor view container in the activity bar: Endpoints, Alerts and Log Sources. */
async function sidebarShot(wb, name) {
  await wb.page.locator('.activitybar .action-item a[aria-label^="API Monitor"], .activitybar .action-label[aria-label^="API Monitor"]').first().click();
  await wb.page.locator('.sidebar .pane-header', { hasText: 'Endpoints' }).first().waitFor({ timeout: 20000 });
  await wb.page.locator('.sidebar .monaco-list-row', { hasText: '/v1/chat' }).first().waitFor({ timeout: 20000 });
  await screenshot(wb.page, name);
}

if (require.main !== module && typeof describe === "function") describe('dashboard webview (e2e)', function () {
  this.timeout(180000);
  let wb;
  afterEach(async function () { await keepFailureArtifacts(this, wb, 'dashboard'); });
  after(async () => { await wb?.close(); });

  it('shows the fixture numbers, filters, visits every tab and creates an alert rule', async () => {
    // Light+: the theme the development-mode workbench ends up with (see the top of this file)
    wb = await openWorkbench({ theme: 'Default Light+', settings: SETTINGS, files: { 'logs/app.jsonl': fixtureLog(Date.now()) } });
    const wv = await openDashboard(wb);
    const kpi = id => wv.locator(`[data-kpi="${id}"] .kpi-value`);

    // Real-time, last hour
    await textBecomes(kpi('calls'), '10');
    assert.strictEqual((await kpi('successRate').textContent()).trim(), '90.0 %');
    assert.strictEqual((await kpi('avgLatency').textContent()).trim(), '325 ms');
    assert.strictEqual((await kpi('p95Latency').textContent()).trim(), '1.00 s');
    assert.strictEqual((await kpi('throughput').textContent()).trim(), '0.17/min');
    assert.strictEqual((await kpi('cacheHitRate').textContent()).trim(), '20.0 %');
    assert.strictEqual((await kpi('cost').textContent()).trim(), '$0.06');
    assert.match((await wv.locator('[data-kpi="calls"] .kpi-change').textContent()).trim(), /^no data/);
    const rows = await wv.locator('table.endpoints tbody tr').allTextContents();
    assert.strictEqual(rows.length, 2);
    const cells = async i => (await wv.locator('table.endpoints tbody tr').nth(i).locator('td').allTextContents()).map(s => s.trim());
    const byName = {};
    for (let i = 0; i < 2; i++) { const c = await cells(i); byName[c[0]] = c; }
    assert.deepStrictEqual(byName['/v1/chat'].slice(0, 3), ['/v1/chat', '6', '83.3 %']);
    assert.strictEqual(byName['/v1/chat'][5], '$0.06');
    assert.deepStrictEqual(byName['/v1/embed'].slice(0, 3), ['/v1/embed', '4', '100.0 %']);
    assert.strictEqual(byName['/v1/embed'][5], '<$0.01');
    await screenshot(wb.page, 'dashboard-realtime-light');

    // A filter: only /v1/embed
    await pick(wv, 'f-endpoint', '/v1/embed');
    await textBecomes(kpi('calls'), '4');
    assert.strictEqual((await kpi('successRate').textContent()).trim(), '100.0 %');
    // avg (50 + 50 + 50 + 1000) / 4 = 287.5 -> "288 ms"
    assert.strictEqual((await kpi('avgLatency').textContent()).trim(), '288 ms');
    await pick(wv, 'f-endpoint', 'All endpoints');
    await textBecomes(kpi('calls'), '10');

    // History
    await showTab(wv, 'history');
    assert.ok(await wv.locator('canvas[role="img"]').count() >= 3, 'history charts');
    await screenshot(wb.page, 'dashboard-history-light');

    // Cost: today holds every call: $0.064 -> "$0.06"; /v1/embed $0.004 -> "<$0.01"
    await showTab(wv, 'cost');
    await textBecomes(kpi('today'), '$0.06');
    const embedCost = wv.locator('table.by-endpoint tbody tr', { hasText: '/v1/embed' }).locator('td').nth(2);
    assert.strictEqual((await embedCost.textContent()).trim(), '<$0.01');
    // the projection arrives in a second snapshot; no budget in these settings: spent this month = today's $0.064
    await wv.locator('.projection', { hasText: 'This month: spent $0.06' }).waitFor({ timeout: 20000 });
    await screenshot(wb.page, 'dashboard-cost-light');

    // Cache: 2 hits of 10 known flags
    await showTab(wv, 'cache');
    await textBecomes(kpi('hitRate'), '20.0 %');
    await screenshot(wb.page, 'dashboard-cache-light');

    // Alerts: create a rule through the form
    await showTab(wv, 'alerts');
    await wv.locator('vscode-textfield#rule-name input').fill('E2E slow p95');
    await pick(wv, 'rule-metric', 'p95 latency');
    await wv.locator('vscode-textfield#rule-warning input').fill('800');
    await wv.locator('vscode-textfield#rule-critical input').fill('2000');
    await wv.locator('vscode-button#rule-save').click();
    await wv.locator('table.rules tbody tr', { hasText: 'E2E slow p95' }).waitFor({ timeout: 20000 });
    const settingsFile = path.join(wb.workspace, '.vscode', 'settings.json');
    const saved = JSON.parse(fs.readFileSync(settingsFile, 'utf8'))['apiMonitor.alerts.rules'];
    const rule = saved.find(r => r.name === 'E2E slow p95');
    assert.ok(rule, `rule not in ${settingsFile}: ${JSON.stringify(saved)}`);
    assert.deepStrictEqual([rule.metric, rule.comparison, rule.warning, rule.critical], ['p95Latency', 'above', 800, 2000]);
    await screenshot(wb.page, 'dashboard-alerts-light');

    // The real-time gauge now takes its bands from that rule: p95 1000 ms is above 800 (warning), below 2000
    await showTab(wv, 'realtime');
    await textBecomes(wv.locator('[data-gauge="p95Latency"] .gauge-foot'), 'warning 800 ms · critical 2.00 s (above) · warning');
    assert.deepStrictEqual(wb.pageErrors, []);
    await sidebarShot(wb, 'sidebar-light');
  });

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'api-monitor-dash-'));
  let vsixFile;
  /** the packaged extension, built once for the dark runs */
  function vsix() {
    if (vsixFile) return vsixFile;
    vsixFile = process.env.API_MONITOR_VSIX;
    if (!vsixFile) {
      vsixFile = path.join(tmp, 'api-monitor.vsix');
      const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/package.js'), `--out=${vsixFile}`], { cwd: ROOT, encoding: 'utf8' });
      assert.strictEqual(r.status, 0, `packaging failed:\n${r.stdout}\n${r.stderr}`);
    }
    return vsixFile;
  }
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('renders every tab and the sidebar in the dark theme (packaged extension)', async () => {
    await wb?.close();
    wb = undefined;
    {
      wb = await openWorkbench({ theme: 'dark', devPath: null, installVsix: vsix(), settings: SETTINGS,
        files: { 'logs/app.jsonl': fixtureLog(Date.now()) } });
      const wv = await openDashboard(wb);
      await textBecomes(wv.locator('[data-kpi="calls"] .kpi-value'), '10');
      for (const tab of TABS) {
        if (tab !== 'realtime') await showTab(wv, tab);
        await screenshot(wb.page, `dashboard-${tab}-dark`);
      }
      await sidebarShot(wb, 'sidebar-dark');
    }
  });

  // The example workspace (30 days of generated calls ending now, a budget and alert rules) in both themes:
  // the README's screenshots come from these (copied to media/screenshots/ by hand).
  for (const theme of ['dark', 'light']) {
    it(`renders the example workspace over 24 hours (${theme})`, async () => {
      await wb?.close();
      wb = undefined;
      const ws = path.join(tmp, `examples-${theme}`);
      const g = spawnSync(process.execPath, [path.join(ROOT, 'scripts/generate-examples.js'), `--now=${Date.now()}`, `--out=${ws}`],
        { cwd: ROOT, encoding: 'utf8' });
      assert.strictEqual(g.status, 0, `example generator failed:\n${g.stdout}\n${g.stderr}`);
      // the generator writes the data; the workspace settings (log globs, budget, alert rules) are committed
      fs.cpSync(path.join(ROOT, 'examples', '.vscode'), path.join(ws, '.vscode'), { recursive: true });
      wb = await openWorkbench(theme === 'dark'
        ? { theme: 'dark', devPath: null, installVsix: vsix(), workspace: ws }
        : { theme: 'Default Light+', workspace: ws });
      const wv = await openDashboard(wb);
      // let the first read of the 30 days finish, then look at the last 24 hours
      await ingestSettles(wv);
      await pick(wv, 'f-range', 'Last 24 hours');
      await wv.locator('body[data-tab="realtime"][aria-busy="false"]').waitFor({ timeout: 30000 });
      // 30 days of example calls: the last 24 hours hold hundreds of them
      const t0 = Date.now();
      let calls = 0;
      while (Date.now() - t0 < 60000 && !(calls > 100)) {
        calls = Number(((await wv.locator('[data-kpi="calls"] .kpi-value').textContent()) || '').replace(/[^0-9]/g, ''));
        if (!(calls > 100)) await new Promise(r => setTimeout(r, 500));
      }
      assert.ok(calls > 100, `calls in the last 24 h: ${calls}`);
      // notifications (an example alert fires) would cover the shots
      const clean = async () => {
        await runCommand(wb.page, 'Notifications: Clear All Notifications').catch(() => {});
        await wb.page.mouse.move(900, 10);
        await wb.page.waitForTimeout(300);
      };
      await clean();
      await screenshot(wb.page, `readme-dashboard-${theme}`);
      await showTab(wv, 'cost');
      await clean();
      await screenshot(wb.page, `readme-cost-${theme}`);
      await showTab(wv, 'history');
      await clean();
      await screenshot(wb.page, `readme-history-${theme}`);
      await wb.page.locator('.activitybar .action-item a[aria-label^="API Monitor"], .activitybar .action-label[aria-label^="API Monitor"]').first().click();
      await wb.page.locator('.sidebar .pane-header', { hasText: 'Endpoints' }).first().waitFor({ timeout: 20000 });
      await wb.page.waitForTimeout(1500);
      await clean();
      await screenshot(wb.page, `readme-sidebar-${theme}`);
      assert.deepStrictEqual(wb.pageErrors, []);
    });
  }
});

module.exports = { fixtureLog };
