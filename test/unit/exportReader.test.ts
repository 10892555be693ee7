import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { SqlJsStatic } from 'sql.js';
import { MonitorEngine } from '../../src/core/monitorEngine';
import { emptyRecord, CallRecord, OriginRecord } from '../../src/core/model';
import { pageSql, readCalls } from '../../src/core/export/callReader';
import { cApiOf, loadSqlJs, StatementPointers } from '../../src/core/store/sqlJs';

const wasm = fs.readFileSync(path.join(process.cwd(), 'node_modules/sql.js/dist/sql-wasm.wasm'));
const T0 = Date.UTC(2026, 0, 10, 12); // 1768046400000
const MIN = 60_000, HOUR = 3_600_000;
const ALL = { from: 0, to: T0 + 10 * HOUR };

/** Call i of a varied set: every nullable field is null in some rows, text with quotes, commas and non-ASCII. */
function varied(i: number): OriginRecord {
  const r: OriginRecord = { ...emptyRecord(T0 + Math.floor(i / 3) * MIN, ['/chat', '/v1/é', '/x,"y"'][i % 3]), offset: i * 100, line: i + 1 };
  if (i % 2 === 0) { r.model = i % 4 === 0 ? 'gpt-4o' : 'claude-ünï'; r.provider = 'openai'; }
  if (i % 5 === 0) r.function_name = `fn_${i}`;
  if (i % 3 === 1) { r.method = 'POST'; r.status_code = 500; r.success = false; r.error_type = '=cmd|"x"'; }
  if (i % 4 === 1) { r.request_id = `req-${i}`; r.trace_id = 'tr\n1'; r.priority = 'high'; }
  if (i % 2 === 1) { r.latency_ms = 100.25 * i; r.ttft_ms = i; }
  if (i % 3 !== 2) { r.input_tokens = 1000 + i; r.output_tokens = 10 * i; r.cache_read_tokens = i; r.cache_write_tokens = 2 * i; r.cache_write_1h_tokens = i % 2; }
  r.cache_write_split_known = i % 7 !== 0;
  r.reasoning_tokens = i % 11;
  r.response_cache_hit = i % 3 === 0 ? null : i % 3 === 1;
  if (i % 4 !== 3) { r.cost_usd = i % 2 ? 0.000123 * i : -1.5; r.cost_source = 'logged'; }
  r.batch = i % 6 === 0;
  r.request_hash = i % 5 === 2 ? `h${i % 3}` : null;
  r.retry_count = i % 4;
  r.zone_assumed = i % 8 === 0;
  return r;
}

/** The canonical fields only, in model order (what both read paths must yield; ingest adds fields to the objects it is given). */
function canonical(r: OriginRecord): CallRecord {
  const out = emptyRecord(0, '') as unknown as Record<string, unknown>;
  for (const k of Object.keys(out)) out[k] = (r as unknown as Record<string, unknown>)[k];
  return out as unknown as CallRecord;
}

describe('export: call reader (C API pages)', function () {
  this.timeout(20_000);
  let sql: SqlJsStatic;
  before(async () => { sql = await loadSqlJs(wasm); });

  const create = (): Promise<MonitorEngine> =>
    MonitorEngine.create({ wasmBinary: wasm, retentionDays: 30, timeZone: 'UTC', now: () => T0 + HOUR });

  it('finds the C API of the module that made the database, and the statement pointer', async () => {
    const e = await create();
    const api = cApiOf(sql, e.store.db);
    assert.ok(api, 'sql.js 1.17 exports the column functions');
    // a module that did not make this database (another sql.js copy has its own heap) is never used on it
    assert.strictEqual(cApiOf({ ...sql, Database: function other(): void { /* not the store's class */ } } as unknown as SqlJsStatic, e.store.db), null);
    // nor one without the column functions
    assert.strictEqual(cApiOf({ Database: sql.Database } as unknown as SqlJsStatic, e.store.db), null);
    assert.strictEqual(cApiOf(undefined, e.store.db), null);
    const text = pageSql('', 5);
    const st = e.store.db.prepare(text);
    const p = new StatementPointers(api!);
    const ptr = p.of(st, text);
    assert.ok(ptr > 0);
    assert.strictEqual(api!.UTF8ToString(api!._sqlite3_sql(ptr)), text);
    assert.strictEqual(p.of(st, text + ' '), 0, 'a statement whose text differs is not taken');
    st.free();
    e.dispose();
  });

  it("the engine reads export pages through the C API of the store's sql.js module (else Statement.get(), 2x slower)", async () => {
    const e = await create();
    e.ingestRecords('f', [0, 1, 2].map(i => ({ ...emptyRecord(T0 + i, '/x'), offset: i, line: i + 1 })));
    const raw = sql as unknown as { _sqlite3_step: (p: number) => number };
    const step = raw._sqlite3_step;
    let steps = 0;
    raw._sqlite3_step = (p: number): number => { steps++; return step(p); };
    try {
      assert.strictEqual([...e.iterateCalls(ALL)].length, 3);
    } finally {
      raw._sqlite3_step = step;
    }
    // three rows, then SQLITE_DONE: one page of four C API steps
    assert.strictEqual(steps, 4);
    e.dispose();
  });

  it('yields the stored records exactly, in (ts, id) order across pages, by either path', async () => {
    const e = await create();
    const recs = Array.from({ length: 40 }, (_, i) => varied(i));
    e.ingestRecords('f', recs);
    const expected = recs.map(canonical);
    // pages of 4 rows split the runs of 3 calls that share a timestamp
    const fast = [...readCalls(e.store, ALL, { sqlJs: sql, pageRows: 4 })];
    const slow = [...readCalls(e.store, ALL, { pageRows: 4 })];
    assert.deepStrictEqual(fast, expected);
    assert.deepStrictEqual(slow, expected);
    // one page holding all 40, and the default page size, give the same
    assert.deepStrictEqual([...readCalls(e.store, ALL, { sqlJs: sql, pageRows: 40 })], expected);
    assert.deepStrictEqual([...readCalls(e.store, ALL, { sqlJs: sql })], expected);
    // hand-checked: call 1 is /v1/é at T0, POST 500 failed, latency 100.25 * 1, 1001 input tokens
    assert.deepStrictEqual([fast[1].endpoint, fast[1].ts, fast[1].status_code, fast[1].success, fast[1].latency_ms, fast[1].input_tokens,
      fast[1].trace_id, fast[1].cost_usd, fast[1].response_cache_hit],
    ['/v1/é', T0, 500, false, 100.25, 1001, 'tr\n1', 0.000123, true]);
    // the engine yields the same records
    assert.deepStrictEqual([...e.iterateCalls(ALL)], expected);
    e.dispose();
  });

  it('applies the range and the dimension filters; an unknown name matches nothing', async () => {
    const e = await create();
    const recs = Array.from({ length: 30 }, (_, i) => varied(i));
    e.ingestRecords('f', recs);
    // minutes 2..4 hold calls 6..14 (3 a minute)
    const range = { from: T0 + 2 * MIN, to: T0 + 5 * MIN };
    const ids = (f: Parameters<typeof readCalls>[1]): number[] => [...readCalls(e.store, f, { sqlJs: sql, pageRows: 2 })]
      .map(r => recs.findIndex(x => x.ts === r.ts && x.endpoint === r.endpoint));
    assert.deepStrictEqual(ids(range), [6, 7, 8, 9, 10, 11, 12, 13, 14]);
    // endpoint '/v1/é' is i % 3 === 1
    assert.deepStrictEqual(ids({ ...range, endpoint: '/v1/é' }), [7, 10, 13]);
    // model gpt-4o is i % 4 === 0; failed calls are i % 3 === 1
    assert.deepStrictEqual(ids({ ...range, model: 'gpt-4o' }), [8, 12]);
    assert.deepStrictEqual(ids({ ...range, status: 'error' }), [7, 10, 13]);
    assert.deepStrictEqual(ids({ ...range, endpoint: '/nope' }), []);
    e.dispose();
  });

  it('decodes cells of unexpected types as Statement.get() does (text in a number column, a BLOB)', async () => {
    const e = await create();
    e.ingestRecords('f', [0, 1, 2].map(i => ({ ...emptyRecord(T0 + i, '/x'), offset: i, line: i + 1 })));
    // a damaged store file: text where a number belongs, a blob where text belongs, an unknown cost source
    // (the rows written into calls first: a tail insert's rows are written behind, see WRITE_BEHIND_MS)
    await e.callsReady();
    e.store.db.run("UPDATE calls SET latency_ms = 'abc', status_code = '42', cost_source = 7 WHERE ts = ?", [T0]);
    e.store.db.run('UPDATE calls SET request_id = ?, response_cache_hit = 1 WHERE ts = ?', [new Uint8Array([1, 2]), T0 + 1]);
    const fast = [...readCalls(e.store, ALL, { sqlJs: sql })];
    const slow = [...readCalls(e.store, ALL, {})];
    assert.deepStrictEqual(fast, slow);
    // Number('abc') is NaN, the status text '42' became 42 by the column's INTEGER affinity, cost_source 7 is unpriced
    assert.deepStrictEqual([fast[0].latency_ms, fast[0].status_code, fast[0].cost_source], [NaN, 42, 'unpriced']);
    // String(Uint8Array [1, 2]) is "1,2"
    assert.deepStrictEqual([fast[1].request_id, fast[1].response_cache_hit], ['1,2', true]);
    e.dispose();
  });

  it('drops a row whose endpoint id has no name (as the inner JOIN did) and keeps paging', async () => {
    const e = await create();
    e.ingestRecords('f', [0, 1, 2, 3, 4].map(i => ({ ...emptyRecord(T0 + i, i === 2 ? '/gone' : '/x'), offset: i, line: i + 1 })));
    await e.callsReady();
    e.store.db.run("UPDATE calls SET endpoint_id = 999 WHERE ts = ?", [T0 + 2]);
    for (const opts of [{ sqlJs: sql, pageRows: 2 }, { pageRows: 2 }]) {
      // pages: rows 0,1 | 2 (dropped),3 | 4: a dropped row still counts toward its page, so paging goes on
      assert.deepStrictEqual([...readCalls(e.store, ALL, opts)].map(r => r.ts - T0), [0, 1, 3, 4]);
    }
    e.dispose();
  });
});
