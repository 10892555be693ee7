import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { PassThrough } from 'stream';
import { main, parseArgs, ReportData } from '../../src/cli';

const wasmBinary = fs.readFileSync(path.join(process.cwd(), 'node_modules/sql.js/dist/sql-wasm.wasm'));
const fixture = (f: string): string => path.join(process.cwd(), 'test/fixtures', f);

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough(), err = new PassThrough();
  let o = '', e = '';
  out.on('data', (c: Buffer) => { o += c.toString(); });
  err.on('data', (c: Buffer) => { e += c.toString(); });
  const code = await main(argv, { out, err, wasmBinary, now: () => Date.UTC(2025, 2, 5) });
  return { code, out: o, err: e };
}

describe('cli', function () {
  // sql.js start-up and file reads are slow on a loaded 2-core machine; no timing is asserted
  this.timeout(20_000);
  it('report --format json on fixtures: totals worked out by hand', async () => {
    const r = await run(['report', fixture('openai-chat.jsonl'), fixture('malformed.jsonl'), '--format', 'json', '--tz', 'UTC']);
    assert.strictEqual(r.code, 0, r.err);
    const d = JSON.parse(r.out) as ReportData;
    // openai-chat.jsonl: 3 calls (one 429); malformed.jsonl: 3 valid lines (1, 7, 9), 5 skipped (lines 2-6)
    assert.strictEqual(d.files, 2);
    assert.strictEqual(d.totals.calls, 6);
    assert.strictEqual(d.totals.errors, 1);
    // latencies 812, 2400.5, 95 and 5, 7 (line 7's "fast" is no latency): sorted 5, 7, 95, 812, 2400.5
    assert.strictEqual(d.totals.latency.n, 5);
    assert.strictEqual(d.totals.latency.avg, (812 + 2400.5 + 95 + 5 + 7) / 5);
    assert.strictEqual(d.totals.latency.p50, 95); // rank ceil(2.5) = 3
    assert.strictEqual(d.totals.latency.p95, 2400.5); // rank ceil(4.75) = 5
    assert.strictEqual(d.totals.latency.method, 'exact');
    assert.strictEqual(d.totals.inputTokens, 1200 + 500);
    assert.strictEqual(d.totals.promptCacheTokenShare, 1024 / 1700);
    // range: earliest call 2025-03-04T10:01+01:00 = 09:01Z, latest 10:00:05.250Z (to is exclusive)
    assert.strictEqual(d.from, Date.UTC(2025, 2, 4, 9, 1));
    assert.strictEqual(d.to, Date.UTC(2025, 2, 4, 10, 0, 5, 250) + 1);
    assert.deepStrictEqual(d.endpoints.map(e => [e.key, e.calls]), [['/v1/chat/completions', 3], ['/ok', 2], ['/wrong-types', 1]]);
    // priced: the two successful OpenAI calls; unpriced: the 429 (no usage) and the three without a model
    assert.strictEqual(d.totals.unpricedCalls, 4);
    assert.ok(d.totals.costUsd > 0);
    const bad = d.sources.find(s => s.path.endsWith('malformed.jsonl'))!;
    assert.strictEqual(bad.skipped, 5);
    assert.deepStrictEqual(bad.problems.map(p => p.line), [2, 3, 4, 5, 6]);
  });

  it('text report lists totals, tables and skipped lines with file:line', async () => {
    const r = await run(['report', fixture('malformed.jsonl')]);
    assert.strictEqual(r.code, 0);
    assert.match(r.out, /calls\s+3\n/);
    assert.match(r.out, /By endpoint/);
    assert.match(r.out, /malformed\.jsonl:2: malformed JSON/);
  });

  it('--since counts back from now', async () => {
    // now is 2025-03-05T00:00Z: the last 24 h hold all six calls of 4 March
    const r = await run(['report', fixture('openai-chat.jsonl'), fixture('malformed.jsonl'), '--since', '24h', '--format=json']);
    assert.strictEqual((JSON.parse(r.out) as ReportData).totals.calls, 6);
  });

  it('usage errors exit with 2, --help with 0', async () => {
    assert.strictEqual((await run([])).code, 2);
    assert.strictEqual((await run(['nope'])).code, 2);
    assert.strictEqual((await run(['report'])).code, 2);
    assert.strictEqual((await run(['report', fixture('openai-chat.jsonl'), '--since', '3x'])).code, 2);
    assert.strictEqual((await run(['report', fixture('openai-chat.jsonl'), '--format', 'xml'])).code, 2);
    assert.strictEqual((await run(['report', fixture('openai-chat.jsonl'), '--tz', 'Mars/Olympus'])).code, 2);
    assert.strictEqual((await run(['report', '/no/such/file'])).code, 2);
    // an option report does not take is an error, not ignored (it would report every call)
    const unknown = await run(['report', fixture('openai-chat.jsonl'), '--endpoint', '/v1/chat']);
    assert.strictEqual(unknown.code, 2);
    assert.match(unknown.err, /unknown option --endpoint/);
    assert.strictEqual(unknown.out, '');
    // and an unknown flag before the file names itself, not a missing file
    const flag = await run(['report', '--verbose', fixture('openai-chat.jsonl')]);
    assert.strictEqual(flag.code, 2);
    assert.match(flag.err, /unknown option --verbose/);
    assert.match((await run(['report', fixture('openai-chat.jsonl'), '--from=2026-01-01'])).err, /unknown option --from\b/);
    const help = await run(['report', '--help']);
    assert.strictEqual(help.code, 0);
    assert.match(help.out, /--since/);
  });

  it('export subcommand streams the calls of the files given (hooked through the command table)', async () => {
    const r = await run(['export', fixture('openai-chat.jsonl'), '--format', 'jsonl', '--since', 'all']);
    assert.strictEqual(r.code, 0, r.err);
    assert.strictEqual(r.out.trim().split('\n').length, 3); // the three calls of openai-chat.jsonl
  });

  it('folders are searched with the default log globs, plus log-like files directly inside the folder named', async () => {
    const r = await run(['report', path.join(process.cwd(), 'test/fixtures'), '--format', 'json']);
    assert.strictEqual(r.code, 0, r.err);
    const d = JSON.parse(r.out) as ReportData;
    // *.jsonl, *.har and api_metrics.json are found anywhere below; array.json and calls.csv because they sit
    // directly in the folder named; the workspace fixture's .vscode/settings.json (nested, not a log glob) is not
    const names = d.sources.map(s => path.basename(s.path));
    assert.ok(names.includes('openai-chat.jsonl') && names.includes('session.har') && names.includes('api_metrics.json'));
    assert.ok(names.includes('array.json') && names.includes('calls.csv'));
    assert.ok(!names.includes('settings.json'));
    // the report names the price table its costs come from
    assert.match(d.priceTableVersion, /^genai-prices@\d+\.\d+\.\d+\+data\.[0-9a-f]+$/);
  });

  it('parseArgs keeps unknown options for the subcommand', () => {
    const p = parseArgs(['a', '--out', 'x.csv', '--since', '7d', 'b', '--endpoint=/e']);
    assert.deepStrictEqual([p.paths, p.since, p.rest], [['a', 'b'], '7d', ['--out', 'x.csv', '--endpoint=/e']]);
  });
});
