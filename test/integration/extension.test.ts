// Inside the real VS Code extension host (H5's runner), against test/fixtures/workspace (a temp
// copy). The log is written at test start with timestamps a few seconds before now, so every call
// is inside "today" (UTC, the fixture's display zone) and the Endpoints view's last 24 h. The
// numbers are worked out in test/fixtures/workspace/README.md and again next to each assertion.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ApiMonitorTestApi, TestTreeItem } from '../../src/extension';
import { writeExampleWorkspace } from '../../src/host/exampleWorkspace';
import { validateAlertRules } from '../../src/core/alerts/rules';

const EXTENSION_ID = 'api-monitor.api-monitor';
const MIN = 60_000;

/** Poll until `fn` returns a truthy value; fail with the last value after `ms`. Never hangs. */
async function waitFor<T>(what: string, fn: () => T | Promise<T>, ms = 8000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  let last: T | undefined;
  let lastErr: unknown;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) {
        return last as NonNullable<T>;
      }
    } catch (e) {
      lastErr = e;
    }
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}; last value ${JSON.stringify(last)}${lastErr ? `, last error ${String(lastErr)}` : ''}`);
}

function withTimeout<T>(p: Thenable<T>, ms: number, what: string): Promise<T> {
  return Promise.race([Promise.resolve(p), new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`${what}: no answer in ${ms} ms`)), ms))]);
}

const line = (o: Record<string, unknown>): string => JSON.stringify(o) + '\n';

describe('API Monitor in the VS Code extension host', function () {
  this.timeout(60_000);
  let api: ApiMonitorTestApi;
  let ws: string;
  let logFile: string;
  let t0 = Date.now();
  const at = (secondsAgo: number): string => new Date(t0 - secondsAgo * 1000).toISOString();

  before(async function () {
    this.timeout(240_000);
    // every call must fall in "today" (UTC, the fixture's zone) for the whole run (about a minute):
    // close to midnight, wait until 70 s into the new day (at most about 3 minutes, once a day)
    const sinceMidnight = Date.now() % 86_400_000;
    const wait = sinceMidnight < 70_000 ? 70_000 - sinceMidnight
      : sinceMidnight > 86_400_000 - 120_000 ? 86_400_000 - sinceMidnight + 70_000 : 0;
    if (wait > 0) {
      await new Promise(r => setTimeout(r, wait));
    }
    t0 = Date.now();
    ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    logFile = path.join(ws, 'logs', 'calls.jsonl');
    const chat = { endpoint: '/v1/chat', function_name: 'chat_completion', method: 'POST' };
    const emb = { endpoint: '/v1/embeddings', function_name: 'embed_documents', method: 'POST' };
    const big = { input_tokens: 100_000, output_tokens: 50_000 };
    const small = { input_tokens: 10_000, output_tokens: 0 };
    fs.writeFileSync(logFile, [
      line({ ts: at(50), ...chat, model: 'fixture-small', ...big, latency_ms: 100, status_code: 200 }),
      line({ ts: at(45), ...chat, model: 'fixture-small', ...big, latency_ms: 200, status_code: 200 }),
      line({ ts: at(40), ...chat, model: 'fixture-small', ...big, latency_ms: 300, status_code: 200 }),
      line({ ts: at(35), ...chat, model: 'fixture-large', ...big, latency_ms: 400, status_code: 200 }),
      line({ ts: at(30), ...chat, model: 'fixture-large', latency_ms: 1000, status_code: 500, success: false, error_type: 'server_error' }),
      '{"ts": "broken json line\n',
      line({ ts: at(25), ...emb, model: 'fixture-small', ...small, latency_ms: 50, status_code: 200 }),
      line({ ts: at(20), ...emb, model: 'fixture-small', ...small, latency_ms: 70, status_code: 200 }),
      'not json at all\n',
      line({ ts: at(15), ...emb, model: 'mystery-model', ...small, latency_ms: 60, status_code: 200 }),
      line({ ts: at(10), ...emb, model: 'fixture-small', ...small, cost_usd: 0.05, latency_ms: 80, status_code: 200 }),
    ].join(''));
    const ext = vscode.extensions.getExtension<ApiMonitorTestApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is installed`);
    api = await withTimeout(ext.activate(), 30_000, 'activation');
    await withTimeout(api.ready, 30_000, 'cold ingest');
    // the file may have been written after discovery: a refresh rescans and reads it
    await withTimeout(vscode.commands.executeCommand('apiMonitor.refresh'), 20_000, 'refresh');
    await waitFor('calls.jsonl read', () => api.services.engine.sources().some(s => s.path === logFile && s.records === 9));
  });

  it('activates and returns its services', () => {
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)!.isActive);
    assert.strictEqual(typeof api.services.engine.window, 'function');
    assert.strictEqual(api.services.timeZone(), 'UTC');
  });

  it('registers every contributed command', async () => {
    const contributed = (vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.commands as { command: string }[]).map(c => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepStrictEqual(contributed.filter(c => !registered.has(c)), []);
    assert.ok(contributed.length >= 20);
  });

  it('lists the log source with its format, records and skipped lines, and the problems under it', async () => {
    const items = await api.treeItems('apiMonitor.sources', 2);
    const src = items.find(i => i.label === 'calls.jsonl');
    assert.ok(src, JSON.stringify(items));
    // 11 lines: 9 calls + 2 malformed
    assert.match(src.description ?? '', /^jsonl · 9 records · 2 skipped · read \d\d:\d\d:\d\d$/);
    assert.strictEqual(src.contextValue, 'source');
    // the malformed lines are lines 6 and 9 of the file
    assert.deepStrictEqual(src.children?.map(c => c.label), ['line 6', 'line 9']);
  });

  it('shows each endpoint with calls, success rate, p95 and cost (last 24 h, sorted by cost)', async () => {
    const items = await api.treeItems('apiMonitor.endpoints');
    assert.deepStrictEqual(items.map(i => [i.label, i.description]), [
      // 5 calls, 4 ok = 80.0 %; p95 = rank ceil(0.95*5)=5 of [100,200,300,400,1000] = 1000 ms;
      // 3 x $0.20 + $2.00 = $2.60, the failed call has no usage: 1 unpriced
      ['/v1/chat', '5 calls · 80.0 % · p95 1.00 s · $2.60 + 1 unpriced'],
      // 4 calls, all ok; p95 = rank ceil(3.8)=4 of [50,60,70,80] = 80 ms; $0.01 + $0.01 + $0.05 (logged) = $0.07;
      // mystery-model is unknown: 1 unpriced
      ['/v1/embeddings', '4 calls · 100.0 % · p95 80 ms · $0.07 + 1 unpriced'],
    ]);
    assert.ok(items.every(i => i.contextValue === 'endpoint'));
  });

  it('breaks an endpoint down by model and by status', async () => {
    const items = await api.treeItems('apiMonitor.endpoints', 3);
    const chat = items.find(i => i.label === '/v1/chat')!;
    const byModel = chat.children!.find(c => c.label === 'By model')!.children!;
    assert.deepStrictEqual(byModel.map(i => [i.label, i.description]), [
      // 2 calls, 1 ok = 50.0 %; p95 rank ceil(1.9)=2 of [400,1000] = 1000 ms; $2.00, 1 unpriced
      ['fixture-large', '2 calls · 50.0 % · p95 1.00 s · $2.00 + 1 unpriced'],
      // 3 calls; p95 rank ceil(2.85)=3 of [100,200,300] = 300 ms; 3 x $0.20 = $0.60
      ['fixture-small', '3 calls · 100.0 % · p95 300 ms · $0.60'],
    ]);
    const byStatus = chat.children!.find(c => c.label === 'By status')!.children!;
    assert.deepStrictEqual(byStatus.map(i => [i.label, i.description]), [['Succeeded', '4 calls'], ['server_error', '1 call']]);
  });

  it("shows today's cost and the budget share in the status bar", async () => {
    const t = await waitFor('status bar text', () => api.statusBar());
    // $2.60 + $0.07 = $2.67 today; 2.67 / 10 = 26.7 % of the monthly budget, shown rounded: 27 %
    assert.strictEqual(t.cost, '$(pulse) $2.67 today · 27 % of $10/month');
    assert.match(t.costTooltip, /\| Calls \| 9 \|/);
    // 8 of 9 calls succeeded: 88.9 %
    assert.match(t.costTooltip, /\| Success rate \| 88\.9 % \|/);
    // 2 unpriced: the failed chat call and mystery-model
    assert.match(t.costTooltip, /\| Unpriced calls \| 2 \|/);
    assert.strictEqual(t.alerts, undefined, 'no alert fires yet: /v1/breach has no calls (no data)');
  });

  it('finds the code of an endpoint by its path, and by its function name', async () => {
    type Match = { uri: vscode.Uri; line: number; needle: string };
    const chat = await vscode.commands.executeCommand<Match[]>('apiMonitor.goToCode', '/v1/chat', { open: false });
    // "/v1/chat" is on line 8 of src/client.py (0-based 7); the path ranks before the function name
    assert.strictEqual(path.basename(chat[0].uri.fsPath), 'client.py');
    assert.deepStrictEqual([chat[0].needle, chat[0].line], ['/v1/chat', 7]);
    const emb = await vscode.commands.executeCommand<Match[]>('apiMonitor.goToCode', '/v1/embeddings', { open: false });
    // the file calls "/v1/embed", not "/v1/embeddings": only the function name from the log matches (line 11, 0-based 10)
    assert.deepStrictEqual(emb.map(m => [m.needle, m.line]), [['embed_documents', 10]]);
  });

  it('updates the tree within a couple of seconds when lines are appended', async () => {
    fs.appendFileSync(logFile, line({ ts: new Date(Date.now() - 5000).toISOString(), endpoint: '/v1/chat', function_name: 'chat_completion',
      model: 'fixture-small', input_tokens: 100_000, output_tokens: 50_000, latency_ms: 150, status_code: 200 }));
    // 6 calls, 5 ok = 83.3 %; p95 rank ceil(5.7)=6 of [100,150,200,300,400,1000] = 1000 ms; $2.60 + $0.20 = $2.80
    const want = '6 calls · 83.3 % · p95 1.00 s · $2.80 + 1 unpriced';
    await waitFor(`/v1/chat to read "${want}"`, async () =>
      (await api.treeItems('apiMonitor.endpoints')).find(i => i.label === '/v1/chat')?.description === want, 5000);
    // today: $2.67 + $0.20 = $2.87 → 28.7 % of $10 → 29 %
    await waitFor('status bar at $2.87', () => api.statusBar()?.cost === '$(pulse) $2.87 today · 29 % of $10/month', 5000);
  });

  it('fires an alert on a breach, shows it in the status bar and the Alerts view, and records its acknowledgement', async () => {
    const breach = (s: number): string => line({ ts: new Date(Date.now() - s * 1000).toISOString(), endpoint: '/v1/breach',
      latency_ms: 10, status_code: 503, success: false, error_type: 'unavailable' });
    fs.appendFileSync(logFile, breach(3) + breach(2));
    // 2 calls on /v1/breach, both failed: 100 % > 50 % with minCalls 2 → fires (evaluation after ingest, or on the 10 s timer)
    const texts = await waitFor('the alert status bar item', () => api.statusBar()?.alerts, 15_000);
    assert.strictEqual(texts, '$(bell) 1');
    assert.strictEqual(api.statusBar()!.alertsBackground, 'statusBarItem.errorBackground');
    const firing = api.services.alerts.firing();
    assert.deepStrictEqual(firing.map(a => [a.ruleId, a.severity, a.value, a.acknowledged]), [['fixture-breach', 'error', 100, false]]);
    const view: TestTreeItem[] = await api.treeItems('apiMonitor.alerts');
    assert.strictEqual(view[0].label, 'Fixture breach error rate');
    assert.strictEqual(view[0].contextValue, 'alertFiring');

    await vscode.commands.executeCommand('apiMonitor.acknowledgeAlert', 'fixture-breach');
    assert.strictEqual(api.services.alerts.firing()[0].acknowledged, true);
    const hist = api.services.alerts.history(10).find(h => h.ruleId === 'fixture-breach');
    assert.ok(hist, 'the episode is in the history');
    assert.strictEqual(hist.acknowledged, true);
    assert.strictEqual(hist.to, 'firing');
  });

  it('sorts the endpoints by the chosen figure', async () => {
    const labels = async (): Promise<string[]> => (await api.treeItems('apiMonitor.endpoints')).map(i => i.label);
    await vscode.commands.executeCommand('apiMonitor.sortEndpoints', 'calls');
    // calls: /v1/chat 6, /v1/embeddings 4, /v1/breach 2
    assert.deepStrictEqual(await labels(), ['/v1/chat', '/v1/embeddings', '/v1/breach']);
    await vscode.commands.executeCommand('apiMonitor.sortEndpoints', 'errors');
    // errors: /v1/breach 2, /v1/chat 1, /v1/embeddings 0
    assert.deepStrictEqual(await labels(), ['/v1/breach', '/v1/chat', '/v1/embeddings']);
    await vscode.commands.executeCommand('apiMonitor.sortEndpoints', 'cost');
    // cost: $2.80, $0.07, then /v1/breach (no priced call: cost 0)
    assert.deepStrictEqual(await labels(), ['/v1/chat', '/v1/embeddings', '/v1/breach']);
  });

  it('resolves the alert when the breach ends: the status bar item hides and the history says resolved', async () => {
    const ok = (s: number): string => line({ ts: new Date(Date.now() - s * 1000).toISOString(), endpoint: '/v1/breach',
      latency_ms: 10, status_code: 200 });
    fs.appendFileSync(logFile, ok(2) + ok(1));
    // /v1/breach: 2 failed of 4 = 50 %, not above 50 % → resolved (no pending period)
    await waitFor('the alert to resolve', () => api.services.alerts.firing().length === 0, 15_000);
    // the status bar follows the alert change event
    await waitFor('the alert status bar item to hide', () => api.statusBar()!.alerts === undefined, 2000);
    const hist = api.services.alerts.history(10).find(h => h.ruleId === 'fixture-breach');
    assert.deepStrictEqual([hist?.to, hist?.acknowledged], ['resolved', true]);
    const view = await api.treeItems('apiMonitor.alerts', 2);
    assert.deepStrictEqual(view.map(i => i.label), ['Recent']);
    assert.strictEqual(view[0].children?.[0].label, 'Fixture breach error rate');
  });

  describe('exports (target file given: no dialogs)', () => {
    // every call so far: 9 + 1 appended + 4 breach = 14; errors: 1 chat + 2 breach = 3
    const range = (): { from: number; to: number } => ({ from: t0 - 10 * MIN, to: Date.now() + MIN });
    const out = (name: string): string => path.join(ws, 'exports', name);
    before(() => fs.mkdirSync(path.join(ws, 'exports'), { recursive: true }));

    it('writes the calls as CSV: header + one row per call', async () => {
      const r = await vscode.commands.executeCommand<{ rows: number }>('apiMonitor.exportCallsCsv', { uri: out('calls.csv'), range: range() });
      assert.strictEqual(r.rows, 14);
      const lines = fs.readFileSync(out('calls.csv'), 'utf8').split('\r\n').filter(l => l !== '');
      assert.strictEqual(lines.length, 1 + 14);
      assert.ok(lines[0].startsWith('ts_iso,ts_ms,endpoint,'), lines[0]);
    });

    it('writes the calls as JSON Lines: one object per call', async () => {
      await vscode.commands.executeCommand('apiMonitor.exportCallsJsonl', { uri: out('calls.jsonl'), range: range() });
      const rows = fs.readFileSync(out('calls.jsonl'), 'utf8').trim().split('\n').map(l => JSON.parse(l));
      assert.strictEqual(rows.length, 14);
      assert.strictEqual(rows.filter(r => r.endpoint === '/v1/chat').length, 6);
      // logged cost wins: the one logged row keeps 0.05
      assert.deepStrictEqual(rows.filter(r => r.cost_source === 'logged').map(r => r.cost_usd), [0.05]);
    });

    it('writes the metrics summary with the totals', async () => {
      await vscode.commands.executeCommand('apiMonitor.exportSummary', { uri: out('summary.json'), range: range() });
      const s = JSON.parse(fs.readFileSync(out('summary.json'), 'utf8'));
      assert.strictEqual(s.kind, 'api-monitor-summary');
      assert.strictEqual(s.kpis.calls, 14);
      // 1 failed chat call + 2 breach calls
      assert.strictEqual(s.kpis.errors, 3);
      // $2.80 (chat) + $0.07 (embeddings); unpriced: failed chat, mystery-model, 4 breach calls = 6
      assert.ok(Math.abs(s.kpis.costUsd - 2.87) < 1e-9, String(s.kpis.costUsd));
      assert.strictEqual(s.kpis.unpricedCalls, 6);
      assert.deepStrictEqual(s.byEndpoint.map((r: { key: string; calls: number }) => [r.key, r.calls]).sort(),
        [['/v1/breach', 4], ['/v1/chat', 6], ['/v1/embeddings', 4]]);
      // the alert episode of the range is in the summary
      assert.deepStrictEqual(s.alerts.map((a: { ruleId: string; state: string }) => [a.ruleId, a.state]), [['fixture-breach', 'resolved']]);
    });

    it('writes the HTML and Markdown reports with the numbers', async () => {
      await vscode.commands.executeCommand('apiMonitor.exportReport', { uri: out('report.html'), range: range(), format: 'html' });
      const html = fs.readFileSync(out('report.html'), 'utf8');
      assert.ok(html.startsWith('<!DOCTYPE html>') || html.startsWith('<!doctype html>'), html.slice(0, 40));
      assert.ok(html.includes('$2.87'), 'total cost');
      assert.ok(html.includes('/v1/embeddings'));
      await vscode.commands.executeCommand('apiMonitor.exportReport', { uri: out('report.md'), range: range(), format: 'md' });
      const md = fs.readFileSync(out('report.md'), 'utf8');
      assert.ok(md.includes('$2.87'), 'total cost');
      assert.ok(md.includes('/v1/chat'));
    });
  });

  describe('exports follow the dashboard when it is open', () => {
    it('exports only the calls of the endpoint the dashboard is filtered to', async () => {
      await vscode.commands.executeCommand('apiMonitor.openEndpointInDashboard', '/v1/chat');
      try {
        await waitFor('the dashboard tab', () => vscode.window.tabGroups.all.some(g => g.tabs.some(t =>
          t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('apiMonitor.dashboard'))), 10_000);
        const file = path.join(ws, 'exports', 'dashboard-filter.jsonl');
        // no range given: the dashboard's filter (/v1/chat over its default range) is used
        const r = await vscode.commands.executeCommand<{ rows: number }>('apiMonitor.exportCallsJsonl', { uri: file });
        const rows = fs.readFileSync(file, 'utf8').trim().split('\n').map(l => JSON.parse(l));
        // /v1/chat has 6 calls (5 written at start + 1 appended)
        assert.strictEqual(r.rows, 6);
        assert.deepStrictEqual([...new Set(rows.map(x => x.endpoint))], ['/v1/chat']);
      } finally {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      }
    });
  });

  describe('a log added by hand, read with a field mapping', () => {
    let custom: string;
    before(() => {
      custom = path.join(ws, 'extra', 'custom.jsonl');
      fs.mkdirSync(path.dirname(custom), { recursive: true });
      const rec = (s: number, ms: number): string => line({ when: new Date(Date.now() - s * 1000).toISOString(), op: { name: '/v2/custom' }, timing: { total: ms } });
      fs.writeFileSync(custom, rec(4, 42) + rec(3, 30));
    });
    after(async () => {
      await vscode.workspace.getConfiguration('apiMonitor').update('fieldMapping', undefined, vscode.ConfigurationTarget.Workspace);
    });

    it('adds the file as a manual source; without a mapping its lines have no timestamp and are skipped', async () => {
      await vscode.commands.executeCommand('apiMonitor.addLogFile', custom);
      // outside apiMonitor.logFiles (logs/**/*.jsonl): only the manual list finds it
      const src = await waitFor('custom.jsonl in Log Sources', async () =>
        (await api.treeItems('apiMonitor.sources')).find(i => i.label === 'custom.jsonl' && i.description?.startsWith('jsonl · 0 records · 2 skipped · read ')));
      assert.strictEqual(src.contextValue, 'sourceManual');
    });

    it('re-reads the logs when the field mapping changes', async () => {
      await vscode.workspace.getConfiguration('apiMonitor').update('fieldMapping',
        { ts: 'when', endpoint: 'op.name', latency_ms: 'timing.total' }, vscode.ConfigurationTarget.Workspace);
      // 2 calls, no status = success: 100.0 %; p95 rank ceil(1.9)=2 of [30, 42] = 42 ms; no model: unpriced
      const row = await waitFor('/v2/custom in Endpoints', async () =>
        (await api.treeItems('apiMonitor.endpoints')).find(i => i.label === '/v2/custom'), 10_000);
      assert.strictEqual(row.description, '2 calls · 100.0 % · p95 42 ms · unpriced');
      await api.ingestNow(); // waits for the re-read in flight
      const src = (await api.treeItems('apiMonitor.sources')).find(i => i.label === 'custom.jsonl');
      assert.match(src?.description ?? '', /^jsonl · 2 records · read /);
    });

    it('removes the manual source and its calls', async () => {
      await vscode.commands.executeCommand('apiMonitor.removeLogSource', custom);
      await waitFor('custom.jsonl gone', async () => !(await api.treeItems('apiMonitor.sources')).some(i => i.label === 'custom.jsonl'));
      assert.ok(!(await api.treeItems('apiMonitor.endpoints')).some(i => i.label === '/v2/custom'));
    });

    it('reads the other logs again without the mapping once it is removed', async () => {
      await vscode.workspace.getConfiguration('apiMonitor').update('fieldMapping', undefined, vscode.ConfigurationTarget.Workspace);
      // the mapping is global (it wins over the usual names in every log), so without it calls.jsonl reads as before:
      // 14 calls and the 2 malformed lines
      await waitFor('calls.jsonl read again', async () =>
        (await api.treeItems('apiMonitor.sources')).find(i => i.label === 'calls.jsonl')?.description?.startsWith('jsonl · 14 records · 2 skipped · read '), 10_000);
      const chat = (await api.treeItems('apiMonitor.endpoints')).find(i => i.label === '/v1/chat');
      assert.strictEqual(chat?.description, '6 calls · 83.3 % · p95 1.00 s · $2.80 + 1 unpriced');
    });
  });
  describe('a large export (many chunks through the file stream)', () => {
    it('writes every row of 30,000 + 14 calls', async function () {
      this.timeout(90_000);
      const bulk = path.join(ws, 'logs', 'bulk.jsonl');
      const now = Date.now();
      let text = '';
      for (let i = 0; i < 30_000; i++) {
        text += `{"ts":${now - 60_000 + i},"endpoint":"/v1/bulk","latency_ms":${i % 500},"status_code":200}\n`;
      }
      fs.writeFileSync(bulk, text);
      await waitFor('bulk.jsonl read', async () =>
        (await api.treeItems('apiMonitor.sources')).find(i => i.label === 'bulk.jsonl')?.description?.startsWith('jsonl · 30,000 records · read '), 30_000);
      const file = path.join(ws, 'exports', 'bulk.csv');
      const r = await vscode.commands.executeCommand<{ rows: number; cancelled: boolean }>('apiMonitor.exportCallsCsv',
        { uri: file, range: { from: t0 - 10 * 60_000, to: Date.now() + 60_000 } });
      // 30,000 bulk calls + the 14 calls of calls.jsonl
      assert.deepStrictEqual([r.rows, r.cancelled], [30_014, false]);
      const lines = fs.readFileSync(file, 'utf8').split('\r\n').filter(l => l !== '');
      assert.strictEqual(lines.length, 1 + 30_014);
      assert.strictEqual(lines.filter(l => l.includes(',/v1/bulk,')).length, 30_000);
    });
  });
  describe('re-pricing when prices change', () => {
    const chat = async (): Promise<string | undefined> =>
      (await api.treeItems('apiMonitor.endpoints')).find(i => i.label === '/v1/chat')?.description;

    it('re-prices the stored calls from .vscode/api-monitor-prices.json, which wins over settings', async () => {
      const file = path.join(ws, '.vscode', 'api-monitor-prices.json');
      fs.writeFileSync(file, JSON.stringify({ 'fixture-small': { input: 2, output: 4 } }));
      // fixture-small: 0.2 + 0.2 = $0.40 per call; /v1/chat: 4 x $0.40 + $2.00 = $3.60
      await waitFor('/v1/chat at $3.60', async () => (await chat()) === '6 calls · 83.3 % · p95 1.00 s · $3.60 + 1 unpriced', 10_000);
      fs.rmSync(file);
      // back to the settings' prices: 4 x $0.20 + $2.00 = $2.80
      await waitFor('/v1/chat back at $2.80', async () => (await chat()) === '6 calls · 83.3 % · p95 1.00 s · $2.80 + 1 unpriced', 10_000);
    });

    it('re-prices the stored calls when apiMonitor.pricing.overrides changes', async () => {
      const cfg = vscode.workspace.getConfiguration('apiMonitor');
      const before = cfg.get('pricing.overrides');
      await cfg.update('pricing.overrides', { 'fixture-small': { input: 1, output: 2 }, 'fixture-large': { input: 20, output: 40 } },
        vscode.ConfigurationTarget.Workspace);
      try {
        // fixture-large: 2.0 + 2.0 = $4.00; /v1/chat: 4 x $0.20 + $4.00 = $4.80
        await waitFor('/v1/chat at $4.80', async () => (await chat()) === '6 calls · 83.3 % · p95 1.00 s · $4.80 + 1 unpriced', 10_000);
      } finally {
        await cfg.update('pricing.overrides', before, vscode.ConfigurationTarget.Workspace);
      }
      await waitFor('/v1/chat back at $2.80', async () => (await chat()) === '6 calls · 83.3 % · p95 1.00 s · $2.80 + 1 unpriced', 10_000);
    });
  });
  describe('the example workspace written for an installed extension', () => {
    it('is a readable log of the last 24 h with valid settings', async function () {
      this.timeout(60_000);
      const folder = await writeExampleWorkspace(vscode.Uri.file(path.join(ws, 'example-ws')));
      const log = path.join(folder.fsPath, 'logs', 'example-calls.jsonl');
      const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
      // one call every 15-45 s over 24 h: between 86,400/45 = 1,920 and 86,400/15 = 5,760
      assert.ok(lines.length >= 1920 && lines.length <= 5760, String(lines.length));
      const settings = JSON.parse(fs.readFileSync(path.join(folder.fsPath, '.vscode', 'settings.json'), 'utf8'));
      assert.deepStrictEqual(validateAlertRules(settings['apiMonitor.alerts.rules']).errors, []);
      // the extension reads every line of it
      await vscode.commands.executeCommand('apiMonitor.addLogFile', log);
      try {
        await waitFor('example log read', async () => (await api.treeItems('apiMonitor.sources'))
          .find(i => i.label === 'example-calls.jsonl')?.description?.startsWith(`jsonl · ${lines.length.toLocaleString('en-US')} records · read `), 20_000);
      } finally {
        await vscode.commands.executeCommand('apiMonitor.removeLogSource', log);
      }
    });
  });
});
