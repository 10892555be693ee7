import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { SqlJsStatic } from 'sql.js';
import { MonitorEngine } from '../../src/core/monitorEngine';
import { emptyRecord, CallRecord, OriginRecord, QueryFilter } from '../../src/core/model';
import { readCalls } from '../../src/core/export/callReader';
import { CSV_COLUMNS, csvRows } from '../../src/core/export/csv';
import { csvExportChunks, storeCsvChunks } from '../../src/core/export/storeCsv';
import { loadSqlJs } from '../../src/core/store/sqlJs';

const wasm = fs.readFileSync(path.join(process.cwd(), 'node_modules/sql.js/dist/sql-wasm.wasm'));
const HOUR = 3_600_000, DAY = 24 * HOUR;
// 2026-03-07 00:00 UTC; the data runs 24 days, across St John's spring-forward (2026-03-08 05:30 UTC,
// -03:30 -> -02:30) and Paris's (2026-03-29 01:00 UTC, +01:00 -> +02:00)
const T0 = Date.UTC(2026, 2, 7);
const SPAN = 24 * DAY;
const ALL: QueryFilter = { from: 0, to: T0 + SPAN + DAY };
const HEADER = CSV_COLUMNS.join(',') + '\r\n';

/** A small deterministic generator (LCG), so a failure names a reproducible case. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
}

// text needing quotes, formula-guard starts, empty text, non-ASCII, long text, plain ids
const TEXTS = [null, null, null, '', 'POST', 'a,b', 'say "hi"', 'two\nlines', '=SUM(A1)', '+1', '-x', '@me', '\tTab', '\rCR',
  'café', 'naïve "q"', '日本', '😀 emoji', 'plain-id-123', 'x'.repeat(300), '=' + 'é'.repeat(300)];
const ENDPOINTS = ['/v1/chat', '/v1/é', '/x,"y"', '=cmd|x', '/api/qa'];
const NAMES = [null, 'gpt-4o', 'claude-ünï', 'm,1', '+m', 'openai'];

function someNumber(rnd: () => number): number | null {
  const sign = rnd() < 0.2 ? -1 : 1;
  switch (Math.floor(rnd() * 8)) {
    case 0: return null;
    case 1: return sign * Math.floor(rnd() * 70_000);
    case 2: return sign * Math.round(rnd() * 1e8) / 10 ** Math.floor(rnd() * 14);
    case 3: return sign * rnd() * 10 ** (Math.floor(rnd() * 44) - 22);
    case 4: return sign * (0.1 * Math.floor(rnd() * 100) + 0.2);
    case 5: return sign * Math.floor(rnd() * 2 ** 53);
    case 6: return [0, -0, 1e21, 1e-7, 5e-324, 0.5][Math.floor(rnd() * 6)];
    default: return sign * Math.round(rnd() * 5000) / 10;
  }
}

/** A call of every kind a log can give; the store keeps what it can (NaN and the like become NULL). */
const isAscii = (s: string | null): boolean => s === null || [...s].every(c => c.charCodeAt(0) < 128);
const ASCII_TEXTS = TEXTS.filter(isAscii), ASCII_ENDPOINTS = ENDPOINTS.filter(isAscii), ASCII_NAMES = NAMES.filter(isAscii);

/** ascii: text cells from the ASCII values only (rows the bytes path writes); else any (most rows need the record path) */
function randomCall(rnd: () => number, i: number, ascii = false): OriginRecord {
  const texts = ascii ? ASCII_TEXTS : TEXTS, names = ascii ? ASCII_NAMES : NAMES, endpoints = ascii ? ASCII_ENDPOINTS : ENDPOINTS;
  const t = (): string | null => texts[Math.floor(rnd() * texts.length)];
  const n = (): string | null => names[Math.floor(rnd() * names.length)];
  const num = (): number | null => someNumber(rnd);
  const bool = (): boolean => rnd() < 0.5;
  // runs of calls sharing a timestamp (pages split them), and fractional milliseconds
  const ts = T0 + Math.floor(rnd() * SPAN / 1000) * 1000 + (rnd() < 0.3 ? 0 : Math.floor(rnd() * 1000)) + (rnd() < 0.05 ? 0.5 : 0);
  const r: OriginRecord = { ...emptyRecord(ts, endpoints[Math.floor(rnd() * endpoints.length)]), offset: i * 100, line: i + 1 };
  r.function_name = rnd() < 0.3 ? `fn_${i % 7}` : n(); r.provider = n(); r.model = n(); r.method = t(); r.status_code = num();
  r.success = bool(); r.error_type = t(); r.request_id = rnd() < 0.5 ? null : `req-${i}`; r.trace_id = t(); r.retry_count = Math.abs(num() ?? 0);
  r.priority = t(); r.latency_ms = num(); r.ttft_ms = num(); r.input_tokens = num(); r.output_tokens = num();
  r.cache_read_tokens = Math.floor(rnd() * 3) * 100; r.cache_write_tokens = Math.floor(rnd() * 3) * 50; r.cache_write_1h_tokens = rnd() < 0.2 ? 10 : 0;
  r.cache_write_split_known = bool(); r.reasoning_tokens = Math.floor(rnd() * 2) * 7; r.response_cache_hit = rnd() < 0.3 ? null : bool();
  r.cost_usd = num(); r.cost_source = (['logged', 'computed', 'unpriced'] as const)[Math.floor(rnd() * 3)]; r.batch = bool();
  r.request_hash = rnd() < 0.5 ? null : t(); r.zone_assumed = bool();
  return r;
}

describe('export: CSV straight from the store (storeCsv.ts)', function () {
  // a few thousand rows, each exported eight ways: slow on a loaded 2-core machine; no timing is asserted
  this.timeout(60_000);
  let sql: SqlJsStatic;
  before(async () => { sql = await loadSqlJs(wasm); });

  const create = (): Promise<MonitorEngine> =>
    MonitorEngine.create({ wasmBinary: wasm, retentionDays: 60, timeZone: 'UTC', now: () => T0 + SPAN + HOUR });

  /** The record-by-record path: what the export wrote before (readCalls' records through csvRows). */
  const reference = (e: MonitorEngine, f: QueryFilter, tz: string, pageRows?: number, chunkSize?: number): string[] =>
    [...csvRows(readCalls(e.store, f, { sqlJs: sql, pageRows }), { timeZone: tz, chunkSize })];

  it('writes the same chunks as the record-by-record path for 2,000 varied calls, every zone kind, page and chunk size', async () => {
    const e = await create();
    const rnd = lcg(7);
    // half with any text, half with ASCII text only
    const recs = Array.from({ length: 2000 }, (_, i) => randomCall(rnd, i, i % 2 === 1));
    e.ingestRecords('f', recs);
    for (const tz of ['UTC', 'Europe/Paris', 'America/St_Johns', 'Asia/Kolkata']) {
      for (const [pageRows, chunkSize] of [[undefined, undefined], [7, 1], [64, 4096], [2000, 700], [1999, 100_000]] as const) {
        const fast = storeCsvChunks(e.store, ALL, { timeZone: tz, sqlJs: sql, pageRows, chunkSize });
        const chunks = [...fast];
        const ref = reference(e, ALL, tz, pageRows, chunkSize);
        // same text, cut at the same places
        assert.deepStrictEqual(chunks, ref, `${tz} page ${pageRows} chunk ${chunkSize}`);
        assert.strictEqual(fast.rows, 2000);
      }
    }
    // every call is in the range: the reference wrote 2,000 rows too
    assert.strictEqual([...readCalls(e.store, ALL, { sqlJs: sql })].length, 2000);
    e.dispose();
  });

  it('writes hand-checked rows: quotes, formula guards, nulls, negative and fractional numbers, non-ASCII, a DST change', async () => {
    const e = await create();
    // 2026-03-29 00:59:59.999 UTC = 1774742400000 (2026-03-29 00:00 UTC) + 3,599,999 ms: 01:59:59.999 in Paris (+01:00);
    // 1 ms later it is 03:00:00.000 (+02:00)
    const t = Date.UTC(2026, 2, 29, 0, 59, 59, 999);
    assert.strictEqual(t, 1774742400000 + 3_599_999);
    const a: OriginRecord = { ...emptyRecord(t, '/v1/chat'), offset: 0, line: 1 };
    a.function_name = '=HYPERLINK("x")'; a.model = 'gpt-4o'; a.method = 'POST'; a.status_code = 500; a.success = false;
    a.error_type = 'rate, limit'; a.request_id = 'req-1'; a.retry_count = 2; a.latency_ms = -12.5; a.ttft_ms = 0.25;
    a.input_tokens = 1000; a.cost_usd = 0.0000726; a.cost_source = 'logged'; a.response_cache_hit = false;
    const b: OriginRecord = { ...emptyRecord(t + 1, '/café'), offset: 100, line: 2 };
    b.model = '日本'; b.provider = '+p'; b.trace_id = 'two\nlines'; b.response_cache_hit = true; b.batch = true; b.zone_assumed = true;
    e.ingestRecords('f', [a, b]);
    const lines = [...storeCsvChunks(e.store, ALL, { timeZone: 'Europe/Paris', sqlJs: sql })].join('');
    // columns: ts_iso,ts_ms,endpoint,function_name,provider,model,method,status_code,success,error_type,request_id,trace_id,
    // retry_count,priority,latency_ms,ttft_ms,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,
    // cache_write_1h_tokens,cache_write_split_known,reasoning_tokens,response_cache_hit,cost_usd,cost_source,cost_estimated,
    // batch,request_hash,zone_assumed
    assert.strictEqual(lines, HEADER +
      `2026-03-29T01:59:59.999+01:00,1774745999999,/v1/chat,"'=HYPERLINK(""x"")",,gpt-4o,POST,500,false,"rate, limit",req-1,,` +
      '2,,-12.5,0.25,1000,,0,0,0,true,0,false,0.0000726,logged,false,false,,false\r\n' +
      `2026-03-29T03:00:00.000+02:00,1774746000000,/café,,'+p,日本,,,true,,,"two\nlines",` +
      '0,,,,,,0,0,0,true,0,true,,unpriced,false,true,,true\r\n');
    assert.deepStrictEqual([lines], reference(e, ALL, 'Europe/Paris'));
    e.dispose();
  });

  it('applies the range and the dimension filters as readCalls does; an unknown name gives the header only', async () => {
    const e = await create();
    const rnd = lcg(11);
    e.ingestRecords('f', Array.from({ length: 600 }, (_, i) => randomCall(rnd, i)));
    const filters: QueryFilter[] = [
      { from: T0 + 3 * DAY, to: T0 + 5 * DAY }, { ...ALL, endpoint: '/v1/é' }, { ...ALL, model: 'gpt-4o' }, { ...ALL, provider: 'openai' },
      { ...ALL, status: 'error' }, { ...ALL, endpoint: '/nope' },
    ];
    for (const f of filters) {
      const fast = storeCsvChunks(e.store, f, { timeZone: 'Europe/Paris', sqlJs: sql, pageRows: 50 });
      const text = [...fast].join('');
      assert.strictEqual(text, reference(e, f, 'Europe/Paris', 50).join(''), JSON.stringify(f));
      assert.strictEqual(fast.rows, [...readCalls(e.store, f, { sqlJs: sql })].length);
    }
    assert.strictEqual([...storeCsvChunks(e.store, { ...ALL, endpoint: '/nope' }, { timeZone: 'UTC', sqlJs: sql })].join(''), HEADER);
    e.dispose();
  });

  it('writes cells of unexpected types (a damaged store) and rows of unknown endpoints as readCalls reads them', async () => {
    const e = await create();
    // ASCII rows (the bytes path writes them unless a cell is damaged), one a second
    e.ingestRecords('f', Array.from({ length: 40 }, (_, i) => {
      const r: OriginRecord = { ...emptyRecord(T0 + i * 1000, '/api/qa'), offset: i, line: i + 1 };
      r.status_code = 200; r.latency_ms = 10.5 * i; r.input_tokens = i; r.response_cache_hit = i % 2 === 0; r.cost_usd = i / 1000;
      r.method = 'GET';
      return r;
    }));
    const ts = [...readCalls(e.store, ALL, { sqlJs: sql })].map(r => r.ts);
    // text where a number belongs (one that reads as a number prefix too), a blob where text belongs, an unknown cost source
    // (row 3's other text cells emptied, so that its line splits on commas for the hand check below)
    e.store.db.run(`UPDATE calls SET latency_ms = 'abc', status_code = '42', input_tokens = '12abc', cost_source = 7, endpoint_id = ?,
      function_id = 0, provider_id = 0, model_id = 0, method = NULL, error_type = NULL, request_id = NULL, trace_id = NULL, priority = NULL,
      request_hash = NULL WHERE ts = ?`, [e.store.dimId('endpoint', '/api/qa')!, ts[3]]);
    e.store.db.run('UPDATE calls SET request_id = ?, response_cache_hit = 1 WHERE ts = ?', [new Uint8Array([1, 2]), ts[5]]);
    // a text cache-hit flag reads false (not a fallback: the bytes path writes it), a blob cost needs the record path
    e.store.db.run("UPDATE calls SET response_cache_hit = 'yes', method = 12 WHERE ts = ?", [ts[8]]);
    e.store.db.run("UPDATE calls SET cost_usd = x'00' WHERE ts = ?", [ts[9]]);
    e.store.db.run('UPDATE calls SET endpoint_id = 999 WHERE ts = ?', [ts[10]]);
    for (const pageRows of [3, undefined]) {
      const fast = storeCsvChunks(e.store, ALL, { timeZone: 'UTC', sqlJs: sql, pageRows });
      assert.deepStrictEqual([...fast], reference(e, ALL, 'UTC', pageRows));
      // the row of endpoint 999 has no name: dropped, as readCalls drops it
      assert.strictEqual(fast.rows, 39);
    }
    const rows = [...storeCsvChunks(e.store, ALL, { timeZone: 'UTC', sqlJs: sql })].join('').split('\r\n');
    const cell = (line: string, col: string): string => line.split(',')[CSV_COLUMNS.indexOf(col as typeof CSV_COLUMNS[number])];
    const row3 = rows.find(l => l.includes(',' + ts[3] + ','))!;
    // Number('abc') and Number('12abc') are NaN (empty cells); '42' became 42 by the column's INTEGER affinity; source 7 is unpriced
    assert.deepStrictEqual(['latency_ms', 'status_code', 'input_tokens', 'cost_source'].map(c => cell(row3, c)), ['', '42', '', 'unpriced']);
    e.dispose();
  });

  it("counts the rows of the chunks yielded so far, not those of the page read ahead", async () => {
    const e = await create();
    e.ingestRecords('f', Array.from({ length: 20 }, (_, i) => ({ ...emptyRecord(T0 + i * 1000, '/api/qa'), offset: i, line: i + 1 })));
    const seen = (c: { rows: number } & Iterable<string>): number[] => {
      const out: number[] = [];
      for (const _chunk of c) out.push(c.rows);
      return out;
    };
    // chunks of 1 code unit: each ends after one row (the first holds the header too), so 20 chunks holding rows 1..20,
    // though pages of 8 rows are read before their chunks are yielded
    const expected = Array.from({ length: 20 }, (_, i) => i + 1);
    const fast = storeCsvChunks(e.store, ALL, { timeZone: 'UTC', sqlJs: sql, pageRows: 8, chunkSize: 1 });
    assert.deepStrictEqual(seen(fast), expected);
    // a second iteration is a new export, counted from 0 again
    assert.deepStrictEqual(seen(fast), expected);
    // the record-by-record fallback counts the same way
    const records = [...e.iterateCalls(ALL)];
    const slow = csvExportChunks({ iterateCalls: () => records }, ALL, { timeZone: 'UTC', chunkSize: 1 });
    assert.deepStrictEqual(seen(slow), expected);
    assert.deepStrictEqual(seen(slow), expected);
    e.dispose();
  });

  it('is what the engine exports, through the C API; an engine without csvChunks exports csvRows(iterateCalls()) with a count', async () => {
    const e = await create();
    const rnd = lcg(5);
    e.ingestRecords('f', Array.from({ length: 30 }, (_, i) => randomCall(rnd, i)));
    const raw = sql as unknown as { _sqlite3_column_type: (p: number, i: number) => number };
    const type = raw._sqlite3_column_type;
    let calls = 0;
    raw._sqlite3_column_type = (p: number, i: number): number => { calls++; return type(p, i); };
    let viaEngine: string;
    const engineChunks = csvExportChunks(e, ALL, { timeZone: 'Asia/Kolkata' });
    try {
      viaEngine = [...engineChunks].join('');
    } finally {
      raw._sqlite3_column_type = type;
    }
    // 30 rows, each with at least the 13 type checks of its nullable cells
    assert.ok(calls >= 30 * 13, `${calls} type calls`);
    assert.strictEqual(engineChunks.rows, 30);
    const expected = reference(e, ALL, 'Asia/Kolkata').join('');
    assert.strictEqual(viaEngine, expected);
    // a fake engine that only iterates records: the same text, rows counted as they pass
    const records: CallRecord[] = [...e.iterateCalls(ALL)];
    const fake = csvExportChunks({ iterateCalls: () => records }, ALL, { timeZone: 'Asia/Kolkata' });
    assert.strictEqual(fake.rows, 0);
    assert.strictEqual([...fake].join(''), expected);
    assert.strictEqual(fake.rows, 30);
    // without the C API (another sql.js build): the record-by-record path, same text
    const noApi = storeCsvChunks(e.store, ALL, { timeZone: 'Asia/Kolkata' });
    assert.strictEqual([...noApi].join(''), expected);
    assert.strictEqual(noApi.rows, 30);
    e.dispose();
  });
});
