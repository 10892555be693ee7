// Loading sql.js from bytes we were given: the extension and the CLI must never fetch the wasm.
import initSqlJs from 'sql.js';
import type { Database, SqlJsStatic } from 'sql.js';

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

const SQLITE_OK = 0, SQLITE_BUSY = 5, SQLITE_LOCKED = 6, SQLITE_DONE = 101;

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
