// The status bar's texts while the session's first read of the logs runs, computed in the real extension
// host (the module imports vscode) against an engine of its own.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { MonitorEngine } from '../../src/core/monitorEngine';
import { readConfig } from '../../src/host/config';
import { computeStatusTexts } from '../../src/host/statusBar';

const EXTENSION_ID = 'api-monitor.api-monitor';

describe('status bar during the first read', function () {
  this.timeout(60_000);
  // 2025-03-04 10:00 UTC; the display zone is UTC, so "today" starts at 00:00 UTC
  const now = Date.UTC(2025, 2, 4, 10);
  let dir: string;
  let engine: MonitorEngine;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimon-integ-status-'));
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    engine = await MonitorEngine.create({
      wasmBinary: fs.readFileSync(path.join(ext.extensionPath, 'dist', 'sql-wasm.wasm')), retentionDays: 3650, timeZone: 'UTC', now: () => now,
    });
  });
  after(() => {
    engine.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const texts = (loading: boolean, hasSources = true) => computeStatusTexts({
    engine, timeZone: () => 'UTC', alerts: { firing: () => [], onDidChange: () => ({ dispose() { /* none */ } }) },
    config: () => ({ ...readConfig(), budget: { amount: 10, period: 'month', warnAt: [] } }), loading: () => loading, now: () => now,
    hasSources: () => hasSources,
  });

  it('stays hidden in a workspace without logs (the extension starts in every workspace after startup)', () => {
    assert.strictEqual(texts(false, false).costHidden, true);
    assert.strictEqual(texts(true, false).costHidden, true);
    assert.strictEqual(texts(false, true).costHidden, false);
  });

  it('says it is reading instead of "$0.00 today" while nothing is stored yet', () => {
    assert.strictEqual(texts(true).cost, '$(sync~spin) reading logs…');
    assert.match(texts(true).costTooltip, /Still reading the logs/);
    // once the read is done, an empty day is a true $0.00 (0 % of the $10 monthly budget)
    assert.strictEqual(texts(false).cost, '$(pulse) $0.00 today · 0 % of $10/month');
  });

  it('shows what is stored so far with a spinner while the read goes on', async () => {
    // two calls today with logged costs $0.50 + $0.75 = $1.25 = 12.5 % of $10, rounded to 13 %
    const file = path.join(dir, 'today.jsonl');
    fs.writeFileSync(file, [0.5, 0.75].map((c, i) => JSON.stringify({ ts: now - (i + 1) * 60_000, endpoint: '/a', cost_usd: c }) + '\n').join(''));
    const r = await engine.ingestFiles([file]);
    assert.strictEqual(r.records, 2);
    assert.strictEqual(texts(true).cost, '$(sync~spin) $1.25 today · 13 % of $10/month');
    // calls stored: shown even if no log file is known any more
    assert.strictEqual(texts(false, false).costHidden, false);
    assert.strictEqual(texts(false).cost, '$(pulse) $1.25 today · 13 % of $10/month');
  });
});
