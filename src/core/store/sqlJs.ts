// Loading sql.js from bytes we were given: the extension and the CLI must never fetch the wasm.
import initSqlJs from 'sql.js';
import type { Database, SqlJsStatic, SqlValue, Statement } from 'sql.js';

let cached: { bytes: Uint8Array; sql: Promise<SqlJsStatic> } | undefined;

export function loadSqlJs(wasmBinary: Uint8Array): Promise<SqlJsStatic> {
  if (cached && cached.bytes === wasmBinary) return cached.sql;
  // useOldExtensionFunctions: false, or sql.js 1.17's legacy functions shadow exp() and log a
  // deprecation warning on every call (see shared/notes/performance.md). Not in @types yet.
  const config = { wasmBinary: wasmBinary as unknown as ArrayBuffer, useOldExtensionFunctions: false };
  const sql = initSqlJs(config as Parameters<typeof initSqlJs>[0]);
  cached = { bytes: wasmBinary, sql };
  return sql;
}

/**
 * The parts of sql.js's C API that its typings leave out: the online backup API copies a database's
 * pages to another connection's schema (shared/notes/performance.md: tables in an attached
 * ':memory:' schema are 2-3x faster to fill than sql.js's file-backed main database, which grows a
 * MEMFS file by copying it; but db.export() only sees main, so the pages are copied in and out).
 */
interface SqlJsRaw {
  _sqlite3_backup_init(dest: number, destName: number, src: number, srcName: number): number;
  _sqlite3_backup_step(backup: number, pages: number): number;
  _sqlite3_backup_finish(backup: number): number;
  _sqlite3_errmsg(db: number): number;
  _free(p: number): void;
  stringToNewUTF8(s: string): number;
  UTF8ToString(p: number): string;
}

const SQLITE_OK = 0, SQLITE_BUSY = 5, SQLITE_LOCKED = 6;
/** sqlite3_step() results */
export const SQLITE_ROW = 100, SQLITE_DONE = 101;

const handleOf = (db: Database): number => {
  const h = (db as unknown as { db?: unknown }).db;
  if (typeof h !== 'number' || h === 0) throw new Error('sql.js database handle not found');
  return h;
};

/** One backup from schema srcName of src over schema destName of dest (sqlite3_backup_*). */
class Backup {
  private readonly raw: SqlJsRaw;
  private readonly names: number[];
  private readonly destHandle: number;
  private readonly b: number;
  private rc = SQLITE_OK;
  constructor(sql: SqlJsStatic, dest: Database, destName: string, src: Database, srcName: string) {
    this.raw = sql as unknown as SqlJsRaw;
    this.destHandle = handleOf(dest);
    const srcHandle = handleOf(src);
    this.names = [this.raw.stringToNewUTF8(destName), this.raw.stringToNewUTF8(srcName)];
    this.b = this.raw._sqlite3_backup_init(this.destHandle, this.names[0], srcHandle, this.names[1]);
    if (!this.b) {
      const msg = this.message();
      this.freeNames();
      throw new Error(`backup cannot start: ${msg}`);
    }
  }
  private message(): string {
    return this.raw.UTF8ToString(this.raw._sqlite3_errmsg(this.destHandle));
  }
  private freeNames(): void {
    for (const p of this.names) this.raw._free(p);
  }
  /** Copies up to pages pages (-1: all); true while more remain. */
  step(pages: number): boolean {
    this.rc = this.raw._sqlite3_backup_step(this.b, pages);
    return this.rc === SQLITE_OK || this.rc === SQLITE_BUSY || this.rc === SQLITE_LOCKED;
  }
  /** Ends the backup; throws unless every page was copied. */
  finish(): void {
    const fin = this.raw._sqlite3_backup_finish(this.b);
    const rc = this.rc === SQLITE_DONE && fin !== SQLITE_OK ? fin : this.rc;
    const msg = rc === SQLITE_DONE ? '' : this.message();
    this.freeNames();
    if (rc !== SQLITE_DONE) throw new Error(`backup failed (SQLite code ${rc}): ${msg}`);
  }
}

/**
 * Copies schema srcName of src over schema destName of dest, yielding to the event loop every
 * pagesPerStep pages (a 1M-call store is ~35k pages of 4 KB): a change made meanwhile through src's
 * own connection is carried into the copy by SQLite itself.
 */
export async function backupSchema(sql: SqlJsStatic, dest: Database, destName: string, src: Database, srcName: string,
  pagesPerStep: number, pause: () => Promise<void> = () => new Promise(r => setImmediate(r))): Promise<void> {
  const b = new Backup(sql, dest, destName, src, srcName);
  try {
    while (b.step(pagesPerStep)) await pause();
  } finally {
    b.finish();
  }
}

/** The same copy in one step, without yielding. */
export function backupSchemaSync(sql: SqlJsStatic, dest: Database, destName: string, src: Database, srcName: string): void {
  const b = new Backup(sql, dest, destName, src, srcName);
  try {
    // busy or locked needs another connection, and there is none: a few tries, then finish() reports it
    for (let i = 0; i < 3 && b.step(-1); i++) { /* retry */ }
  } finally {
    b.finish();
  }
}

/**
 * The parts of sql.js's C API that its typings leave out (exported by sql.js 1.17's build), for reads
 * that step a statement and take its cells with one wasm call each: Statement.get() makes a cwrap call
 * per column and builds an array per row (export/callReader.ts, and the store's in-memory mirrors).
 */
export interface SqlJsCApi {
  Database: unknown;
  _sqlite3_step(stmt: number): number;
  _sqlite3_sql(stmt: number): number;
  _sqlite3_errmsg(db: number): number;
  _sqlite3_column_type(stmt: number, col: number): number;
  _sqlite3_column_double(stmt: number, col: number): number;
  _sqlite3_column_text(stmt: number, col: number): number;
  UTF8ToString(ptr: number): string;
}

/** sqlite3_column_type() codes */
export const T_INTEGER = 1, T_FLOAT = 2, T_TEXT = 3, T_NULL = 5;

/**
 * The C API of the sql.js module that owns db, or null: the module must be the one db was made by
 * (its Database class), and must export every function used here.
 */
export function cApiOf(sql: SqlJsStatic | undefined, db: Database): SqlJsCApi | null {
  const api = sql as unknown as Partial<SqlJsCApi> | undefined;
  if (!api || api.Database !== (db as unknown as { constructor: unknown }).constructor) return null;
  const fns: (keyof SqlJsCApi)[] = ['_sqlite3_step', '_sqlite3_sql', '_sqlite3_errmsg', '_sqlite3_column_type', '_sqlite3_column_double',
    '_sqlite3_column_text', 'UTF8ToString'];
  return fns.every(f => typeof api[f] === 'function') ? api as SqlJsCApi : null;
}

/**
 * A Statement's C pointer is a minified property: the numeric one whose sqlite3_sql() is the
 * statement's SQL text. The property name found is remembered and checked again on each statement.
 */
export class StatementPointers {
  private key: string | null = null;
  constructor(private readonly api: SqlJsCApi) {}
  of(st: Statement, sql: string): number {
    const o = st as unknown as Record<string, unknown>;
    if (this.key !== null && this.matches(o[this.key], sql)) return o[this.key] as number;
    for (const k of Object.keys(o)) {
      if (this.matches(o[k], sql)) { this.key = k; return o[k] as number; }
    }
    return 0;
  }
  private matches(v: unknown, sql: string): boolean {
    // statements live in the wasm heap, far above the first page; small numbers are counters
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1024) return false;
    try { return this.api.UTF8ToString(this.api._sqlite3_sql(v)) === sql; } catch { return false; }
  }
}

/** The connection's error text, as sql.js's own step() would throw it. */
export function stepError(api: SqlJsCApi, db: Database, rc: number): string {
  const h = (db as unknown as { db?: unknown }).db;
  return typeof h === 'number' && h !== 0 ? api.UTF8ToString(api._sqlite3_errmsg(h)) : `SQLite error ${rc}`;
}

const pointersByApi = new WeakMap<SqlJsCApi, StatementPointers>();

/**
 * Every row of a query of ncols numeric columns: each(row) with row[i] the i-th cell as
 * `cell === null ? NaN : Number(cell)` of Statement.get() would give it (a BLOB is NaN). row is one
 * array reused for every row. Through sql.js's C API when sql is db's module (3-10x faster than
 * step()/get() for the store's mirrors: ~100k rows of 3-15 numbers), else through step()/get().
 * The C API path asks a cell's type only when its value reads as 0 (NULL, 0, or text that is not a
 * number), so a text or BLOB cell that starts with a number ('12abc') reads as SQLite converts it (12):
 * a column with numeric affinity stores every number-like text as a number.
 */
export function eachNumberRow(sql: SqlJsStatic | undefined, db: Database, query: string, params: SqlValue[], ncols: number,
  each: (row: Float64Array) => void): void {
  const row = new Float64Array(ncols);
  const st = db.prepare(query);
  try {
    st.bind(params);
    const api = cApiOf(sql, db);
    let pointers = api ? pointersByApi.get(api) : undefined;
    if (api && !pointers) { pointers = new StatementPointers(api); pointersByApi.set(api, pointers); }
    const p = api && pointers ? pointers.of(st, query) : 0;
    if (api && p) {
      const step = api._sqlite3_step, type = api._sqlite3_column_type, dbl = api._sqlite3_column_double;
      const text = api._sqlite3_column_text, utf8 = api.UTF8ToString;
      for (;;) {
        const rc = step(p);
        if (rc !== SQLITE_ROW) {
          if (rc !== SQLITE_DONE) throw new Error(stepError(api, db, rc));
          return;
        }
        for (let i = 0; i < ncols; i++) {
          // one wasm call per cell instead of two: sqlite3_column_double() gives 0 for NULL
          const v = dbl(p, i);
          if (v !== 0) { row[i] = v; continue; }
          const t = type(p, i);
          row[i] = t === T_INTEGER || t === T_FLOAT ? v : t === T_TEXT ? Number(utf8(text(p, i))) : NaN;
        }
        each(row);
      }
    }
    while (st.step()) {
      const v = st.get();
      for (let i = 0; i < ncols; i++) {
        const c = v[i];
        row[i] = c === null || c === undefined || c instanceof Uint8Array ? NaN : Number(c);
      }
      each(row);
    }
  } finally {
    st.free();
  }
}

/**
 * Makes bytes of sql.js's WASM heap resident before SQLite fills them: a block is allocated, written
 * once and freed, so the allocations that follow (a restored store's pages) reuse memory the system has
 * already mapped. The first write to fresh memory was most of the cost of copying a 115 MB store into
 * the heap (backup 250-1500 ms, against 120-280 ms for the same copy into memory used before); done
 * while the file is still being read on the thread pool, that cost overlaps the read.
 */
export function prefaultHeap(sql: SqlJsStatic, bytes: number): void {
  const raw = sql as unknown as Partial<{ _malloc(n: number): number; _free(p: number): void; writeArrayToMemory(a: Uint8Array, p: number): void }>;
  if (typeof raw._malloc !== 'function' || typeof raw._free !== 'function' || typeof raw.writeArrayToMemory !== 'function') return;
  if (!(bytes > 0)) return;
  const p = raw._malloc(bytes);
  if (!p) return;
  try {
    const chunk = new Uint8Array(Math.min(bytes, 1 << 20));
    for (let o = 0; o < bytes; o += chunk.length) raw.writeArrayToMemory(o + chunk.length <= bytes ? chunk : chunk.subarray(0, bytes - o), p + o);
  } finally {
    raw._free(p);
  }
}

/** The binding half of sql.js's C API (exported by sql.js 1.17's build; see SqlJsCApi). */
interface SqlJsBindApi extends SqlJsCApi {
  _sqlite3_bind_int(stmt: number, pos: number, v: number): number;
  _sqlite3_bind_double(stmt: number, pos: number, v: number): number;
  _sqlite3_bind_blob(stmt: number, pos: number, ptr: number, n: number, destructor: number): number;
  _sqlite3_bind_text(stmt: number, pos: number, ptr: number, n: number, destructor: number): number;
  _sqlite3_reset(stmt: number): number;
  _free(p: number): void;
  stringToNewUTF8(s: string): number;
  lengthBytesUTF8(s: string): number;
}

/** SQLite copies a value bound with this destructor (SQLITE_TRANSIENT): the string's buffer is freed at once. */
const SQLITE_TRANSIENT = -1;

/**
 * A function that runs the prepared statement st (whose SQL text is sql) with params, as st.run(params)
 * does, but binding each value with one wasm call: sql.js's run() goes through bind(), a type switch and
 * a cwrap'd call per value, plus reset() and clear_bindings() (a 100-row insert of ~20 columns binds
 * 2,000 values; the C path took 20-35 % off the insert in a micro-bench of 300k rows). Values bind as
 * sql.js binds them: a whole number in int32 range as an int, any other number as a double, a string as
 * UTF-8 text, null as NULL, a boolean as 0/1; anything else (a BLOB, a bigint) falls back to st.run().
 * Null when db's module does not export the C API used here (then the caller uses st.run()).
 */
export function statementRunner(sql: SqlJsStatic | undefined, db: Database, st: Statement, text: string): ((params: SqlValue[]) => void) | null {
  const base = cApiOf(sql, db);
  const api = base as SqlJsBindApi | null;
  if (!api) return null;
  const fns: (keyof SqlJsBindApi)[] = ['_sqlite3_bind_int', '_sqlite3_bind_double', '_sqlite3_bind_blob', '_sqlite3_bind_text', '_sqlite3_reset',
    '_free', 'stringToNewUTF8', 'lengthBytesUTF8'];
  if (!fns.every(f => typeof api[f] === 'function')) return null;
  const p = new StatementPointers(api).of(st, text);
  if (!p) return null;
  const bindInt = api._sqlite3_bind_int, bindDouble = api._sqlite3_bind_double, bindBlob = api._sqlite3_bind_blob;
  const step = api._sqlite3_step, reset = api._sqlite3_reset;
  const fail = (rc: number): never => {
    const msg = stepError(api, db, rc);
    reset(p);
    throw new Error(msg);
  };
  return (params: SqlValue[]): void => {
    for (let i = 0; i < params.length; i++) {
      const v = params[i];
      let rc: number;
      if (typeof v === 'number') rc = v === (v | 0) ? bindInt(p, i + 1, v) : bindDouble(p, i + 1, v);
      else if (v === null) rc = bindBlob(p, i + 1, 0, 0, 0);
      else if (typeof v === 'string') {
        const s = api.stringToNewUTF8(v);
        try { rc = api._sqlite3_bind_text(p, i + 1, s, api.lengthBytesUTF8(v), SQLITE_TRANSIENT); } finally { api._free(s); }
      } else if (typeof v === 'boolean') rc = bindInt(p, i + 1, v ? 1 : 0);
      else {
        st.run(params);
        return;
      }
      if (rc !== SQLITE_OK) fail(rc);
    }
    const rc = step(p);
    if (rc !== SQLITE_DONE && rc !== SQLITE_ROW) fail(rc);
    reset(p);
  };
}
