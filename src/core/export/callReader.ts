// Reading every call of a range for an export, fast enough for a million rows with bounded memory.
// Statement.get() makes a cwrap call per column and builds an array per row, and the JOINs to the
// dimension tables cost SQLite a lookup per name: about half of a 1M-row CSV export went there
// (bench/FINDINGS.md #1). Here each page is stepped through sql.js's C API (one wasm call per cell,
// none for a NULL after its type), and dimension ids are mapped to names from the store's own maps.
// When that API cannot be found (another sql.js build), the same query is read with Statement.get().
import type { SqlJsStatic, SqlValue, Statement } from 'sql.js';
import type { CallRecord, CostSource, QueryFilter } from '../model';
import type { CallStore, DimKind } from '../store/callStore';
import { compileFilter } from '../metrics/aggregate';
import { cApiOf, SQLITE_DONE, SQLITE_ROW, SqlJsCApi, StatementPointers, stepError, T_FLOAT, T_INTEGER, T_NULL, T_TEXT } from '../store/sqlJs';

export const COST_SOURCES: readonly CostSource[] = ['logged', 'computed', 'unpriced'];

/** Rows per page: each page is a fresh statement (none is held across a yield: dispose() or a persist may free it). */
export const CALL_PAGE_ROWS = 8192;

// Column positions in PAGE_COLUMNS (exported for the store's CSV writer, storeCsv.ts).
export const C_ID = 0, C_TS = 1, C_E = 2, C_F = 3, C_P = 4, C_M = 5, C_METHOD = 6, C_STATUS = 7, C_SUCCESS = 8, C_ERROR = 9,
  C_REQ = 10, C_TRACE = 11, C_RETRY = 12, C_PRIORITY = 13, C_LAT = 14, C_TTFT = 15, C_IN = 16, C_OUT = 17, C_CR = 18,
  C_CW = 19, C_CW1H = 20, C_SPLIT = 21, C_REAS = 22, C_HIT = 23, C_COST = 24, C_SOURCE = 25, C_BATCH = 26, C_HASH = 27,
  C_ZONE = 28;
/** Dimension ids, not names: names come from the store's maps (an endpoint id without a name drops the row, as the old inner JOIN did). */
const PAGE_COLUMNS = `c.id, c.ts, c.endpoint_id, c.function_id, c.provider_id, c.model_id, c.method, c.status_code, c.success, c.error_type,
  c.request_id, c.trace_id, c.retry_count, c.priority, c.latency_ms, c.ttft_ms, c.input_tokens, c.output_tokens,
  c.cache_read_tokens, c.cache_write_tokens, c.cache_write_1h_tokens, c.cache_write_split_known, c.reasoning_tokens,
  c.response_cache_hit, c.cost_usd, c.cost_source, c.batch, c.request_hash, c.zone_assumed`;

/** The SQL of one keyset page on (ts, id), filter conditions appended. */
export function pageSql(filterSql: string, limit: number): string {
  return `SELECT ${PAGE_COLUMNS} FROM calls c
    WHERE c.ts >= ? AND c.ts < ? AND (c.ts > ? OR (c.ts = ? AND c.id > ?))${filterSql} ORDER BY c.ts, c.id LIMIT ${limit}`;
}

/**
 * The prepared statement of the keyset page after the cursor (lastTs, lastId), bound; the caller frees it.
 * The range start is the cursor, not filter.from: otherwise every page walks calls' (ts, id) key from the
 * start of the range and a long export is quadratic (bench/FINDINGS.md #1).
 */
export function openPage(store: CallStore, filter: QueryFilter, cf: { raw: string; params: SqlValue[] }, limit: number,
  lastTs: number, lastId: number): { st: Statement; sql: string } {
  store.syncCalls();
  const sql = pageSql(cf.raw, limit);
  const st = store.db.prepare(sql);
  try {
    st.bind([Math.max(filter.from, lastTs), filter.to, lastTs, lastTs, lastId, ...cf.params]);
  } catch (e) {
    st.free();
    throw e;
  }
  return { st, sql };
}

/** Steps the page statement p (step: the module's sqlite3_step): true on a row, false at the end; SQLite's error is thrown. */
export function stepRow(step: (p: number) => number, api: SqlJsCApi, db: CallStore['db'], p: number): boolean {
  const rc = step(p);
  if (rc === SQLITE_ROW) return true;
  if (rc !== SQLITE_DONE) throw new Error(stepError(api, db, rc));
  return false;
}

/** Something that names dimension ids (DimNames; the CSV writer's cells). */
export interface DimNamer { name(id: number): string | null }

/**
 * The current row as a CallRecord through the C API, or, when a cell is of a type the store never writes
 * (OddCell), through Statement.get().
 */
export function recordAt(readRow: RowReader, st: Statement, p: number, ts: number, endpoint: string,
  f: DimNamer, pr: DimNamer, m: DimNamer, dbl: (p: number, col: number) => number): CallRecord {
  try {
    return readRow(p, ts, endpoint, f.name(dbl(p, C_F)), pr.name(dbl(p, C_P)), m.name(dbl(p, C_M)));
  } catch (e) {
    if (!(e instanceof OddCell)) throw e;
    const v = st.get();
    return decodeValues(v, endpoint, f.name(Number(v[C_F])), pr.name(Number(v[C_P])), m.name(Number(v[C_M])));
  }
}

/**
 * Every row of a page through Statement.step()/get() (when the C API is not there): each(record, ts, id),
 * the record null for a row whose endpoint has no name (skipped, as the old inner JOIN did). Returns the
 * rows stepped.
 */
export function eachRowByGet(st: Statement, e: DimNamer, f: DimNamer, pr: DimNamer, m: DimNamer,
  each: (r: CallRecord | null, ts: number, id: number) => void): number {
  let stepped = 0;
  while (st.step()) {
    const v = st.get();
    stepped++;
    const endpoint = e.name(Number(v[C_E]));
    each(endpoint === null ? null : decodeValues(v, endpoint, f.name(Number(v[C_F])), pr.name(Number(v[C_P])), m.name(Number(v[C_M]))),
      Number(v[C_TS]), Number(v[C_ID]));
  }
  return stepped;
}

/** Names of the dimension ids, remembered for one read (ids repeat row after row; an array beats a Map for small ids). */
export class DimNames {
  private readonly small: (string | null | undefined)[] = [];
  constructor(private readonly store: CallStore, private readonly kind: DimKind) {}
  name(id: number): string | null {
    if (id >= 0 && id < 65_536 && (id | 0) === id) {
      const v = this.small[id];
      if (v !== undefined) return v;
      return (this.small[id] = this.store.dimName(this.kind, id));
    }
    return this.store.dimName(this.kind, id);
  }
}

const num = (v: SqlValue): number | null => (v === null ? null : Number(v));
const str = (v: SqlValue): string | null => (v === null ? null : String(v));

/**
 * A row as Statement.get() returns it, decoded exactly as the store's rowToRecord decodes its
 * columns: the fallback, and the path for a row with a cell of an unexpected type (a BLOB).
 */
export function decodeValues(r: SqlValue[], endpoint: string, fn: string | null, provider: string | null, model: string | null): CallRecord {
  return {
    ts: Number(r[C_TS]), endpoint, function_name: fn, provider, model, method: str(r[C_METHOD]),
    status_code: num(r[C_STATUS]), success: r[C_SUCCESS] === 1, error_type: str(r[C_ERROR]), request_id: str(r[C_REQ]),
    trace_id: str(r[C_TRACE]), retry_count: Number(r[C_RETRY]), priority: str(r[C_PRIORITY]), latency_ms: num(r[C_LAT]),
    ttft_ms: num(r[C_TTFT]), input_tokens: num(r[C_IN]), output_tokens: num(r[C_OUT]), cache_read_tokens: Number(r[C_CR]),
    cache_write_tokens: Number(r[C_CW]), cache_write_1h_tokens: Number(r[C_CW1H]), cache_write_split_known: r[C_SPLIT] === 1,
    reasoning_tokens: Number(r[C_REAS]), response_cache_hit: r[C_HIT] === null ? null : r[C_HIT] === 1, cost_usd: num(r[C_COST]),
    cost_source: COST_SOURCES[Number(r[C_SOURCE])] ?? 'unpriced', batch: r[C_BATCH] === 1, request_hash: str(r[C_HASH]),
    zone_assumed: r[C_ZONE] === 1,
  };
}

/** Thrown inside a row read when a cell has a type the fast path does not decode; the row is re-read with get(). */
export class OddCell extends Error {}

export interface ReadCallsOptions {
  /** the sql.js module of the store's database (its C API reads pages); undefined = Statement.get() */
  sqlJs?: SqlJsStatic | undefined;
  /** rows per page (tests use small pages to cross page boundaries) */
  pageRows?: number;
}

/**
 * Every call of the filter in (ts, id) order, read in keyset pages. The records are CallRecords with
 * exactly the canonical fields (the same object shape from either path).
 */
export function* readCalls(store: CallStore, filter: QueryFilter, opts: ReadCallsOptions = {}): Generator<CallRecord, void, undefined> {
  const cf = compileFilter(store, filter);
  if (!cf.ok) return;
  const limit = Math.max(1, Math.floor(opts.pageRows ?? CALL_PAGE_ROWS));
  const api = cApiOf(opts.sqlJs, store.db);
  const pointers = api ? new StatementPointers(api) : null;
  const readRow = api ? rowReader(api) : null;
  const dims = {
    e: new DimNames(store, 'endpoint'), f: new DimNames(store, 'function'), p: new DimNames(store, 'provider'), m: new DimNames(store, 'model'),
  };
  let lastTs = filter.from - 1, lastId = -1;
  for (;;) {
    const { st, sql } = openPage(store, filter, cf, limit, lastTs, lastId);
    const page: CallRecord[] = [];
    let stepped = 0;
    try {
      const p = api && pointers ? pointers.of(st, sql) : 0;
      if (api && readRow && p) {
        const step = api._sqlite3_step, dbl = api._sqlite3_column_double;
        while (stepRow(step, api, store.db, p)) {
          stepped++;
          lastTs = dbl(p, C_TS);
          lastId = dbl(p, C_ID);
          const endpoint = dims.e.name(dbl(p, C_E));
          if (endpoint === null) continue;
          page.push(recordAt(readRow, st, p, lastTs, endpoint, dims.f, dims.p, dims.m, dbl));
        }
      } else {
        stepped = eachRowByGet(st, dims.e, dims.f, dims.p, dims.m, (r, ts, id) => {
          lastTs = ts;
          lastId = id;
          if (r) page.push(r);
        });
      }
    } finally {
      st.free();
    }
    for (const r of page) yield r;
    if (stepped < limit) return;
  }
}

export type RowReader = (p: number, ts: number, endpoint: string, fn: string | null, provider: string | null, model: string | null) => CallRecord;

/**
 * Reads the current row through the C API. The functions are taken off the module once (it has
 * many properties, so each lookup on it is a slow one). Columns the schema declares NOT NULL
 * INTEGER are read as numbers without a type check (the store only ever writes numbers there).
 */
export function rowReader(api: SqlJsCApi): RowReader {
  const type = api._sqlite3_column_type, dbl = api._sqlite3_column_double, text = api._sqlite3_column_text, utf8 = api.UTF8ToString;
  /** a nullable numeric cell, as Number(get()) would give it */
  const num = (p: number, i: number): number | null => {
    const t = type(p, i);
    if (t === T_NULL) return null;
    if (t === T_INTEGER || t === T_FLOAT) return dbl(p, i);
    if (t === T_TEXT) return Number(utf8(text(p, i)));
    throw new OddCell();
  };
  /** a nullable 0/1 cell, as get() === 1 would give it (a text '1' is not 1) */
  const flag = (p: number, i: number): boolean | null => {
    const t = type(p, i);
    if (t === T_NULL) return null;
    if (t === T_INTEGER || t === T_FLOAT) return dbl(p, i) === 1;
    if (t === T_TEXT) return false;
    throw new OddCell();
  };
  /** a nullable text cell, as String(get()) would give it */
  const str = (p: number, i: number): string | null => {
    const t = type(p, i);
    if (t === T_NULL) return null;
    if (t === T_TEXT) return utf8(text(p, i));
    if (t === T_INTEGER || t === T_FLOAT) return String(dbl(p, i));
    throw new OddCell();
  };
  return (p, ts, endpoint, fn, provider, model) => ({
    ts, endpoint, function_name: fn, provider, model, method: str(p, C_METHOD), status_code: num(p, C_STATUS),
    success: dbl(p, C_SUCCESS) === 1, error_type: str(p, C_ERROR), request_id: str(p, C_REQ), trace_id: str(p, C_TRACE),
    retry_count: dbl(p, C_RETRY), priority: str(p, C_PRIORITY), latency_ms: num(p, C_LAT), ttft_ms: num(p, C_TTFT),
    input_tokens: num(p, C_IN), output_tokens: num(p, C_OUT), cache_read_tokens: dbl(p, C_CR), cache_write_tokens: dbl(p, C_CW),
    cache_write_1h_tokens: dbl(p, C_CW1H), cache_write_split_known: dbl(p, C_SPLIT) === 1, reasoning_tokens: dbl(p, C_REAS),
    response_cache_hit: flag(p, C_HIT), cost_usd: num(p, C_COST), cost_source: COST_SOURCES[dbl(p, C_SOURCE)] ?? 'unpriced',
    batch: dbl(p, C_BATCH) === 1, request_hash: str(p, C_HASH), zone_assumed: dbl(p, C_ZONE) === 1,
  });
}
