import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PassThrough } from 'stream';
import { emptyRecord, CallRecord, QueryFilter } from '../../src/core/model';
import type { MonitorEngineApi } from '../../src/core/engine';
import type { WindowStats } from '../../src/core/metrics/types';
import { parseExportArgs, runExport } from '../../src/cliExport';
import type { Command } from '../../src/cli';

// cli.ts's command table can take runExport as it is (checked by tsc).
const asCommand: Command = runExport;
import { costByDay } from '../../src/core/export/reportBuilder';
import { CSV_COLUMNS } from '../../src/core/export/csv';

const NOW = Date.UTC(2025, 2, 3, 12); // 2025-03-03 12:00 UTC
const H = 3_600_000;

function rec(ts: number, model: string | null, cost: number | null, endpoint = '/chat'): CallRecord {
  const r = emptyRecord(ts, endpoint);
  r.model = model;
  r.cost_usd = cost;
  r.cost_source = cost === null ? 'unpriced' : 'computed';
  return r;
}

/** An engine over an array: only what the export uses is real; the queries return fixed figures. */
function fakeEngine(records: CallRecord[], seen: QueryFilter[] = []): MonitorEngineApi {
  const match = (f: QueryFilter) => (r: CallRecord): boolean => r.ts >= f.from && r.ts < f.to &&
    (f.endpoint === undefined || r.endpoint === f.endpoint) && (f.model === undefined || r.model === f.model);
  const win = (f: QueryFilter): WindowStats => {
    const rs = records.filter(match(f));
    return { from: f.from, to: f.to, calls: rs.length, errors: 0, successRate: rs.length ? 1 : null, errorRate: rs.length ? 0 : null,
      latency: { n: 0, avg: null, p50: null, p95: null, p99: null, method: 'exact' }, throughputPerMin: null, responseCacheHitRate: null,
      responseCacheHits: 0, promptCacheTokenShare: null, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0,
      reasoningTokens: 0, costUsd: rs.reduce((s, r) => s + (r.cost_usd ?? 0), 0), unpricedCalls: rs.filter(r => r.cost_usd === null).length, costPerHour: null };
  };
  return {
    ingestFiles: async () => ({ files: 0, records: 0, skipped: 0, ms: 0 }),
    sources: () => [],
    window: win,
    series: () => ({ bucket: 'hour', bucketMs: H, percentileMethod: 'exact', points: [] }),
    byEndpoint: () => [],
    byModel: () => [],
    topErrors: () => [],
    iterateCalls: (f: QueryFilter) => { seen.push(f); return records.filter(match(f)); },
    callsReady: async () => undefined,
    persist: async () => undefined,
    dispose: () => undefined,
  };
}

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', c => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('export: CLI subcommand', () => {
  it('parses the options', () => {
    assert.deepStrictEqual(parseExportArgs(['--format', 'jsonl', '--since', '2h', '--model=gpt-4o', '--tz', 'Europe/Paris'], NOW), {
      format: 'jsonl', filter: { from: NOW - 2 * H, to: NOW + 1, model: 'gpt-4o' }, timeZone: 'Europe/Paris', outFile: null, label: 'Last 2h' });
    assert.deepStrictEqual(parseExportArgs(['--from', '2025-03-01T00:00:00Z', '--to', '2025-03-02T00:00:00Z', '--tz', 'UTC'], NOW), {
      format: 'csv', filter: { from: Date.UTC(2025, 2, 1), to: Date.UTC(2025, 2, 2) }, timeZone: 'UTC', outFile: null, label: 'Custom range' });
    assert.deepStrictEqual(parseExportArgs(['--format', 'xls'], NOW), { error: '--format must be one of csv, jsonl, json, html, md' });
    assert.deepStrictEqual(parseExportArgs(['--since', 'yesterday'], NOW), { error: '--since must look like 30m, 24h, 7d or 2w, got "yesterday"' });
    assert.deepStrictEqual(parseExportArgs(['--tz', 'Mars/Base'], NOW), { error: '--tz: unknown time zone "Mars/Base"' });
    assert.deepStrictEqual(parseExportArgs(['--bogus', '1'], NOW), { error: 'unknown option --bogus' });
    assert.deepStrictEqual(parseExportArgs(['--out'], NOW), { error: '--out needs a value' });
  });

  it('takes the options cli.ts already parsed as defaults, its own options win', () => {
    const range = { from: NOW - 7 * 24 * H, to: NOW + 1 };
    assert.deepStrictEqual(parseExportArgs([], NOW, { format: 'text', since: '7d', range, timeZone: 'UTC' }), {
      format: 'csv', filter: range, timeZone: 'UTC', outFile: null, label: 'Last 7d' }); // "text" is cli.ts's default: csv here
    assert.deepStrictEqual(parseExportArgs(['--since', '1h'], NOW, { format: 'md', since: 'all', range, timeZone: 'UTC' }), {
      format: 'md', filter: { from: NOW - H, to: NOW + 1 }, timeZone: 'UTC', outFile: null, label: 'Last 1h' });
    assert.deepStrictEqual(parseExportArgs(['--since', 'all', '--tz', 'UTC'], NOW), {
      format: 'csv', filter: { from: 0, to: NOW + 1 }, timeZone: 'UTC', outFile: null, label: 'All calls' });
    assert.strictEqual(typeof asCommand, 'function');
  });

  it('streams CSV of the filtered range to stdout', async () => {
    const records = [rec(NOW - 30 * H, 'a', 1), rec(NOW - 2 * H, 'a', 0.5), rec(NOW - H, 'b', 0.25), rec(NOW, 'a', 0.125)];
    const seen: QueryFilter[] = [];
    const out = collect();
    const code = await runExport(['--since', '24h', '--model', 'a', '--tz', 'UTC'], { engine: fakeEngine(records, seen), out: out.stream, now: () => NOW });
    assert.strictEqual(code, 0);
    assert.deepStrictEqual(seen, [{ from: NOW - 24 * H, to: NOW + 1, model: 'a' }]);
    const lines = out.text().split('\r\n');
    // header + the two "a" calls inside 24 h (10:00 and 12:00; the one 30 h ago is outside) + the empty tail
    assert.strictEqual(lines.length, 4);
    assert.strictEqual(lines[0], CSV_COLUMNS.join(','));
    assert.ok(lines[1].startsWith('2025-03-03T10:00:00.000+00:00,'));
    assert.ok(lines[2].startsWith('2025-03-03T12:00:00.000+00:00,'));
  });

  it('writes a report file and reports bad arguments with exit code 2', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimon-export-'));
    const file = path.join(dir, 'report.html');
    const err = collect();
    const engine = fakeEngine([rec(NOW - H, '<img onerror=x>', 0.004)]);
    const code = await runExport(['--format', 'html', '--out', file, '--tz', 'UTC'], { engine, out: new PassThrough(), err: err.stream, now: () => NOW });
    assert.strictEqual(code, 0);
    const html = fs.readFileSync(file, 'utf8');
    assert.ok(html.includes('&lt;img onerror=x&gt;') && !html.includes('<img'));
    assert.ok(err.text().includes(`wrote html to ${file}`));

    const bad = collect();
    assert.strictEqual(await runExport(['--format', 'pdf'], { engine, out: new PassThrough(), err: bad.stream, now: () => NOW }), 2);
    assert.ok(bad.text().startsWith('export: --format must be one of'));

    const missingDir = collect();
    const code2 = await runExport(['--out', path.join(dir, 'no', 'such', 'dir.csv')], { engine, out: new PassThrough(), err: missingDir.stream, now: () => NOW });
    assert.strictEqual(code2, 1);
    assert.ok(/ENOENT/.test(missingDir.text()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the JSON summary with cost per local day adding up to the total', async () => {
    const out = collect();
    const records = [rec(Date.UTC(2025, 2, 1, 22, 30), 'a', 0.1), rec(Date.UTC(2025, 2, 1, 23, 30), 'b', 0.2), rec(Date.UTC(2025, 2, 3, 1), 'a', 0.3),
      rec(Date.UTC(2025, 2, 3, 2), null, null)];
    const code = await runExport(['--format', 'json', '--since', '3d', '--tz', 'Europe/Paris'], { engine: fakeEngine(records), out: out.stream, now: () => NOW });
    assert.strictEqual(code, 0);
    const doc = JSON.parse(out.text());
    assert.strictEqual(doc.kind, 'api-monitor-summary');
    assert.strictEqual(doc.definitions.timeZone, 'Europe/Paris');
    // Paris is UTC+1: 22:30 UTC is 23:30 on the 1st, 23:30 UTC is 00:30 on the 2nd; the 2nd has nothing else; 01:00 UTC on the 3rd is the 3rd
    assert.deepStrictEqual(doc.costPerDay.map((d: { day: string; total: number; calls: number }) => [d.day, d.total, d.calls]),
      [['2025-03-01', 0.1, 1], ['2025-03-02', 0.2, 1], ['2025-03-03', 0.3, 2]]);
    assert.strictEqual(doc.costPerDay[1].start, Date.UTC(2025, 2, 1, 23)); // 00:00 in Paris
    assert.deepStrictEqual(doc.costTotals, { totalUsd: 0.1 + 0.2 + 0.3, loggedUsd: 0, computedUsd: 0.1 + 0.2 + 0.3, unpricedCalls: 1, estimatedCalls: 0 });
  });
});

describe('export: costByDay', () => {
  it('fills empty days between active ones, across a DST change, and keeps hostile model names as keys', () => {
    // Paris switches to summer time on 2025-03-30 (the day is 23 h long)
    const { days, totals } = costByDay([
      rec(Date.UTC(2025, 2, 29, 12), '__proto__', 1),
      rec(Date.UTC(2025, 2, 31, 12), 'constructor', 2),
    ], 'Europe/Paris');
    assert.deepStrictEqual(days.map(d => [d.day, d.start, d.total]), [
      ['2025-03-29', Date.UTC(2025, 2, 28, 23), 1], // 00:00 +01:00
      ['2025-03-30', Date.UTC(2025, 2, 29, 23), 0], // 00:00 +01:00, empty day filled in
      ['2025-03-31', Date.UTC(2025, 2, 30, 22), 2], // 00:00 +02:00
    ]);
    assert.strictEqual(Object.getPrototypeOf(days[0].byModel), Object.prototype);
    assert.deepStrictEqual(Object.entries(days[0].byModel), [['__proto__', 1]]);
    assert.strictEqual(totals.totalUsd, 3);
  });
});
