// The sql.js store: typed, dictionary-encoded call rows, rollups, per-source state (checkpoints and
// stats) and retention, in one database that can be persisted atomically to a file.
import type { Database, SqlJsStatic, SqlValue, Statement } from 'sql.js';
import type { CallRecord, CostSource, LogFormat, OriginRecord, SourceStats } from '../model';
import { backupSchema, backupSchemaSync, eachNumberRow, loadSqlJs, prefaultHeap, statementRunner } from './sqlJs';
import { migrate, SCHEMA_VERSION } from './schema';
import { DAY_MS, HOUR_MS, MEASURES, RollupDelta, RollRow } from './rollups';
import { fileSizeIfExists, readFileIfExistsAsync, writeFileAtomic } from './persistence';

/**
 * A record as stored: the canonical record, its origin, and how it was priced. logged_cost_usd is the
 * cost the log itself gave (kept apart so re-pricing can honour or ignore it); when undefined it is
 * taken from cost_usd if cost_source is 'logged'.
 */
export type StoredCall = OriginRecord & { cost_estimated: boolean; price_version: string | null; logged_cost_usd?: number | null };

/** The key of a row of calls (see schema.ts, version 3). */
export interface CallKey { ts: number; id: number }

export type DimKind = 'endpoint' | 'model' | 'provider' | 'function' | 'price_version';
const DIM_TABLE: Record<DimKind, string> = {
  endpoint: 'endpoints', model: 'models', provider: 'providers', function: 'functions', price_version: 'price_versions',
};

const COST_SOURCES: CostSource[] = ['logged', 'computed', 'unpriced'];

const CALL_COLUMNS = [
  'source_id', 'offset', 'line', 'ts', 'endpoint_id', 'model_id', 'provider_id', 'function_id', 'method', 'status_code',
  'success', 'error_type', 'request_id', 'trace_id', 'retry_count', 'priority', 'latency_ms', 'ttft_ms', 'input_tokens',
  'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'cache_write_1h_tokens', 'reasoning_tokens',
  'cache_write_split_known', 'response_cache_hit', 'cost_usd', 'logged_cost_usd', 'cost_source', 'cost_estimated', 'price_version_id', 'batch',
  'request_hash', 'zone_assumed', 'id',
] as const;
const NCOL = CALL_COLUMNS.length;
const MULTI_ROWS = 100;
/**
 * Columns an insert may leave out when no row of its batch has a value other than the column's
 * default (NULL, or 0 for the NOT NULL DEFAULT 0 ones, see schema.ts): a call usually fills about
 * half of them, and every bound value costs a call into sql.js.
 */
const OPTIONAL_COLUMNS: ReadonlySet<string> = new Set([
  'model_id', 'provider_id', 'function_id', 'method', 'status_code', 'error_type', 'request_id', 'trace_id', 'retry_count',
  'priority', 'latency_ms', 'ttft_ms', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens',
  'cache_write_1h_tokens', 'reasoning_tokens', 'cache_write_split_known', 'response_cache_hit', 'cost_usd', 'logged_cost_usd',
  'cost_estimated', 'price_version_id', 'batch', 'request_hash', 'zone_assumed',
]);
/** For each column, its bit in a "columns in use" mask (0 = always bound), and its default. */
const COLUMN_BIT: number[] = [];
const COLUMN_DEFAULT: (number | null)[] = [];
{
  let bit = 1;
  for (const c of CALL_COLUMNS) {
    if (OPTIONAL_COLUMNS.has(c)) { COLUMN_BIT.push(bit); bit *= 2; } else COLUMN_BIT.push(0);
    COLUMN_DEFAULT.push(['method', 'status_code', 'error_type', 'request_id', 'trace_id', 'priority', 'latency_ms', 'ttft_ms',
      'input_tokens', 'output_tokens', 'response_cache_hit', 'cost_usd', 'logged_cost_usd', 'price_version_id', 'request_hash'].includes(c) ? null : 0);
  }
}
/** The optional columns' indexes. */
const OPTIONAL_INDEX: number[] = COLUMN_BIT.flatMap((bit, i) => (bit ? [i] : []));
/**
 * The mask of the optional columns some of the n rows of vals (row-major, NCOL each) has a non-default
 * value in. Column by column: a column in use is found at its first row, one never used (about half of
 * them) is checked down the block. A check of every optional column in every row (27 a call) was ~10 %
 * of a cold ingest's main thread.
 */
function blockMask(vals: readonly SqlValue[], n: number): number {
  let mask = 0;
  const end = n * NCOL;
  for (let k = 0; k < OPTIONAL_INDEX.length; k++) {
    const i = OPTIONAL_INDEX[k], d = COLUMN_DEFAULT[i];
    for (let o = i; o < end; o += NCOL) {
      if (vals[o] !== d) { mask |= COLUMN_BIT[i]; break; }
    }
  }
  return mask;
}

/**
 * Doubles per slab of deferred row values (see deferBlock): 256 KB, above V8's largest regular object
 * (128 KB), so each slab is a large object. The ~190 bytes a call that a bulk load keeps for later all
 * survive: as one 14 KB array per block they were copied twice by the scavenges (into the survivor space,
 * then into the old generation), the main thread's largest GC cost of a cold ingest; a large object is
 * never copied. A block never spans two slabs (at most MULTI_ROWS * NCOL doubles; the slab's unused end
 * is at most that).
 */
const SLAB_DOUBLES = 32_768;
/** Copied for each new slab: a copy of a double array keeps its unboxed doubles kind. */
const SLAB_TEMPLATE: number[] = new Array<number>(SLAB_DOUBLES).fill(0.5);

/** Insert statements kept for this many column sets; a batch beyond them binds every column. */
const MAX_COLUMN_SETS = 32;
const ALL_COLUMNS_MASK = 2 ** OPTIONAL_COLUMNS.size - 1;

/** Columns read back to rebuild a CallRecord (see rowToRecord). */
export const RECORD_SELECT = `c.id, c.ts, e.name, f.name, p.name, m.name, c.method, c.status_code, c.success, c.error_type,
  c.request_id, c.trace_id, c.retry_count, c.priority, c.latency_ms, c.ttft_ms, c.input_tokens, c.output_tokens,
  c.cache_read_tokens, c.cache_write_tokens, c.cache_write_1h_tokens, c.cache_write_split_known, c.reasoning_tokens,
  c.response_cache_hit, c.cost_usd, c.cost_source, c.batch, c.request_hash, c.zone_assumed, c.offset, c.line,
  c.cost_estimated, pv.name, c.source_id, c.logged_cost_usd`;
export const RECORD_FROM = `calls c JOIN endpoints e ON e.id = c.endpoint_id LEFT JOIN functions f ON f.id = c.function_id
  LEFT JOIN providers p ON p.id = c.provider_id LEFT JOIN models m ON m.id = c.model_id
  LEFT JOIN price_versions pv ON pv.id = c.price_version_id`;

export function rowToRecord(r: SqlValue[]): StoredCall & { source_id: number; logged_cost_usd: number | null } {
  const n = (v: SqlValue): number | null => (v === null ? null : Number(v));
  const s = (v: SqlValue): string | null => (v === null ? null : String(v));
  return {
    ts: Number(r[1]), endpoint: String(r[2]), function_name: s(r[3]), provider: s(r[4]), model: s(r[5]), method: s(r[6]),
    status_code: n(r[7]), success: r[8] === 1, error_type: s(r[9]), request_id: s(r[10]), trace_id: s(r[11]),
    retry_count: Number(r[12]), priority: s(r[13]), latency_ms: n(r[14]), ttft_ms: n(r[15]), input_tokens: n(r[16]),
    output_tokens: n(r[17]), cache_read_tokens: Number(r[18]), cache_write_tokens: Number(r[19]),
    cache_write_1h_tokens: Number(r[20]), cache_write_split_known: r[21] === 1, reasoning_tokens: Number(r[22]),
    response_cache_hit: r[23] === null ? null : r[23] === 1, cost_usd: n(r[24]),
    cost_source: COST_SOURCES[Number(r[25])] ?? 'unpriced', batch: r[26] === 1, request_hash: s(r[27]),
    zone_assumed: r[28] === 1, offset: Number(r[29]), line: Number(r[30]), cost_estimated: r[31] === 1,
    price_version: s(r[32]), source_id: Number(r[33]), logged_cost_usd: n(r[34]),
  };
}

/** Column offsets of one row in RecentRows.rows (NaN stands for null). */
export const R_TS = 0, R_E = 1, R_M = 2, R_P = 3, R_S = 4, R_LAT = 5, R_RC = 6, R_IN = 7, R_OUT = 8, R_CR = 9, R_CW = 10,
  R_CW1H = 11, R_REAS = 12, R_COST = 13, R_RETRY = 14;
export const R_COLS = 15;
/**
 * Raw rows this far behind the newest call are also kept in memory: 24 h windows (exact percentiles)
 * and the previous 24 h, and the ragged edges of recent ranges, then never read rows through sql.js
 * (a table seek plus step()/get() per row: ~50x slower than a scan of a typed array).
 */
export const RECENT_MS = 49 * 3_600_000;
/** Rows fall out of memory in steps of this much (no copy per insert). */
const RECENT_SLACK_MS = 12 * 3_600_000;

/** The recent raw rows: every stored call with ts >= from, row-major, R_COLS numbers per row, in ts order. */
export interface RecentRows { from: number; n: number; rows: Float64Array }
/** sortedUpTo: rows [0, sortedUpTo) are in ts order (an append out of order leaves the prefix sorted). */
type RecentState = RecentRows & { max: number; sorted: boolean; sortedUpTo: number };

export interface StoreOptions {
  wasmBinary: Uint8Array;
  /** persist here; undefined = memory only */
  file?: string;
  /** raw rows older than this are deleted */
  retentionDays: number;
  /** hour/day rollups are kept this long (default 400, never less than retentionDays) */
  rollupRetentionDays?: number;
  log?: (message: string) => void;
  /** pages copied per slice of persist() (default PERSIST_PAGES_PER_STEP) */
  persistPagesPerStep?: number;
  /** ms after a bulk load before its deferred rollup tables and indexes are written (default FINISH_DELAY_MS) */
  finishDelayMs?: number;
  /** rows a bulk load keeps for a later write into calls (default MAX_DEFERRED_ROWS; see deferBlock) */
  maxDeferredRows?: number;
  /**
   * ms after a tail insert (not a bulk load) before its rows are written into calls (default
   * WRITE_BEHIND_MS); 0 writes them inside the insert. Every reader of calls writes them first.
   */
  writeBehindMs?: number;
}

export interface SourceState {
  id: number;
  path: string;
  format: LogFormat;
  stats: SourceStats | null;
  checkpoint: unknown;
}

const b = (v: boolean): number => (v ? 1 : 0);

interface ColumnSet { cols: number[]; multi: (params: SqlValue[]) => void; single: (params: SqlValue[]) => void; params: SqlValue[] }

/**
 * Up to MULTI_ROWS rows of a bulk load kept for a later write into calls (see CallStore.deferBlock):
 * nums from at holds the bound values of set's columns, row-major (n x set.cols.length); a value that is
 * not a number is NaN there (bound as NULL, as sql.js binds NaN), and when it is not null either (text),
 * it is in others as a pair [index in the block, value].
 */
interface DeferredBlock { set: ColumnSet; n: number; nums: number[]; at: number; others: SqlValue[] | null }

/** For databases in sql.js's MEMFS that are copies: no journal, no syncs. */
const FAST_WRITES = 'PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;';

/** The attached in-memory schema that holds every table of the store (see CallStore.open). */
export const STORE_SCHEMA = 'store';
/** A store file smaller than this is copied into the heap as it comes (prefaultHeap would gain little). */
const PREFAULT_MIN_BYTES = 8 << 20;
/** 4 MB of 4 KB pages per slice of persist(): a few ms each. */
const PERSIST_PAGES_PER_STEP = 1024;

/**
 * The rollup tables get the gathered changes after this many inserted records (see insert): a bulk load
 * into tables that already hold rows, and tail appends. Otherwise when something reads them, and at
 * persist (every minute in the extension). A write costs about the same whatever the records behind
 * it: what it upserts is their keys (a minute, an hour and a day of each endpoint x model, histogram
 * buckets), a few thousand for an hour of tail. At 20k tail records one append in 20 paid 15-40 ms for it.
 */
const BULK_ROLLUP_RECORDS = 250_000;
const TAIL_ROLLUP_RECORDS = 250_000;
/** Data changes whose lowest call time is remembered (see changedSince). */
const CHANGES_KEPT = 256;
/** A query that reads a rollup table (see flushPendingRollups). */
const ROLLUP_TABLES = /\b(?:roll_minute|roll_hour|roll_day|hist_hour|hist_day)\b/g;
/**
 * A read of one rollup table by a time range (the queries' `WHERE t >= ? AND t < ?`, first parameters):
 * while the table is still empty after a bulk load, only the pending changes in that range are written
 * before it (see flushRange). Anything else after the range (OR, a subquery) reads the whole table.
 */
const RANGE_READ = /^\s*SELECT\s[^;]*?\sFROM (roll_minute|roll_hour|roll_day|hist_hour|hist_day) WHERE t >= \? AND t < \?([^;]*)$/;
/** A query that reads the calls table (see beforeRead). */
const CALLS_TABLE = /\bFROM calls\b/;
/**
 * After a bulk load, what its end leaves for later (the deferred raw rows, rollup tables the queries read
 * from their in-memory mirrors) is done this long after it, in steps (rows in slices of DRAIN_SLICE_MS, a
 * table a UTC day at a time), unless something needs it first (a query of that table, a query of calls,
 * persist).
 */
const FINISH_DELAY_MS = 1_000;
const FINISH_STEP_MS = 20;
/** Each step of the write of deferred rows (see drainRows) stops after about this long. */
const DRAIN_SLICE_MS = 12;
/**
 * Rows a bulk load into an empty store keeps in memory for a later write (~8 bytes per bound column,
 * ~190 bytes a row for the bench's calls): beyond this, the oldest are written as new ones come, so a
 * larger log costs what it did before this deferral, and memory stays bounded.
 */
const MAX_DEFERRED_ROWS = 1_500_000;
/**
 * A tail insert's rows are written into calls this long after it (see CallStore.insert): SQLite's insert
 * with its three ts indexes (schema 2) was 4-6 ms of an append of 1,000 lines at 1M calls (more for the first ones,
 * on cold pages), and the dashboard reads the mirrors and recent rows, which the insert updates at once.
 * Appends that come closer together than this share one write.
 */
const WRITE_BEHIND_MS = 250;

export class CallStore {
  private readonly dimIds: Record<DimKind, Map<string, number>> = {
    endpoint: new Map(), model: new Map(), provider: new Map(), function: new Map(), price_version: new Map(),
  };
  private readonly dimNames: Record<DimKind, Map<number, string>> = {
    endpoint: new Map(), model: new Map(), provider: new Map(), function: new Map(), price_version: new Map(),
  };
  private stmts = new Map<string, Statement>();
  /** insert statements by the mask of optional columns they bind (see OPTIONAL_COLUMNS) */
  private columnSets = new Map<number, ColumnSet>();
  /** rollup changes of the records inserted since the tables were last written (see insert) */
  private pending = new RollupDelta();
  private pendingRecords = 0;
  /** rollup tables that were empty when a bulk load began and have not been written since (plain INSERTs) */
  private emptyRollups = new Set<string>();
  /** per table in emptyRollups, the time ranges whose pending changes were written (see flushRange) */
  private writtenRanges = new Map<string, [number, number][]>();
  /** min and max ts of the stored calls while known without a query (from a bulk load into an empty store) */
  private bounds: { min: number; max: number } | null = null;
  private finishTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly blockValues: SqlValue[] = new Array<SqlValue>(MULTI_ROWS * NCOL).fill(null);
  private floors = new Map<number, number>();
  private bulk = false;
  /** In-memory mirror of hist_hour (loaded on first use): long-range percentiles read ~100k buckets. */
  private histHourMem: Map<number, Map<number, number>> | null = null;
  /** In-memory hour totals over all dimensions, [failed, succeeded] measures per hour (loaded on first use). */
  private hourTotalsMem: Map<number, [number[], number[]]> | null = null;
  /** In-memory hour x model cost: hour -> model id -> [calls, cost_usd, unpriced] (loaded on first use). */
  private hourModelMem: Map<number, Map<number, number[]>> | null = null;
  /** In-memory mirror of hist_day: day -> (e, m, b) packed into a number -> [e, m, b, n] (loaded on first use). */
  private histDayMem: Map<number, Map<number | string, number[]>> | null = null;
  /** In-memory mirror of roll_day: day -> "e,m,p,s" -> [e, m, p, s, ...measures] (loaded on first use; ~2k rows at 1M calls). */
  private dayRollMem: Map<number, Map<string, number[]>> | null = null;
  /** In-memory copy of the recent raw rows (loaded on first use). */
  private recent: RecentState | null = null;
  /** Bumped by every change to calls or rollups: query results memoised under an older value are stale. */
  private gen = 0;
  private memoGen = -1;
  private memoMap = new Map<string, unknown>();
  /**
   * Before this time applyRetention has nothing to delete: no stored call is older than retentionDays
   * and no day rollup older than the rollup retention (-Infinity: not known yet). Inserts lower it.
   */
  private retentionQuietUntil = -Infinity;
  /** The lowest call time each recent insert stored, by the generation it made (see changedSince). */
  private insertFloors = new Map<number, number>();
  /**
   * The sources table as objects, by path (loaded on first use). setSourceState changes only these (the
   * engine sets every source's stats and checkpoint after each ingest); the rows get them when the
   * store is copied out (persist, export), so rows and checkpoints are saved together, or before the
   * table is changed by SQL (rename, remove).
   */
  private sourceCache: Map<string, SourceState> | null = null;
  /** ids of the sources whose row is behind their sourceCache entry */
  private sourcesDirty = new Set<number>();
  /**
   * Rows inserted but not yet written into calls, oldest first from deferredHead (see deferBlock). Every
   * reader of calls writes them first (rowsReady), so no query sees calls without them.
   */
  private deferred: DeferredBlock[] = [];
  /** The slab that deferBlock fills (see SLAB_DOUBLES), and how many of its doubles are taken. */
  private slab: number[] = [];
  private slabUsed = SLAB_DOUBLES;
  private deferredHead = 0;
  private deferredRows = 0;
  /** True during a bulk load into an empty store: its rows are deferred (see deferBlock). */
  private deferRows = false;
  /**
   * The id the next inserted call gets: calls is keyed by (ts, id), and ids grow in insert order, so calls
   * of the same ms keep that order. Kept in meta with each copy of the store (see writeSourceStates).
   */
  private nextId = 1;
  private nextIdWritten = 0;
  /** The store's timer still has a bulk load's rollup tables or indexes to write (see scheduleFinish). */
  private bulkFinishLeft = false;
  private constructor(public db: Database, private readonly sql: SqlJsStatic, private readonly opts: StoreOptions) {
    // The store's own schema keeps a rollback journal in memory: with journal_mode=OFF, SQLite's ROLLBACK
    // "behaves in an undefined way" and in fact kept the rows a failed insert had written (a unit test
    // fails without it). Main holds nothing.
    db.exec(`${FAST_WRITES} PRAGMA ${STORE_SCHEMA}.journal_mode=MEMORY; PRAGMA temp_store=MEMORY;`);
    this.loadDims();
    for (const r of this.all('SELECT id, floor_ts FROM sources')) this.floors.set(Number(r[0]), Number(r[1]));
    // a store written before this key (a migrated one) finds the largest id with one scan of calls
    const kept = this.all("SELECT value FROM meta WHERE key = 'next_call_id'")[0]?.[0];
    const maxId = kept === undefined ? this.one('SELECT max(id) FROM calls')[0] : Number(kept) - 1;
    this.nextId = this.nextIdWritten = (maxId === null || maxId === undefined ? 0 : Number(maxId)) + 1;
    // a new store: nothing can expire until inserts say so
    if (!this.all('SELECT 1 FROM calls LIMIT 1').length && !this.all('SELECT 1 FROM roll_day LIMIT 1').length) this.retentionQuietUntil = Infinity;
  }

  /**
   * Opens (or creates) the store; a corrupt or unusable file is logged and replaced by an empty store.
   * The tables live in an attached ':memory:' schema (STORE_SCHEMA), not in sql.js's main database:
   * main is a file in Emscripten's MEMFS that grows by copying itself, which made inserts 2-3x slower
   * and kept a second copy of the data in JS memory. The file (or a new schema) is prepared in a
   * scratch database and its pages copied in; persist() copies them out the same way.
   */
  static async open(opts: StoreOptions): Promise<CallStore> {
    // The file is read on the thread pool while sql.js initialises and its heap is prefaulted for the
    // pages (see prefaultHeap): at 1M calls the read, the copy and the first touch of 115 MB of heap
    // were the larger half of a restart.
    const size = opts.file ? fileSizeIfExists(opts.file) : null;
    const reading = opts.file
      ? readFileIfExistsAsync(opts.file).then(bytes => ({ bytes, error: null }), (error: unknown) => ({ bytes: null, error }))
      : null;
    const SQL = await loadSqlJs(opts.wasmBinary);
    const log = opts.log ?? ((): void => undefined);
    const db = new SQL.Database();
    db.exec(`ATTACH ':memory:' AS ${STORE_SCHEMA}`);
    if (opts.file && reading) {
      // the pages, each with ~4 % of page cache header (SQLite's memory use after a copy: 1.043x the file)
      if (size && size >= PREFAULT_MIN_BYTES) prefaultHeap(SQL, Math.ceil(size * 1.04));
      const read = await reading;
      let bytes = read.bytes;
      read.bytes = null;
      if (read.error) log(`Store file ${opts.file} cannot be read (${String(read.error)}); rebuilding from the logs.`);
      if (bytes && bytes.length) {
        let file: Database | undefined;
        try {
          file = new SQL.Database(bytes);
          bytes = null;
          // read once and dropped: migrations need no rollback journal (a failed one rebuilds from the logs)
          file.exec(FAST_WRITES);
          if (migrate(file)) {
            file.exec('SELECT count(*) FROM sources');
            backupSchemaSync(SQL, db, STORE_SCHEMA, file, 'main');
            return new CallStore(db, SQL, opts);
          }
          log(`Store file ${opts.file} has an unknown schema version (expected ${SCHEMA_VERSION}); rebuilding from the logs.`);
        } catch (e) {
          log(`Store file ${opts.file} is corrupt (${e instanceof Error ? e.message : String(e)}); rebuilding from the logs.`);
        } finally {
          try { file?.close(); } catch { /* already unusable */ }
        }
      }
    }
    const fresh = new SQL.Database();
    try {
      if (!migrate(fresh)) throw new Error('cannot create the store schema');
      backupSchemaSync(SQL, db, STORE_SCHEMA, fresh, 'main');
    } finally {
      fresh.close();
    }
    return new CallStore(db, SQL, opts);
  }

  private loadDims(): void {
    for (const kind of Object.keys(DIM_TABLE) as DimKind[]) {
      for (const r of this.all(`SELECT id, name FROM ${DIM_TABLE[kind]}`)) {
        this.dimIds[kind].set(String(r[1]), Number(r[0]));
        this.dimNames[kind].set(Number(r[0]), String(r[1]));
      }
    }
  }

  /**
   * Writes the rollup changes gathered since the last write (see insert). Every reader of the rollup
   * tables comes through here first: all() for a query that names one, and delete, re-price,
   * retention, persist and export.
   */
  flushPendingRollups(only?: readonly string[]): void {
    const delta = this.pending;
    const tables = delta.pendingTables().filter(t => !only || only.includes(t));
    if (tables.length) {
      this.db.exec('BEGIN');
      try {
        // the mirrors have seen these changes already (insert feeds them batch by batch)
        for (const t of tables) {
          if (this.emptyRollups.has(t)) {
            // keys of ranges written before may be in the table already: those are upserted
            const written = this.writtenRanges.get(t);
            if (written) this.upsert(delta.extract(t, x => inRanges(written, x)), t);
            delta.insertInto(sql => this.stmt(sql), t);
          } else this.upsert(delta, t);
        }
        this.db.exec('COMMIT');
      } catch (e) {
        this.rollbackRollups();
        throw e;
      }
      for (const t of tables) { this.emptyRollups.delete(t); this.writtenRanges.delete(t); }
    }
    if (!only || !delta.pendingTables().length) {
      this.pendingRecords = 0;
      this.emptyRollups.clear();
      this.writtenRanges.clear();
    }
  }

  private upsert(delta: RollupDelta, table: string): void {
    delta.flush(this.db, undefined, undefined, undefined, sql => this.stmt(sql), undefined, undefined, table);
  }

  private rollbackRollups(): void {
    this.db.exec('ROLLBACK');
    this.pending = new RollupDelta();
    this.pendingRecords = 0;
    this.emptyRollups.clear();
    this.writtenRanges.clear();
    this.dropMirrors();
  }

  /**
   * Writes the pending changes of table (still empty after a bulk load) in [a, b) only: the first
   * dashboard reads a few minutes and hours of roll_minute and roll_hour, whose whole pending changes
   * (~85k rows at 1M calls) took ~0.3-0.9 s to write. The range is remembered: a later write of the
   * table upserts the keys in it.
   */
  private flushRange(table: string, a: number, b: number): void {
    const written = this.writtenRanges.get(table) ?? [];
    const part = this.pending.extractRange(table, a, b);
    if (!part.pendingTables().length) return;
    this.db.exec('BEGIN');
    try {
      this.upsert(part.extract(table, x => inRanges(written, x)), table);
      part.insertInto(sql => this.stmt(sql), table);
      this.db.exec('COMMIT');
    } catch (e) {
      this.rollbackRollups();
      throw e;
    }
    written.push([a, b]);
    this.writtenRanges.set(table, written);
  }

  /** Before a query: the pending rollup changes of the tables it names, the deferred rows if it reads calls. */
  private beforeRead(sql: string, params: SqlValue[] = []): void {
    if (this.pendingRecords) {
      const named = sql.match(ROLLUP_TABLES);
      const range = named && named.length === 1 ? RANGE_READ.exec(sql) : null;
      const [a, b] = params;
      if (range && this.emptyRollups.has(range[1]) && !/\b(?:OR|SELECT)\b/i.test(range[2]) && typeof a === 'number' && typeof b === 'number') {
        this.flushRange(range[1], a, b);
      } else if (named) this.flushPendingRollups(named);
    }
    if (CALLS_TABLE.test(sql)) this.rowsReady();
  }

  /** Everything a bulk load left for later, done now (persist, close of a bulk, tests). */
  finishBulk(): void {
    this.rowsReady();
    this.flushPendingRollups();
  }

  /** True while the remaining work of a bulk load is scheduled on the store's timer (see scheduleFinish). */
  get finishing(): boolean {
    return this.finishTimer !== undefined;
  }

  private get writeBehindMs(): number {
    return this.opts.writeBehindMs ?? WRITE_BEHIND_MS;
  }

  /** True while some inserted rows are not yet in calls (see deferBlock). */
  get hasDeferredRows(): boolean {
    return this.deferredHead < this.deferred.length;
  }

  /**
   * Writes the deferred rows in slices with a yield between them, so a caller that needs calls complete
   * (persist, an export) does not block the event loop for the whole write.
   */
  async writeDeferredRows(): Promise<void> {
    while (this.hasDeferredRows && !this.closed) {
      this.drainRows(DRAIN_SLICE_MS);
      await new Promise(r => setImmediate(r));
    }
  }

  /** Writes every deferred row into calls: before anything reads or changes calls. */
  private rowsReady(): void {
    if (this.hasDeferredRows) this.drainRows(Infinity);
  }

  /**
   * Writes deferred rows into calls, oldest first, in one transaction, until none are left or budgetMs
   * has passed. On a failure nothing of this step is kept and the rows stay queued.
   */
  private drainRows(budgetMs: number): void {
    const t0 = performance.now();
    const start = this.deferredHead;
    let i = start;
    this.db.exec('BEGIN');
    try {
      while (i < this.deferred.length) {
        this.writeDeferred(this.deferred[i++]);
        if ((i & 7) === 0 && performance.now() - t0 >= budgetMs) break;
      }
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
    for (let k = start; k < i; k++) this.deferredRows -= this.deferred[k].n;
    this.deferredHead = i;
    if (i >= this.deferred.length) { this.deferred = []; this.deferredHead = 0; this.deferredRows = 0; }
    else if (i > 4096 && i * 2 > this.deferred.length) { this.deferred = this.deferred.slice(i); this.deferredHead = 0; }
  }

  /** One deferred block into calls (inside the caller's transaction). */
  private writeDeferred(d: DeferredBlock): void {
    const set = d.set, w = set.cols.length, len = d.n * w;
    const params = d.n === MULTI_ROWS ? set.params : new Array<SqlValue>(len);
    const nums = d.nums, at = d.at;
    for (let k = 0; k < len; k++) {
      const v = nums[at + k];
      params[k] = v === v ? v : null;
    }
    const others = d.others;
    if (others) for (let k = 0; k < others.length; k += 2) params[others[k] as number] = others[k + 1];
    this.runBlock(set, params, d.n);
  }

  /**
   * Schedules the rest of a bulk load (see FINISH_DELAY_MS), rows in slices then the rollup tables, or
   * (bulk false) only the write of deferred tail rows.
   */
  private scheduleFinish(bulk = true, delayMs = this.opts.finishDelayMs ?? FINISH_DELAY_MS): void {
    if (bulk) this.bulkFinishLeft = true;
    if (this.finishTimer !== undefined || this.closed) return;
    const step = (delay: number): void => {
      this.finishTimer = setTimeout(() => {
        this.finishTimer = undefined;
        if (this.closed || this.bulk) return;
        let next = FINISH_STEP_MS;
        try {
          // deferred rows first, in short slices back to back (3-4 s at 1M calls on 2 cores), then the
          // rollup tables
          const table = this.pending.pendingTables()[0];
          if (this.hasDeferredRows) {
            this.drainRows(DRAIN_SLICE_MS);
            next = 0;
            if (!this.hasDeferredRows && !this.bulkFinishLeft) return;
          } else if (!this.bulkFinishLeft) return;
          else if (table !== undefined && this.emptyRollups.has(table)) {
            // a table still empty since the load: one UTC day of its changes per step (a whole table,
            // ~40-60k rows at 1M calls, was one 100-370 ms write with the event loop blocked)
            const t = this.pending.firstTime(table);
            const day = t - (((t % DAY_MS) + DAY_MS) % DAY_MS);
            this.flushRange(table, day, day + DAY_MS);
            next = 0;
          } else if (table !== undefined) this.flushPendingRollups([table]);
          else if (this.emptyRollups.size) this.flushPendingRollups();
          else { this.bulkFinishLeft = false; return; }
        } catch (e) {
          this.opts.log?.(`Finishing the bulk load failed: ${e instanceof Error ? e.message : String(e)}`);
          return;
        }
        step(next);
      }, delay);
      // never keeps a CLI or a test alive: whatever is left is done by the next read or persist
      (this.finishTimer as { unref?: () => void }).unref?.();
    };
    step(delayMs);
  }

  /** Rows of a query as arrays (small results only). */
  all(sql: string, params: SqlValue[] = []): SqlValue[][] {
    this.beforeRead(sql, params);
    return this.rows(sql, params);
  }

  /** all() without the pending work a read may need first. */
  private rows(sql: string, params: SqlValue[] = []): SqlValue[][] {
    const st = this.db.prepare(sql);
    try {
      st.bind(params);
      const out: SqlValue[][] = [];
      while (st.step()) out.push(st.get());
      return out;
    } finally { st.free(); }
  }

  /** The first row of a query. */
  one(sql: string, params: SqlValue[] = []): SqlValue[] {
    return this.all(sql, params)[0] ?? [];
  }

  /**
   * Rows of a query of ncols numeric columns, read through sql.js's C API (see eachNumberRow: NULL is
   * NaN, row is reused): the in-memory mirrors load ~100k rows each at the first dashboard after a restart.
   */
  private eachRow(sql: string, params: SqlValue[], ncols: number, each: (row: Float64Array) => void): void {
    this.beforeRead(sql, params);
    eachNumberRow(this.sql, this.db, sql, params, ncols, each);
  }

  private stmt(sql: string): Statement {
    let st = this.stmts.get(sql);
    if (!st) { st = this.db.prepare(sql); this.stmts.set(sql, st); }
    return st;
  }

  /** id of a dimension value, or undefined when never seen. 0 stands for null. */
  dimId(kind: DimKind, name: string): number | undefined {
    return this.dimIds[kind].get(name);
  }
  dimName(kind: DimKind, id: number): string | null {
    return this.dimNames[kind].get(id) ?? null;
  }
  dimValues(kind: DimKind): string[] {
    return [...this.dimIds[kind].keys()].sort();
  }

  private ensureDim(kind: DimKind, name: string | null): number {
    if (name === null || name === '') return 0;
    const known = this.dimIds[kind].get(name);
    if (known !== undefined) return known;
    this.db.run(`INSERT INTO ${DIM_TABLE[kind]} (name) VALUES (?)`, [name]);
    const id = Number(this.one('SELECT last_insert_rowid()')[0]);
    this.dimIds[kind].set(name, id);
    this.dimNames[kind].set(id, name);
    return id;
  }

  /** The sql.js module that made db (export reads pages through its C API, see export/callReader.ts). */
  get sqlJs(): SqlJsStatic {
    return this.sql;
  }

  /** The current data generation (changes with every insert, delete, re-price or retention run). */
  get generation(): number {
    return this.gen;
  }

  /**
   * The lowest call time changed since generation gen (Infinity: none), or -Infinity when a change since
   * was anything but an insert or is too old to know: what was computed from the calls before that time
   * at gen still holds (a tail append changes only the newest calls).
   */
  changedSince(gen: number): number {
    if (this.gen - gen > CHANGES_KEPT) return -Infinity;
    let low = Infinity;
    for (let g = gen + 1; g <= this.gen; g++) {
      const t = this.insertFloors.get(g);
      if (t === undefined) return -Infinity;
      if (t < low) low = t;
    }
    return low;
  }

  /**
   * compute() once per key until the data changes: a full dashboard refresh asks for the same
   * aggregates several times (window and costSummary, byEndpoint and costByEndpoint...), each a scan
   * of the same recent rows. The value is shared: callers must not mutate it.
   */
  memo<T>(key: string, compute: () => T): T {
    if (this.memoGen !== this.gen) { this.memoMap.clear(); this.memoGen = this.gen; }
    if (this.memoMap.has(key)) return this.memoMap.get(key) as T;
    const v = compute();
    // bounded: a host refreshing a sliding range with no new data asks for new keys every time, and an
    // exact 24 h latency entry holds ~1 MB of values; a full refresh of every tab uses ~40 keys
    if (this.memoMap.size >= 64) this.memoMap.clear();
    this.memoMap.set(key, v);
    return v;
  }

  /** The in-memory mirrors reload from the tables on next use. */
  private dropMirrors(): void {
    this.gen++;
    this.histHourMem = null;
    this.hourTotalsMem = null;
    this.histDayMem = null;
    this.hourModelMem = null;
    this.dayRollMem = null;
    this.recent = null;
    this.bounds = null;
  }

  private daySink(): ((key: number[], acc: number[]) => void) | undefined {
    const mem = this.dayRollMem;
    if (!mem) return undefined;
    return (key, acc) => addDayRoll(mem, key[0], key[1], key[2], key[3], key[4], acc, 0);
  }

  /**
   * Day rollups (UTC days) of [from, to): each(day, e, m, p, s, row) where row[4 + i] is MEASURES[i].
   * From an in-memory mirror of roll_day: the dimensioned panels over whole days read no SQL.
   */
  eachDayRollup(from: number, to: number, each: (day: number, e: number, m: number, p: number, s: number, row: number[]) => void): void {
    if (!this.dayRollMem) {
      const mem = new Map<number, Map<string, number[]>>();
      this.eachRow(`SELECT t, e, m, p, s, ${MEASURES.join(', ')} FROM roll_day`, [], 5 + MEASURES.length,
        r => addDayRoll(mem, r[0], r[1], r[2], r[3], r[4], r, 5));
      this.dayRollMem = mem;
    }
    for (const [t, rows] of this.dayRollMem) {
      if (t < from || t >= to) continue;
      for (const v of rows.values()) each(t, v[0], v[1], v[2], v[3], v);
    }
  }

  /** The recent raw rows (see RECENT_MS), loaded from the table on first use. */
  recentRows(): RecentRows {
    if (this.recent) {
      if (!this.recent.sorted) sortRecent(this.recent);
      return this.recent;
    }
    const maxV = this.one(`SELECT max(ts) FROM calls`)[0];
    const max = maxV === null || maxV === undefined ? -Infinity : Number(maxV);
    const rec: RecentState = { from: max - RECENT_MS, max, n: 0, rows: new Float64Array(R_COLS * 1024), sorted: true, sortedUpTo: 0 };
    this.recent = rec;
    if (max === -Infinity) return rec;
    this.eachRow(`SELECT ts, endpoint_id, model_id, provider_id, success, latency_ms, response_cache_hit, input_tokens,
      output_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, reasoning_tokens, cost_usd, retry_count
      FROM calls WHERE ts >= ?`, [rec.from], R_COLS, r => {
      const o = this.recentSlot(rec);
      rec.rows.set(r, o);
      if (o > 0 && rec.rows[o] < rec.rows[o - R_COLS] && rec.sorted) { rec.sorted = false; rec.sortedUpTo = rec.n - 1; }
    });
    if (!rec.sorted) sortRecent(rec);
    return rec;
  }

  /** Offset of a new row at the end of rec (grown by doubling). */
  private recentSlot(rec: RecentRows): number {
    if ((rec.n + 1) * R_COLS > rec.rows.length) {
      const grown = new Float64Array(rec.rows.length * 2);
      grown.set(rec.rows);
      rec.rows = grown;
    }
    return rec.n++ * R_COLS;
  }

  /** Moves the recent window forward once the newest call ran RECENT_SLACK_MS past it. */
  private trimRecent(rec: RecentState): void {
    if (rec.max - RECENT_MS - rec.from < RECENT_SLACK_MS) return;
    if (!rec.sorted) sortRecent(rec);
    const from = rec.max - RECENT_MS;
    const rows = rec.rows;
    // in ts order: the rows before from are a prefix, found by bisection and dropped with one copy
    // (a row-by-row copy of ~61 h of rows at every trim was ~0.2 s of a 1M-call bulk load)
    let lo = 0, hi = rec.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (rows[mid * R_COLS] < from) lo = mid + 1; else hi = mid;
    }
    if (lo > 0) rows.copyWithin(0, lo * R_COLS, rec.n * R_COLS);
    rec.n -= lo;
    rec.from = from;
  }

  /** Calls, cost and unpriced calls per (hour, model id) of [from, to), from an in-memory mirror of roll_hour. */
  eachHourModelCost(from: number, to: number, each: (hour: number, m: number, calls: number, cost: number, unpriced: number) => void): void {
    const hm = this.hourModelMem ?? this.loadHourMirrors().hm;
    for (const [t, byModel] of hm) {
      if (t < from || t >= to) continue;
      for (const [m, v] of byModel) if (v[0] > 0) each(t, m, v[0], v[1], v[2]);
    }
  }

  private histDaySink(): ((t: number, e: number, m: number, b: number, n: number) => void) | undefined {
    const mem = this.histDayMem;
    if (!mem) return undefined;
    // called per call by a bulk insert (see RollupDelta.histogramsTo): calls come mostly in time order
    let lastT = NaN, lastDay: Map<number | string, number[]> | undefined;
    return (t, e, m, b, n) => {
      let day = t === lastT ? lastDay : mem.get(t);
      if (!day) { day = new Map(); mem.set(t, day); }
      addDayHistIn(day, e, m, b, n);
      if (!day.size) { mem.delete(t); lastT = NaN; lastDay = undefined; } else { lastT = t; lastDay = day; }
    };
  }

  /** Day histograms (UTC days) of [from, to): each(day, endpoint id, model id, bucket, count). */
  eachDayHistogram(from: number, to: number, each: (day: number, e: number, m: number, b: number, n: number) => void): void {
    if (!this.histDayMem) {
      const mem = new Map<number, Map<number | string, number[]>>();
      this.eachRow('SELECT t, e, m, b, n FROM hist_day', [], 5, r => addDayHist(mem, r[0], r[1], r[2], r[3], r[4]));
      this.histDayMem = mem;
    }
    for (const [t, m] of this.histDayMem) {
      if (t < from || t >= to) continue;
      for (const v of m.values()) each(t, v[0], v[1], v[2], v[3]);
    }
  }

  private histSink(): ((t: number, b: number, n: number) => void) | undefined {
    const mem = this.histHourMem;
    if (!mem) return undefined;
    // called per call by a bulk insert (see RollupDelta.histogramsTo): calls come mostly in time order
    let lastT = NaN, lastM: Map<number, number> | undefined;
    return (t, b, n) => {
      let m = t === lastT ? lastM : mem.get(t);
      if (!m) { m = new Map(); mem.set(t, m); }
      const v = (m.get(b) ?? 0) + n;
      if (v > 0) m.set(b, v); else m.delete(b);
      if (!m.size) { mem.delete(t); lastT = NaN; lastM = undefined; } else { lastT = t; lastM = m; }
    };
  }

  private hourSink(): ((t: number, s: number, acc: number[], m: number) => void) | undefined {
    const mem = this.hourTotalsMem;
    const hm = this.hourModelMem;
    if (!mem && !hm) return undefined;
    return (t, s, acc, m) => {
      if (hm) addHourModel(hm, t, m, acc[0], acc[12], acc[13]);
      if (!mem) return;
      let pair = mem.get(t);
      if (!pair) { pair = [new Array<number>(acc.length).fill(0), new Array<number>(acc.length).fill(0)]; mem.set(t, pair); }
      const v = pair[s ? 1 : 0];
      for (let i = 0; i < acc.length; i++) v[i] += acc[i];
    };
  }

  /** Hour totals of [from, to) over all dimensions: each(hour, success 0/1, measures in MEASURES order). */
  eachHourTotal(from: number, to: number, each: (hour: number, s: number, m: number[]) => void): void {
    const totals = this.hourTotalsMem ?? this.loadHourMirrors().totals;
    for (const [t, pair] of totals) {
      if (t < from || t >= to) continue;
      if (pair[0][0] !== 0) each(t, 0, pair[0]);
      if (pair[1][0] !== 0) each(t, 1, pair[1]);
    }
  }

  /**
   * Loads the hour totals and hour x model mirrors that are not loaded from one scan of roll_hour in key
   * order, summed in JS as the inserts sum them into the mirrors (the two GROUP BYs sorted the table:
   * 2-10x longer at 1M calls).
   */
  private loadHourMirrors(): { totals: Map<number, [number[], number[]]>; hm: Map<number, Map<number, number[]>> } {
    const nm = MEASURES.length;
    const totals = this.hourTotalsMem ? null : new Map<number, [number[], number[]]>();
    const hm = this.hourModelMem ? null : new Map<number, Map<number, number[]>>();
    this.eachRow(`SELECT t, m, s, ${MEASURES.join(', ')} FROM roll_hour`, [], 3 + nm, r => {
      const t = r[0];
      // calls, cost_usd and unpriced (as hourSink feeds them)
      if (hm) addHourModel(hm, t, r[1], r[3], r[3 + 12], r[3 + 13]);
      if (!totals) return;
      let pair = totals.get(t);
      if (!pair) { pair = [new Array<number>(nm).fill(0), new Array<number>(nm).fill(0)]; totals.set(t, pair); }
      const v = pair[r[2] ? 1 : 0];
      for (let i = 0; i < nm; i++) v[i] += r[3 + i];
    });
    if (totals) this.hourTotalsMem = totals;
    if (hm) this.hourModelMem = hm;
    return { totals: this.hourTotalsMem as Map<number, [number[], number[]]>, hm: this.hourModelMem as Map<number, Map<number, number[]>> };
  }

  /** Hour histograms of [from, to) (hour starts), from the in-memory mirror of hist_hour. */
  eachHourHistogram(from: number, to: number, each: (hour: number, bucket: number, n: number) => void): void {
    if (!this.histHourMem) {
      const mem = new Map<number, Map<number, number>>();
      let last = NaN, m = new Map<number, number>();
      // in key order: an hour's buckets come together
      this.eachRow('SELECT t, b, n FROM hist_hour', [], 3, r => {
        const t = r[0];
        if (t !== last) {
          last = t;
          const known = mem.get(t);
          if (known) m = known; else { m = new Map(); mem.set(t, m); }
        }
        m.set(r[1], r[2]);
      });
      this.histHourMem = mem;
    }
    for (const [t, m] of this.histHourMem) {
      if (t < from || t >= to) continue;
      for (const [b, n] of m) each(t, b, n);
    }
  }

  // ---- sources -------------------------------------------------------------------------------

  private sources(): Map<string, SourceState> {
    if (!this.sourceCache) {
      this.sourceCache = new Map();
      for (const r of this.all('SELECT id, path, format, stats, checkpoint FROM sources ORDER BY path')) this.sourceCache.set(String(r[1]), this.toState(r));
    }
    return this.sourceCache;
  }

  sourceId(path: string): number {
    const known = this.sources().get(path);
    if (known) return known.id;
    this.db.run('INSERT INTO sources (path) VALUES (?)', [path]);
    const id = Number(this.one('SELECT last_insert_rowid()')[0]);
    this.floors.set(id, 0);
    this.sources().set(path, { id, path, format: 'unknown', stats: null, checkpoint: null });
    return id;
  }

  /** A source's state (the object is shared: change it through setSourceState only). */
  sourceState(path: string): SourceState | null {
    const s = this.sources().get(path);
    return s ? { ...s } : null;
  }

  sourceStates(): SourceState[] {
    return [...this.sources().values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map(s => ({ ...s }));
  }

  private toState(r: SqlValue[]): SourceState {
    const parse = (v: SqlValue): unknown => {
      if (v === null) return null;
      try { return JSON.parse(String(v)); } catch { return null; }
    };
    return { id: Number(r[0]), path: String(r[1]), format: String(r[2]) as LogFormat, stats: parse(r[3]) as SourceStats | null, checkpoint: parse(r[4]) };
  }

  /** Sets parts of a source's state; the objects given are kept as they are (the caller must not change them later). */
  setSourceState(id: number, state: { format?: LogFormat; stats?: SourceStats | null; checkpoint?: unknown }): void {
    let s: SourceState | undefined;
    for (const v of this.sources().values()) if (v.id === id) { s = v; break; }
    if (!s) return;
    if (state.format !== undefined) s.format = state.format;
    if (state.stats !== undefined) s.stats = state.stats;
    if (state.checkpoint !== undefined) s.checkpoint = state.checkpoint;
    this.sourcesDirty.add(id);
  }

  /** Writes the source states changed since the last write to the sources table. */
  private writeSourceStates(): void {
    if (this.nextId !== this.nextIdWritten) {
      this.db.run("INSERT INTO meta (key, value) VALUES ('next_call_id', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [String(this.nextId)]);
      this.nextIdWritten = this.nextId;
    }
    if (!this.sourcesDirty.size || !this.sourceCache) return;
    const st = this.db.prepare('UPDATE sources SET format = ?, stats = ?, checkpoint = ? WHERE id = ?');
    try {
      for (const s of this.sourceCache.values()) {
        if (!this.sourcesDirty.has(s.id)) continue;
        st.run([s.format, s.stats === null ? null : JSON.stringify(s.stats), s.checkpoint === null || s.checkpoint === undefined ? null : JSON.stringify(s.checkpoint), s.id]);
      }
    } finally { st.free(); }
    this.sourcesDirty.clear();
  }

  /** Before SQL that changes the sources table: pending states written, the cache read again on next use. */
  private beforeSourcesSql(): void {
    this.writeSourceStates();
    this.sourceCache = null;
  }

  // ---- insert / delete -----------------------------------------------------------------------

  /** Starts a bulk load (see endBulk): into an empty store, its rows and rollup tables are written after it. */
  beginBulk(): void {
    if (this.bulk) return;
    this.bulk = true;
    this.flushPendingRollups();
    // Into an empty store, the in-memory mirrors and recent rows start empty and follow the inserts, so
    // the first dashboard after a cold ingest does not read them back from the tables (~0.3-0.5 s at 1M).
    if (this.isEmpty() && !this.all('SELECT 1 FROM roll_hour LIMIT 1').length) {
      this.histHourMem = new Map();
      this.hourTotalsMem = new Map();
      this.hourModelMem = new Map();
      this.histDayMem = new Map();
      this.dayRollMem = new Map();
      this.emptyRollups = new Set(['roll_minute', 'roll_hour', 'roll_day', 'hist_hour', 'hist_day'].filter(t => !this.all(`SELECT 1 FROM ${t} LIMIT 1`).length));
      this.recent = { from: -Infinity, max: -Infinity, n: 0, rows: new Float64Array(R_COLS * 1024), sorted: true, sortedUpTo: 0 };
      this.bounds = { min: Infinity, max: -Infinity };
      // the rows themselves are written into calls after the first dashboard, see deferBlock
      this.deferRows = true;
    }
  }
  /**
   * Ends a bulk load. Into an empty store, the raw rows and the rollup tables (whose changes the in-memory
   * mirrors already show) are left for later: the first dashboard answers from the mirrors and the recent
   * rows in memory. Each is done at the first read that needs it (a query naming the table, a query of
   * calls, persist), else by a timer soon after (scheduleFinish). Into a store that had rows, everything
   * is done here.
   */
  endBulk(): void {
    if (!this.bulk) return;
    this.bulk = false;
    this.deferRows = false;
    if (this.emptyRollups.size || this.hasDeferredRows) this.scheduleFinish();
    else this.finishBulk();
  }
  /**
   * Before SQL that reads calls without all() or eachRow() (a statement prepared on db, sql.js's C API):
   * the deferred rows are written first. calls is clustered by (ts, id): a time range needs no index.
   */
  syncCalls(): void {
    this.rowsReady();
  }
  isEmpty(): boolean {
    if (this.bounds) return this.bounds.min > this.bounds.max;
    if (this.hasDeferredRows) return false;
    return this.rows('SELECT 1 FROM calls LIMIT 1').length === 0;
  }

  /**
   * First and last ts of the stored calls (null when there are none): from memory, which inserts extend
   * and any delete forgets (dropMirrors); else two index lookups, then kept. The Real-time tab asks at every
   * refresh, and the lookups would write a tail insert's deferred rows first (see WRITE_BEHIND_MS).
   */
  tsBounds(): { min: number; max: number } | null {
    if (!this.bounds) {
      // two subqueries: SQLite answers a lone min() or max() from the ends of the (ts, id) key, `SELECT min(ts), max(ts)` scans the table
      const r = this.one('SELECT (SELECT min(ts) FROM calls), (SELECT max(ts) FROM calls)');
      this.bounds = r[0] === null || r[0] === undefined ? { min: Infinity, max: -Infinity } : { min: Number(r[0]), max: Number(r[1]) };
    }
    return this.bounds.min > this.bounds.max ? null : { min: this.bounds.min, max: this.bounds.max };
  }

  /**
   * Inserts records of one source in one transaction and updates the rollups. Records older than the
   * source's retention floor are skipped: the rollups already hold them (see applyRetention).
   * Returns the number inserted.
   */
  insert(sourceId: number, records: readonly StoredCall[]): number {
    const floor = this.floors.get(sourceId) ?? 0;
    // the histogram counts go straight to the pending changes and the mirrors (see histogramsTo)
    const delta = new RollupDelta().histogramsTo(this.pending, this.histSink(), this.histDaySink());
    // records whose rollups were added (on a failure, their histogram counts are taken back out)
    let added = 0;
    // one block of up to MULTI_ROWS rows, NCOL values each, filled by index (no growth, no copies)
    const vals: SqlValue[] = this.blockValues;
    let rowsInBlock = 0;
    let inserted = 0;
    let minTs = Infinity;
    const recent = this.recent;
    const bounds = this.bounds;
    // where the deferred rows stood (a failure takes back what this insert queued or wrote of them)
    const deferredMark = this.deferred.length, headMark = this.deferredHead, deferredRowsMark = this.deferredRows;
    this.gen++;
    this.db.exec('BEGIN');
    try {
      for (const r of records) {
        if (!Number.isFinite(r.ts) || r.ts < floor) continue;
        // whole milliseconds: ts is an INTEGER column and the key of every rollup tier
        const ts = Math.floor(r.ts);
        if (ts < minTs) minTs = ts;
        const e = this.ensureDim('endpoint', r.endpoint || '(unknown)');
        const m = this.ensureDim('model', r.model);
        const p = this.ensureDim('provider', r.provider);
        const f = this.ensureDim('function', r.function_name);
        const pv = r.price_version === null || r.price_version === undefined ? null : this.ensureDim('price_version', r.price_version);
        const latency = num(r.latency_ms);
        const input = num(r.input_tokens);
        const output = num(r.output_tokens);
        const cost = num(r.cost_usd);
        const rc = r.response_cache_hit === null || r.response_cache_hit === undefined ? null : b(r.response_cache_hit);
        const retry = num(r.retry_count) ?? 0;
        const cr = num(r.cache_read_tokens) ?? 0, cw = num(r.cache_write_tokens) ?? 0, cw1h = num(r.cache_write_1h_tokens) ?? 0;
        const reas = num(r.reasoning_tokens) ?? 0;
        const first = rowsInBlock * NCOL;
        let j = first;
        vals[j++] = sourceId; vals[j++] = r.offset; vals[j++] = r.line; vals[j++] = ts; vals[j++] = e; vals[j++] = m; vals[j++] = p;
        vals[j++] = f; vals[j++] = r.method ?? null; vals[j++] = num(r.status_code); vals[j++] = b(r.success); vals[j++] = r.error_type ?? null;
        vals[j++] = r.request_id ?? null; vals[j++] = r.trace_id ?? null; vals[j++] = retry; vals[j++] = r.priority ?? null; vals[j++] = latency;
        vals[j++] = num(r.ttft_ms); vals[j++] = input; vals[j++] = output; vals[j++] = cr; vals[j++] = cw; vals[j++] = cw1h;
        vals[j++] = reas; vals[j++] = b(r.cache_write_split_known); vals[j++] = rc; vals[j++] = cost;
        vals[j++] = r.logged_cost_usd !== undefined ? num(r.logged_cost_usd) : (r.cost_source === 'logged' ? cost : null);
        vals[j++] = Math.max(0, COST_SOURCES.indexOf(cost === null ? 'unpriced' : r.cost_source)); vals[j++] = b(r.cost_estimated);
        vals[j++] = pv; vals[j++] = b(r.batch); vals[j++] = r.request_hash ?? null; vals[j++] = b(r.zone_assumed);
        vals[j++] = this.nextId++;
        delta.addValues(ts, e, m, p, b(r.success), latency, rc, input, output, cr, cw, cw1h, reas, cost, retry);
        added++;
        if (recent && ts >= recent.from) {
          const o = this.recentSlot(recent);
          const row = recent.rows;
          if (o > 0 && ts < row[o - R_COLS] && recent.sorted) { recent.sorted = false; recent.sortedUpTo = recent.n - 1; }
          row[o] = ts; row[o + R_E] = e; row[o + R_M] = m; row[o + R_P] = p; row[o + R_S] = b(r.success);
          row[o + R_LAT] = latency ?? NaN; row[o + R_RC] = rc ?? NaN; row[o + R_IN] = input ?? NaN; row[o + R_OUT] = output ?? NaN;
          row[o + R_CR] = cr; row[o + R_CW] = cw; row[o + R_CW1H] = cw1h; row[o + R_REAS] = reas; row[o + R_COST] = cost ?? NaN;
          row[o + R_RETRY] = retry;
          if (ts > recent.max) recent.max = ts;
        }
        if (bounds) {
          if (ts < bounds.min) bounds.min = ts;
          if (ts > bounds.max) bounds.max = ts;
        }
        inserted++;
        if (++rowsInBlock === MULTI_ROWS) {
          this.writeBlock(vals, rowsInBlock);
          rowsInBlock = 0;
        }
      }
      if (rowsInBlock) this.writeBlock(vals, rowsInBlock);
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      this.deferred.length = deferredMark;
      this.deferredHead = headMark;
      this.deferredRows = deferredRowsMark;
      this.dropMirrors();
      this.takeBackHistograms(records, floor, added);
      throw e;
    }
    // The rollup tables are written behind: the in-memory mirrors, which most queries read, follow
    // every insert; the tables get the gathered changes once per many inserts (most keys, an hour x
    // endpoint x model, recur in the next ones, so each is written once instead of every time), or as
    // soon as anything reads them. A bulk load into empty tables writes them at its end with plain INSERTs.
    delta.feed(this.histSink(), this.hourSink(), this.histDaySink(), this.daySink());
    delta.mergeInto(this.pending);
    this.pendingRecords += inserted;
    this.insertFloors.set(this.gen, minTs);
    this.insertFloors.delete(this.gen - CHANGES_KEPT);
    if (inserted) this.retentionQuietUntil = Math.min(this.retentionQuietUntil, this.expiresAt(minTs, minTs - (((minTs % DAY_MS) + DAY_MS) % DAY_MS)));
    if (!this.emptyRollups.size && this.pendingRecords >= (this.bulk ? BULK_ROLLUP_RECORDS : TAIL_ROLLUP_RECORDS)) this.flushPendingRollups();
    if (recent) this.trimRecent(recent);
    // a tail insert's rows: written by the store's timer soon after (see WRITE_BEHIND_MS)
    if (!this.bulk && this.hasDeferredRows) this.scheduleFinish(false, this.writeBehindMs);
    return inserted;
  }

  /** Subtracts the histogram counts of the first n records insert added to the pending changes (a failed insert). */
  private takeBackHistograms(records: readonly StoredCall[], floor: number, n: number): void {
    for (const r of records) {
      if (n <= 0) return;
      if (!Number.isFinite(r.ts) || r.ts < floor) continue;
      n--;
      const latency = num(r.latency_ms);
      if (latency === null) continue;
      const ts = Math.floor(r.ts);
      // the ids are known: insert looked them up before adding this record
      const e = this.ensureDim('endpoint', r.endpoint || '(unknown)'), m = this.ensureDim('model', r.model);
      this.pending.addHist(ts - (((ts % HOUR_MS) + HOUR_MS) % HOUR_MS), ts - (((ts % DAY_MS) + DAY_MS) % DAY_MS), e, m, latency, -1);
    }
  }

  /**
   * Inserts n rows of vals (row-major, NCOL each), binding only the required columns and the optional
   * ones some row of the block has a non-default value in (blockMask)
   * ones; or, during a bulk load into an empty store or while earlier rows wait, queues them (deferBlock).
   */
  private writeBlock(vals: SqlValue[], n: number): void {
    const set = this.columnSet(blockMask(vals, n));
    if (this.deferRows || this.hasDeferredRows || (!this.bulk && this.writeBehindMs > 0)) {
      this.deferBlock(set, vals, n);
      return;
    }
    const cols = set.cols, w = cols.length;
    const params = n === MULTI_ROWS ? set.params : new Array<SqlValue>(n * w);
    for (let r = 0, k = 0; r < n; r++) {
      const o = r * NCOL;
      for (let c = 0; c < w; c++) params[k++] = vals[o + cols[c]];
    }
    this.runBlock(set, params, n);
  }

  /** Runs set's insert for n rows of params (n x set.cols.length values). */
  private runBlock(set: ColumnSet, params: SqlValue[], n: number): void {
    if (n === MULTI_ROWS) {
      set.multi(params);
      return;
    }
    const w = set.cols.length;
    const row = new Array<SqlValue>(w);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < w; c++) row[c] = params[r * w + c];
      set.single(row);
    }
  }

  /**
   * Queues n rows of vals for a later write into calls. SQLite's insert is half the main thread's time
   * of a cold ingest (~2.5-3 s of 6 s at 1M calls) and nothing on the first dashboard reads calls: the
   * in-memory mirrors, rollup changes and recent rows are filled as before, and the rows are written
   * after the load, in short slices (scheduleFinish), or at once by the first reader of calls (rowsReady).
   * Past MAX_DEFERRED_ROWS the oldest block is written first (we are inside insert's transaction).
   */
  private deferBlock(set: ColumnSet, vals: SqlValue[], n: number): void {
    const max = this.opts.maxDeferredRows ?? MAX_DEFERRED_ROWS;
    while (this.deferredRows + n > max && this.hasDeferredRows) {
      const d = this.deferred[this.deferredHead++];
      this.deferredRows -= d.n;
      this.writeDeferred(d);
    }
    const cols = set.cols, w = cols.length;
    if (this.slabUsed + n * w > SLAB_DOUBLES) { this.slab = SLAB_TEMPLATE.slice(); this.slabUsed = 0; }
    const nums = this.slab, at = this.slabUsed;
    this.slabUsed += n * w;
    let others: SqlValue[] | null = null;
    for (let r = 0, k = 0; r < n; r++) {
      const o = r * NCOL;
      for (let c = 0; c < w; c++, k++) {
        const v = vals[o + cols[c]];
        if (typeof v === 'number') nums[at + k] = v;
        else {
          nums[at + k] = NaN;
          if (v !== null) (others ??= []).push(k, v);
        }
      }
    }
    this.deferred.push({ set, n, nums, at, others });
    this.deferredRows += n;
  }

  /** Runs the cached statement of sql with params: through sql.js's C API when it can (see statementRunner). */
  private runner(sql: string): (params: SqlValue[]) => void {
    const st = this.stmt(sql);
    return statementRunner(this.sql, this.db, st, sql) ?? ((params: SqlValue[]): void => { st.run(params); });
  }

  /** The insert statements for the required columns plus the optional ones in mask (cached). */
  private columnSet(mask: number): ColumnSet {
    let set = this.columnSets.get(mask);
    if (set) return set;
    if (this.columnSets.size >= MAX_COLUMN_SETS) return this.columnSet(ALL_COLUMNS_MASK);
    const cols: number[] = [];
    CALL_COLUMNS.forEach((_, i) => { if (!COLUMN_BIT[i] || (mask & COLUMN_BIT[i])) cols.push(i); });
    const names = cols.map(i => CALL_COLUMNS[i]).join(',');
    const tuple = `(${new Array(cols.length).fill('?').join(',')})`;
    set = {
      cols,
      multi: this.runner(`INSERT INTO calls (${names}) VALUES ${new Array(MULTI_ROWS).fill(tuple).join(',')}`),
      single: this.runner(`INSERT INTO calls (${names}) VALUES ${tuple}`),
      params: new Array<SqlValue>(MULTI_ROWS * cols.length).fill(null),
    };
    this.columnSets.set(mask, set);
    return set;
  }

  /** Deletes a source's raw rows and subtracts them from the rollups (for a reset or a removed file). */
  deleteSource(sourceId: number): number {
    this.rowsReady();
    this.flushPendingRollups();
    const delta = new RollupDelta();
    const st = this.db.prepare(`SELECT ts, endpoint_id, model_id, provider_id, success, latency_ms, response_cache_hit,
      input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, reasoning_tokens, cost_usd,
      retry_count FROM calls WHERE source_id = ?`);
    let n = 0;
    this.recent = null;
    this.bounds = null;
    this.gen++;
    try {
      st.bind([sourceId]);
      while (st.step()) { delta.add(rollRow(st.get()), -1); n++; }
    } finally { st.free(); }
    this.applyWithRollups(delta, () => this.db.run('DELETE FROM calls WHERE source_id = ?', [sourceId]));
    return n;
  }

  /**
   * The file at oldPath now lives at newPath (rename, rotation): its rows, stats and floor move to
   * newPath's source; oldPath starts afresh.
   */
  renameSource(oldPath: string, newPath: string): void {
    const old = this.sourceState(oldPath);
    if (!old) return;
    this.gen++;
    const target = this.sourceState(newPath);
    this.beforeSourcesSql();
    if (!target) {
      this.db.run('UPDATE sources SET path = ?, checkpoint = NULL WHERE id = ?', [newPath, old.id]);
      if (old.stats) this.setSourceState(old.id, { stats: { ...old.stats, path: newPath } });
      return;
    }
    // the rows of both sources must be in calls before they are re-keyed
    this.rowsReady();
    this.db.run('UPDATE calls SET source_id = ? WHERE source_id = ?', [target.id, old.id]);
    const floor = Math.max(this.floors.get(old.id) ?? 0, this.floors.get(target.id) ?? 0);
    this.db.run('UPDATE sources SET floor_ts = ? WHERE id = ?', [floor, target.id]);
    this.floors.set(target.id, floor);
    if (old.stats) {
      const t = target.stats;
      this.setSourceState(target.id, { stats: t ? { ...t, records: t.records + old.stats.records, skipped: t.skipped + old.stats.skipped } : { ...old.stats, path: newPath } });
    }
    this.db.run('DELETE FROM sources WHERE id = ?', [old.id]);
    this.beforeSourcesSql();
    this.floors.delete(old.id);
  }

  /** Forgets a source entirely (its rows, rollup share of them, checkpoint and stats). */
  removeSource(sourceId: number): void {
    this.deleteSource(sourceId);
    this.beforeSourcesSql();
    this.db.run('DELETE FROM sources WHERE id = ?', [sourceId]);
    this.floors.delete(sourceId);
  }

  /**
   * Re-prices stored calls: price(rec) gives the new cost fields (rec carries the logged cost, if any,
   * as the parser gave it); rollups get the difference. One page of calls in key order (after the key
   * `after`, at most limit) per call, so a caller can yield between pages: returns the calls whose cost
   * changed, the last key done and whether that was the end.
   */
  reprice(price: (rec: CallRecord) => { cost_usd: number | null; cost_source: CostSource; estimated: boolean }, version: string,
    after: CallKey | null = null, limit = 1e15): { changed: number; last: CallKey | null; done: boolean } {
    this.rowsReady();
    this.flushPendingRollups();
    const delta = new RollupDelta();
    const updates: SqlValue[][] = [];
    this.recent = null;
    this.gen++;
    let changed = 0;
    let last = after;
    let rows = 0;
    const versionId = this.ensureDim('price_version', version) || null;
    // the range starts at the key's ts, so that each page is a range of calls' (ts, id) key, not a walk from its start
    const st = this.db.prepare(`SELECT ${RECORD_SELECT} FROM ${RECORD_FROM}
      WHERE c.ts >= ? AND (c.ts > ? OR c.id > ?) ORDER BY c.ts, c.id LIMIT ?`);
    try {
      const from = after?.ts ?? -Number.MAX_VALUE;
      st.bind([from, from, after?.id ?? 0, limit]);
      while (st.step()) {
        const row = st.get();
        rows++;
        last = { ts: Number(row[1]), id: Number(row[0]) };
        const rec = rowToRecord(row);
        const old = rec.cost_usd;
        rec.cost_usd = rec.logged_cost_usd;
        rec.cost_source = rec.logged_cost_usd === null ? 'unpriced' : 'logged';
        const p = price(rec);
        const cost = num(p.cost_usd);
        updates.push([cost, COST_SOURCES.indexOf(cost === null ? 'unpriced' : p.cost_source), b(p.estimated), versionId, Number(row[1]), Number(row[0])]);
        if (old !== cost) {
          changed++;
          const ids = this.idsOf(rec);
          const base = { ...ids, ts: rec.ts, s: b(rec.success), latency: rec.latency_ms, rc: rec.response_cache_hit === null ? null : b(rec.response_cache_hit),
            input: rec.input_tokens, output: rec.output_tokens, cr: rec.cache_read_tokens, cw: rec.cache_write_tokens,
            cw1h: rec.cache_write_1h_tokens, reas: rec.reasoning_tokens, retry: rec.retry_count };
          delta.add({ ...base, cost: old }, -1);
          delta.add({ ...base, cost }, 1);
        }
      }
    } finally { st.free(); }
    this.applyWithRollups(delta, () => {
      const up = this.db.prepare('UPDATE calls SET cost_usd = ?, cost_source = ?, cost_estimated = ?, price_version_id = ? WHERE ts = ? AND id = ?');
      try { for (const u of updates) up.run(u); } finally { up.free(); }
    });
    return { changed, last, done: rows < limit };
  }

  /** Runs statements and the matching rollup delta in one transaction; on failure the in-memory mirrors are dropped. */
  private applyWithRollups(delta: RollupDelta, statements: () => void): void {
    this.db.exec('BEGIN');
    try {
      statements();
      delta.flush(this.db, this.histSink(), this.hourSink(), this.histDaySink(), sql => this.stmt(sql), this.daySink());
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      this.dropMirrors();
      throw e;
    }
  }

  private idsOf(rec: CallRecord): { e: number; m: number; p: number } {
    return {
      e: this.dimIds.endpoint.get(rec.endpoint) ?? 0,
      m: rec.model === null ? 0 : this.dimIds.model.get(rec.model) ?? 0,
      p: rec.provider === null ? 0 : this.dimIds.provider.get(rec.provider) ?? 0,
    };
  }

  /**
   * Deletes raw rows older than retentionDays (and minute rollups with them) and hour/day rollups
   * older than rollupRetentionDays. Sources that lost rows get a floor so a later re-read does not
   * count those old records into the rollups twice.
   */
  applyRetention(now: number): number {
    // Runs after every ingest: most find nothing old enough, and the check itself wrote the pending rollup
    // changes to the tables (it reads roll_day), ~5 ms per 1,000-line append at 1M calls.
    if (now <= this.retentionQuietUntil) return 0;
    const cutoff = now - this.opts.retentionDays * DAY_MS;
    const rollCutoff = now - this.rollupRetentionDays() * DAY_MS;
    // known bounds: no read of calls (which would write the deferred rows of a bulk load first)
    const affected = this.bounds && !(this.bounds.min < cutoff) ? []
      : this.all('SELECT DISTINCT source_id FROM calls WHERE ts < ?', [cutoff]).map(r => Number(r[0]));
    if (!affected.length && !this.all('SELECT 1 FROM roll_day WHERE t < ? LIMIT 1', [rollCutoff]).length) {
      this.noteRetentionQuiet();
      return 0;
    }
    // the pending rollup changes go in before old rows are deleted (they may be old themselves)
    this.rowsReady();
    this.flushPendingRollups();
    this.db.exec('BEGIN');
    try {
      for (const id of affected) {
        this.db.run('UPDATE sources SET floor_ts = max(floor_ts, ?) WHERE id = ?', [cutoff, id]);
        this.floors.set(id, Math.max(this.floors.get(id) ?? 0, cutoff));
      }
      this.db.run('DELETE FROM calls WHERE ts < ?', [cutoff]);
      const deleted = this.db.getRowsModified();
      this.db.run('DELETE FROM roll_minute WHERE t < ?', [cutoff]);
      for (const t of ['roll_hour', 'roll_day', 'hist_hour', 'hist_day']) this.db.run(`DELETE FROM ${t} WHERE t < ?`, [rollCutoff]);
      this.db.exec('COMMIT');
      this.dropMirrors();
      this.noteRetentionQuiet();
      return deleted;
    } catch (e) {
      this.db.exec('ROLLBACK');
      this.dropMirrors();
      throw e;
    }
  }

  private rollupRetentionDays(): number {
    return Math.max(this.opts.rollupRetentionDays ?? 400, this.opts.retentionDays);
  }

  /** When a call at ts, or a day rollup of the day starting at day, becomes old enough for applyRetention to delete. */
  private expiresAt(ts: number, day: number): number {
    return Math.min(ts + this.opts.retentionDays * DAY_MS, day + this.rollupRetentionDays() * DAY_MS);
  }

  /** After a retention run: nothing can expire before the oldest call or day rollup left does (both found by their index). */
  private noteRetentionQuiet(): void {
    // min(ts) from the store's bounds: a query of calls would write the rows a bulk load deferred
    const v = this.one('SELECT min(t) FROM roll_day');
    const ts = this.tsBounds()?.min ?? Infinity;
    const day = v[0] === null || v[0] === undefined ? Infinity : Number(v[0]);
    this.retentionQuietUntil = this.expiresAt(ts, day);
  }

  // ---- persistence ---------------------------------------------------------------------------

  /** The store as the bytes of an SQLite file, in one step (see persist() for the one that yields). */
  export(): Uint8Array {
    this.finishBulk();
    this.writeSourceStates();
    const out = this.sizedDatabase();
    try {
      backupSchemaSync(this.sql, out, 'main', this.db, STORE_SCHEMA);
      return out.export();
    } finally {
      out.close();
    }
  }

  /**
   * An empty database whose file (in sql.js's MEMFS) already has the store's size: a copy into a new
   * one grew its file a few pages at a time, each growth copying the whole file (2.7 s instead of
   * 0.4 s at 1M calls). The file starts with a valid empty database; the rest is overwritten.
   */
  private sizedDatabase(): Database {
    const pages = Number(this.one(`PRAGMA ${STORE_SCHEMA}.page_count`)[0]);
    const pageSize = Number(this.one(`PRAGMA ${STORE_SCHEMA}.page_size`)[0]);
    const empty = new this.sql.Database();
    let head: Uint8Array;
    try {
      empty.exec(`PRAGMA page_size = ${pageSize}; CREATE TABLE t (x); DROP TABLE t;`);
      head = empty.export();
    } finally {
      empty.close();
    }
    const bytes = new Uint8Array(Math.max(pages * pageSize, head.length));
    bytes.set(head);
    const out = new this.sql.Database(bytes);
    // a throwaway copy needs no rollback journal: with one, the copy took 1.0 s instead of 0.08 s at 1M calls
    out.exec(FAST_WRITES);
    return out;
  }

  /** Writes the store to its file, its bytes taken at once (before the first await): for a save at shutdown. */
  async persistNow(): Promise<void> {
    if (!this.opts.file) return;
    const bytes = this.export();
    await writeFileAtomic(this.opts.file, bytes);
  }

  /**
   * Writes the store to its file atomically. The pages are copied out in slices with a yield between
   * them, so a 1M-call store does not block the extension host for the whole copy.
   */
  async persist(): Promise<void> {
    if (!this.opts.file) return;
    // deferred rows in slices (~3 s at 1M calls if the timer has not written them yet), then the rest at once
    await this.writeDeferredRows();
    this.finishBulk();
    this.writeSourceStates();
    const out = this.sizedDatabase();
    let bytes: Uint8Array;
    try {
      // rows inserted during a pause are copied by SQLite; their rollup changes must be in the tables too
      await backupSchema(this.sql, out, 'main', this.db, STORE_SCHEMA, this.opts.persistPagesPerStep ?? PERSIST_PAGES_PER_STEP,
        async () => {
          await new Promise(r => setImmediate(r));
          // the checkpoints written with the copy must not run ahead of the rows in calls
          this.rowsReady();
          this.flushPendingRollups();
          this.writeSourceStates();
        });
      bytes = out.export();
    } finally {
      out.close();
    }
    await writeFileAtomic(this.opts.file, bytes);
  }

  close(): void {
    this.closed = true;
    this.deferred = [];
    this.deferredHead = 0;
    this.deferredRows = 0;
    if (this.finishTimer !== undefined) clearTimeout(this.finishTimer);
    for (const st of this.stmts.values()) st.free();
    this.stmts.clear();
    this.columnSets.clear();
    this.db.close();
  }
}

/**
 * Puts the recent rows in ts order at the next read after an out-of-order insert. Only the rows from
 * the first one out of order are sorted (a tail of a few thousand after an append), then merged with
 * the sorted prefix; equal ts keep insertion order, as calls' (ts, id) key does.
 */
function sortRecent(rec: RecentState): void {
  const n = rec.n, rows = rec.rows, start = rec.sortedUpTo;
  const tail = Array.from({ length: n - start }, (_, i) => start + i);
  tail.sort((x, y) => rows[x * R_COLS] - rows[y * R_COLS] || x - y);
  // rows of the sorted prefix that stay ahead of the whole tail keep their place
  const firstTs = rows[tail[0] * R_COLS];
  let lo = 0, hi = start;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid * R_COLS] <= firstTs) lo = mid + 1; else hi = mid;
  }
  const out = new Float64Array(rows.length);
  out.set(rows.subarray(0, lo * R_COLS));
  let w = lo * R_COLS, i = lo, j = 0;
  const put = (r: number): void => { out.set(rows.subarray(r * R_COLS, r * R_COLS + R_COLS), w); w += R_COLS; };
  while (i < start || j < tail.length) {
    if (j >= tail.length || (i < start && rows[i * R_COLS] <= rows[tail[j] * R_COLS])) put(i++);
    else put(tail[j++]);
  }
  rec.rows = out;
  rec.sorted = true;
  rec.sortedUpTo = n;
}

function addHourModel(mem: Map<number, Map<number, number[]>>, t: number, m: number, calls: number, cost: number, unpriced: number): void {
  let hour = mem.get(t);
  if (!hour) { hour = new Map(); mem.set(t, hour); }
  const v = hour.get(m);
  if (v) { v[0] += calls; v[1] += cost; v[2] += unpriced; } else hour.set(m, [calls, cost, unpriced]);
}

/** Adds measures (acc[offset + i] is MEASURES[i]) to a day rollup mirror; a key whose calls reach 0 goes, as in the table. */
function addDayRoll(mem: Map<number, Map<string, number[]>>, t: number, e: number, m: number, p: number, s: number, acc: ArrayLike<unknown>, offset: number): void {
  let day = mem.get(t);
  if (!day) { day = new Map(); mem.set(t, day); }
  const k = `${e},${m},${p},${s}`;
  let v = day.get(k);
  if (!v) { v = [e, m, p, s, ...new Array<number>(MEASURES.length).fill(0)]; day.set(k, v); }
  for (let i = 0; i < MEASURES.length; i++) v[4 + i] += Number(acc[offset + i] ?? 0);
  if (v[4] <= 0) day.delete(k);
  if (!day.size) mem.delete(t);
}

function addDayHist(mem: Map<number, Map<number | string, number[]>>, t: number, e: number, m: number, b: number, n: number): void {
  let day = mem.get(t);
  if (!day) { day = new Map(); mem.set(t, day); }
  addDayHistIn(day, e, m, b, n);
  if (!day.size) mem.delete(t);
}

function addDayHistIn(day: Map<number | string, number[]>, e: number, m: number, b: number, n: number): void {
  // one number per (e, m, b) when the ids fit (no string per bucket: 129k of them at 1M calls); small ids
  // below 2^27, a small integer to V8 (no heap number to hash), larger ones above it
  const k: number | string = e >= 0 && e < 256 && m >= 0 && m < 256 && b >= -1024 && b < 1024 ? (e * 256 + m) * 2048 + (b + 1024)
    : e >= 0 && e < 65_536 && m >= 0 && m < 32_768 && b >= -1_048_576 && b < 1_048_576
      ? 134_217_728 + (e * 32_768 + m) * 2_097_152 + (b + 1_048_576) : `${e},${m},${b}`;
  const v = day.get(k);
  if (v) {
    v[3] += n;
    if (v[3] <= 0) day.delete(k);
  } else if (n > 0) day.set(k, [e, m, b, n]);
}

function inRanges(ranges: readonly [number, number][], t: number): boolean {
  for (const [a, b] of ranges) if (t >= a && t < b) return true;
  return false;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function rollRow(r: SqlValue[]): RollRow {
  const n = (v: SqlValue): number | null => (v === null ? null : Number(v));
  return {
    ts: Number(r[0]), e: Number(r[1]), m: Number(r[2]), p: Number(r[3]), s: Number(r[4]), latency: n(r[5]), rc: n(r[6]),
    input: n(r[7]), output: n(r[8]), cr: Number(r[9]), cw: Number(r[10]), cw1h: Number(r[11]), reas: Number(r[12]),
    cost: n(r[13]), retry: Number(r[14]),
  };
}
