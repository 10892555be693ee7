// The engine behind the extension, the CLI and the bench: ingest (H1's LogReader) into the sql.js
// store, pricing at ingest, and the metric queries. It yields to the event loop between batches so
// the extension host stays responsive during a large cold ingest.
import type { Database } from 'sql.js';
import { existsSync } from 'fs';
import type { CallRecord, LogFormat, OriginRecord, Problem, QueryFilter, SourceStats } from './model';
import type { EngineOptions, IngestProgress, IngestResult, MonitorEngineApi, RecordPricer } from './engine';
import type { BreakdownRow, CacheRow, CostRow, CostSummary, CostTotals, DailyCost, DuplicateRow, ErrorRow, TimeSeries, TokenUsageRow, WindowStats } from './metrics/types';
import { cacheStats, costByEndpoint, costByModel, costSummary, costTotals, dailyCost, duplicateRequests, tokenUsage } from './metrics/cost';
import { CallKey, CallStore, StoredCall } from './store/callStore';
import { readCalls } from './export/callReader';
import type { ExportOptions } from './export/csv';
import { CsvChunks, storeCsvChunks } from './export/storeCsv';
import type { QueryContext } from './metrics/aggregate';
import { Checkpoint, type ReadBatch } from './ingest/logReader';
import { createLogReader, prewarmIngestWorker } from './ingest/workerReader';
import { byEndpoint, byModel, byProvider, seriesStats, topErrors, windowStats } from './metrics/queries';

/** One batch as the reader hands it over (the log reader's own type). */
export type ReaderBatch = ReadBatch;

export interface ReaderOptions {
  timeZone?: string;
  signal?: AbortSignal;
  onProgress?: (bytesRead: number, bytesTotal: number, path?: string) => void;
}

/** What the engine needs of a log reader (src/core/ingest LogReader fits). */
export interface LogReaderLike {
  /** per-path outcome; problems of files that yielded no batch (unreadable) are taken from here */
  readNew(paths: string[], sink: (batch: ReaderBatch) => void | Promise<void>): Promise<{ path: string; status: string; problems: Problem[]; format: LogFormat }[] | unknown>;
  /** current checkpoints, JSON-serialisable, each with a `path` */
  checkpoints(): { path: string }[];
}
export type ReaderFactory = (checkpoints: unknown[], opts: ReaderOptions) => LogReaderLike;

/** Bounded number of example problems kept per source. */
const MAX_PROBLEMS = 20;

const yieldToLoop = (): Promise<void> => new Promise(resolve => setImmediate(resolve));

export class MonitorEngine implements MonitorEngineApi {
  private readonly ctx: QueryContext;
  private pricer: RecordPricer | undefined;
  private ingesting: Promise<unknown> = Promise.resolve();
  /** ingests under way (see persistNow) */
  private running = 0;
  private disposed = false;

  private constructor(readonly store: CallStore, private readonly opts: EngineOptions, private readonly readerFactory: ReaderFactory) {
    this.ctx = { store, timeZone: opts.timeZone, exactPercentiles: opts.percentiles === 'exact' };
    this.pricer = opts.pricer;
  }

  static async create(opts: EngineOptions, deps: { readerFactory?: ReaderFactory } = {}): Promise<MonitorEngine> {
    // no store file yet: the first ingest reads whole logs, so its worker starts while sql.js initialises
    if (opts.workerScript && !(opts.storeFile && existsSync(opts.storeFile))) prewarmIngestWorker(opts.workerScript);
    const store = await CallStore.open({ wasmBinary: opts.wasmBinary, file: opts.storeFile, retentionDays: opts.retentionDays, log: opts.log });
    return new MonitorEngine(store, opts, deps.readerFactory ?? defaultReaderFactory(opts.workerScript));
  }

  /** The store's database, for features that keep their own tables in it (alert history). */
  get database(): Database {
    return this.store.db;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  // ---- ingest --------------------------------------------------------------------------------

  ingestFiles(paths: string[], o: { signal?: AbortSignal; onProgress?: (p: IngestProgress) => void } = {}): Promise<IngestResult> {
    // Serialised: two overlapping ingests would read the same bytes from the same checkpoints.
    const run = this.ingesting.then(() => this.ingestNow(paths, o), () => this.ingestNow(paths, o));
    this.ingesting = run.catch(() => undefined);
    return run;
  }

  private async ingestNow(paths: string[], o: { signal?: AbortSignal; onProgress?: (p: IngestProgress) => void }): Promise<IngestResult> {
    this.running++;
    try {
      return await this.ingestNowUnsafe(paths, o);
    } finally {
      this.running--;
    }
  }

  private async ingestNowUnsafe(paths: string[], o: { signal?: AbortSignal; onProgress?: (p: IngestProgress) => void }): Promise<IngestResult> {
    const t0 = Date.now();
    const result: IngestResult = { files: 0, records: 0, skipped: 0, ms: 0 };
    if (o.signal?.aborted) return result;
    const checkpoints = this.store.sourceStates().map(s => s.checkpoint).filter(c => c !== null && typeof c === 'object');
    const reader = this.readerFactory(checkpoints, {
      timeZone: this.opts.timeZone,
      signal: o.signal,
      onProgress: (bytesRead, bytesTotal, path) => o.onProgress?.({ file: path ?? '', bytesRead, bytesTotal }),
    });
    const bulk = this.store.isEmpty();
    if (bulk) this.store.beginBulk();
    const seen = new Set<string>();
    try {
      // The reader advances its checkpoint only after the sink returns; the store is persisted only
      // between ingests (persist() waits), so rows and checkpoints are always saved together.
      const outcome = await reader.readNew(paths, async (batch) => {
        // the reader reports this as a storing failure and stops; its checkpoint stays before the batch
        if (this.disposed) throw new Error('engine disposed');
        if (!seen.has(batch.path)) { seen.add(batch.path); result.files++; }
        result.records += this.applyBatch(batch);
        result.skipped += batch.skipped;
        await yieldToLoop();
      });
      if (this.disposed) return result;
      if (Array.isArray(outcome)) {
        for (const r of outcome as { path: string; status: string; problems?: Problem[]; format?: LogFormat }[]) {
          if (r.status === 'error' && r.problems?.length && !seen.has(r.path)) this.noteProblems(r.path, r.format ?? 'unknown', r.problems);
        }
      }
      for (const cp of reader.checkpoints()) {
        if (!cp || typeof cp.path !== 'string') continue;
        const id = this.store.sourceId(cp.path);
        this.store.setSourceState(id, { checkpoint: cp });
        const off = (cp as { offset?: unknown }).offset;
        const st = this.store.sourceState(cp.path)?.stats;
        if (st && typeof off === 'number') this.store.setSourceState(id, { stats: { ...st, bytesRead: off } });
      }
    } finally {
      if (!this.disposed) {
        if (bulk) this.store.endBulk();
        this.applyRetention();
      }
    }
    result.ms = Date.now() - t0;
    return result;
  }

  /**
   * Problems of a file that produced no batch (unreadable): shown in its source stats. The same
   * problem seen again on the next ingest (every tail tick) is not counted twice.
   */
  private noteProblems(path: string, format: LogFormat, problems: Problem[]): void {
    const id = this.store.sourceId(path);
    const stats = this.store.sourceState(path)?.stats ?? emptyStats(path, format);
    const known = new Set(stats.problems.map(p => `${p.line}\u0000${p.reason}`));
    const fresh = problems.filter(p => !known.has(`${p.line}\u0000${p.reason}`));
    if (!fresh.length) return;
    this.store.setSourceState(id, { stats: { ...stats, skipped: stats.skipped + fresh.length, problems: [...stats.problems, ...fresh].slice(0, MAX_PROBLEMS), lastReadAt: this.now() } });
  }

  /** Stores one reader batch (reset, pricing, insert, stats); returns the records added. */
  private applyBatch(batch: ReaderBatch): number {
    if (batch.renamedFrom && batch.renamedFrom !== batch.path) this.store.renameSource(batch.renamedFrom, batch.path);
    const id = this.store.sourceId(batch.path);
    const prev = this.store.sourceState(batch.path);
    let stats: SourceStats = prev?.stats ?? emptyStats(batch.path, batch.format);
    if (batch.reset) {
      this.store.deleteSource(id);
      stats = emptyStats(batch.path, batch.format);
    }
    const added = this.store.insert(id, batch.records.map(r => this.priced(r)));
    stats = {
      ...stats,
      format: batch.format,
      records: stats.records + added,
      skipped: stats.skipped + batch.skipped,
      zoneAssumed: stats.zoneAssumed + batch.zoneAssumed,
      problems: [...stats.problems, ...batch.problems].slice(0, MAX_PROBLEMS),
      lastReadAt: this.now(),
    };
    this.store.setSourceState(id, { format: batch.format, stats });
    return added;
  }

  /** Prices a record in place (the batch is ours once handed over; copying 1M records costs GC time). */
  private priced(r: OriginRecord): StoredCall {
    const out = r as StoredCall;
    const logged = r.cost_source === 'logged' && r.cost_usd !== null ? r.cost_usd : null;
    out.logged_cost_usd = logged;
    out.cost_usd = logged;
    out.cost_source = logged === null ? 'unpriced' : 'logged';
    out.cost_estimated = false;
    out.price_version = null;
    if (!this.pricer) return out;
    try {
      const p = this.pricer.price(out);
      out.cost_usd = p.cost_usd;
      out.cost_source = p.cost_source;
      out.cost_estimated = p.estimated;
      out.price_version = this.pricer.version;
    } catch {
      // A pricing bug must not lose the call: it stays as logged / unpriced (counted and shown as such).
      out.cost_usd = logged;
      out.cost_source = logged === null ? 'unpriced' : 'logged';
    }
    return out;
  }

  /**
   * Adds records of one source directly (tests, the bench, programmatic use): the same path as a
   * reader batch. reset drops the source's earlier records first.
   */
  ingestRecords(path: string, records: OriginRecord[], opts: { reset?: boolean; format?: LogFormat; problems?: Problem[]; skipped?: number } = {}): number {
    return this.applyBatch({
      path, format: opts.format ?? 'jsonl', records, problems: opts.problems ?? [], skipped: opts.skipped ?? 0,
      zoneAssumed: records.filter(r => r.zone_assumed).length, reset: opts.reset ?? false,
    });
  }

  /**
   * Deletes raw rows older than retentionDays (rollups are kept longer). Runs after each ingest; the
   * host may also call it on a daily timer. Returns the rows deleted.
   */
  applyRetention(): number {
    try {
      return this.store.applyRetention(this.now());
    } catch (e) {
      this.opts.log?.(`Retention failed: ${e instanceof Error ? e.message : String(e)}`);
      return 0;
    }
  }

  /** Forgets a source: its rows, their share of the rollups, its checkpoint and stats. */
  removeSource(path: string): void {
    const s = this.store.sourceState(path);
    if (s) this.store.removeSource(s.id);
  }

  /**
   * Switches the price table and re-prices every stored call (rollups follow), in pages of 20k calls
   * with a yield to the event loop between them; runs in the ingest queue, so persist() and ingests
   * wait for it. Resolves to the number of calls whose cost changed.
   */
  reprice(pricer: RecordPricer): Promise<number> {
    this.pricer = pricer;
    const run = this.ingesting.then(() => this.repriceNow(pricer), () => this.repriceNow(pricer));
    this.ingesting = run.catch(() => undefined);
    return run;
  }

  private async repriceNow(pricer: RecordPricer): Promise<number> {
    let changed = 0;
    let after: CallKey | null = null;
    for (;;) {
      if (this.disposed) return changed;
      const page = this.store.reprice(rec => pricer.price(rec), pricer.version, after, 20_000);
      changed += page.changed;
      after = page.last;
      if (page.done) return changed;
      await yieldToLoop();
    }
  }

  sources(): SourceStats[] {
    return this.store.sourceStates().map(s => s.stats ?? emptyStats(s.path, s.format));
  }

  // ---- queries -------------------------------------------------------------------------------

  window(filter: QueryFilter): WindowStats { return windowStats(this.ctx, filter); }
  series(filter: QueryFilter): TimeSeries { return seriesStats(this.ctx, filter); }
  byEndpoint(filter: QueryFilter): BreakdownRow[] { return byEndpoint(this.ctx, filter); }
  byModel(filter: QueryFilter): BreakdownRow[] { return byModel(this.ctx, filter); }
  byProvider(filter: QueryFilter): BreakdownRow[] { return byProvider(this.ctx, filter); }
  topErrors(filter: QueryFilter, limit?: number): ErrorRow[] { return topErrors(this.ctx, filter, limit); }

  /** Cost today / last 7 and 30 local days / month to date, up to the engine's now. */
  costTotals(filter: Omit<QueryFilter, 'from' | 'to'> = {}): CostTotals { return costTotals(this.ctx, this.now(), filter); }
  costSummary(filter: QueryFilter): CostSummary { return costSummary(this.ctx, filter); }
  costByEndpoint(filter: QueryFilter): CostRow[] { return costByEndpoint(this.ctx, filter); }
  costByModel(filter: QueryFilter): CostRow[] { return costByModel(this.ctx, filter); }
  dailyCost(filter: QueryFilter): DailyCost[] { return dailyCost(this.ctx, filter); }
  cacheStats(filter: QueryFilter, perModel = false): CacheRow[] { return cacheStats(this.ctx, filter, perModel); }
  tokenUsage(filter: QueryFilter): TokenUsageRow[] { return tokenUsage(this.ctx, filter); }
  duplicateRequests(filter: QueryFilter): DuplicateRow[] { return duplicateRequests(this.ctx, filter); }

  /** Known values of each dimension (for filters). */
  dimensions(): { endpoints: string[]; models: string[]; providers: string[] } {
    return { endpoints: this.store.dimValues('endpoint'), models: this.store.dimValues('model'), providers: this.store.dimValues('provider') };
  }

  /** First and last call time (raw rows, else the rollups once raw rows aged out); null when empty. */
  timeBounds(): { first: number; last: number } | null {
    const r = this.store.tsBounds();
    if (r) return { first: r.min, last: r.max };
    const h = this.store.one('SELECT (SELECT min(t) FROM roll_hour), (SELECT max(t) FROM roll_hour)');
    if (h[0] === null || h[0] === undefined) return null;
    return { first: Number(h[0]), last: Number(h[1]) + 3_600_000 - 1 };
  }

  callsReady(): Promise<void> {
    return this.store.writeDeferredRows();
  }

  iterateCalls(filter: QueryFilter): Iterable<CallRecord> {
    // export pages are read through the C API of the sql.js module that made the store's database
    return readCalls(this.store, filter, { sqlJs: this.store.sqlJs });
  }

  /** The calls of a filter as CSV chunks, written straight from the store's pages (csvRows(iterateCalls()) byte for byte). */
  csvChunks(filter: QueryFilter, opts: ExportOptions): CsvChunks {
    return storeCsvChunks(this.store, filter, { ...opts, sqlJs: this.store.sqlJs });
  }

  /** Writes the store file atomically, after any running ingest (rows and checkpoints stay in step). */
  async persist(): Promise<void> {
    await this.ingesting;
    await this.store.persist();
  }

  /**
   * The save at shutdown: the store's bytes are taken before this returns (no yield in which the host
   * could dispose the engine), then written. While an ingest is running nothing is saved (false): its rows
   * and checkpoints are only consistent at its end, and the last saved store re-reads those lines next time.
   */
  persistNow(): Promise<boolean> {
    if (this.disposed || this.running > 0) return Promise.resolve(false);
    return this.store.persistNow().then(() => true);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.store.close();
  }
}

/**
 * The default reader: src/core/ingest's LogReader, run in a worker thread (parsing while this thread
 * stores) when a worker script is given and there is enough to read; see workerReader.ts.
 */
function defaultReaderFactory(workerScript: string | undefined): ReaderFactory {
  return (checkpoints: unknown[], opts: ReaderOptions): LogReaderLike => createLogReader(checkpoints as Checkpoint[], {
    // 5k-record batches keep each synchronous insert short, so commands and views answer between them
    // (with 10k, each batch was one 30-230 ms stall of the event loop at 1M calls on 2 cores under load)
    timeZone: opts.timeZone, signal: opts.signal, maxProblemsPerSource: MAX_PROBLEMS, batchSize: 5_000,
    onProgress: opts.onProgress ? (read: number, total: number, path: string): void => opts.onProgress!(read, total, path) : undefined,
    // reuseRecords: the engine's sink (applyBatch -> CallStore.insert) copies every value before it returns
    // firstBatchSize: a worker read's first batches are 500, 1k, 2k, 4k records, then 5k (they meet this
    // thread's storing code before it is optimised: a first 5k batch was a ~170 ms stall)
  }, workerScript, { reuseRecords: true, firstBatchSize: 500 });
}

function emptyStats(path: string, format: LogFormat): SourceStats {
  return { path, format, records: 0, skipped: 0, zoneAssumed: 0, problems: [], lastReadAt: null, bytesRead: 0 };
}

