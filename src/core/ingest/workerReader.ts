// A log reader that parses in a worker thread while this thread stores.
//
// On 2 cores a cold ingest used to parse (LogReader) and store (the engine's sink) one after the
// other. Here a worker (ingestWorker.ts, bundled as dist/ingestWorker.js) runs the same LogReader
// with the same checkpoints and options and posts each batch; this thread hands it to the sink while
// the worker parses the next. At most `maxInFlight` batches are posted and not yet stored.
//
// What stays exactly as with the in-thread LogReader:
// - the batches, in the same order, with the same records (sent as columns, see recordColumns.ts),
//   problems and flags; the per-path results; the checkpoints at the end;
// - a sink failure: that path's result has status 'error' and a "storing failed" problem, its
//   checkpoint is the one the in-thread reader would have kept (the one current when the failing
//   batch was handed over, carried with each batch), its later batches are dropped, other paths go on;
// - progress, in step with the stored batches (reported when the batch before it has been stored).
// What differs: after an abort the batches already parsed (at most maxInFlight + 1) are still stored,
// and checkpoints say so.
// The worker is used only when there is enough to read (tail appends stay in this thread, no start-up
// cost), the machine has more than one core and the script exists. If it cannot start, or stops before anything was stored, the same read
// is done in this thread. If it stops later, the read goes on in this thread from the last checkpoints
// it reported after a stored batch (a crash in the middle of one chunk's batches re-reads that chunk,
// as a storing failure there does in the in-thread reader).
import * as fs from 'fs';
import * as os from 'os';
import { Worker } from 'worker_threads';
import type { OriginRecord, Problem } from '../model';
import { Checkpoint, LogReader, ReadBatch, ReadOptions, SourceResult, warmUpReader } from './logReader';
import { columnBuffers, decodeRecords, RecordColumns } from './recordColumns';

/** Unread bytes below which the read stays in this thread (a worker takes ~30-60 ms to start). */
export const DEFAULT_WORKER_MIN_BYTES = 8 * 1024 * 1024;
/** batches parsed ahead of the storing thread (6 x 5k records: 30k, as 3 x 10k before) */
const DEFAULT_MAX_IN_FLIGHT = 6;
/** on one core the two threads would only take turns, and columns cost more than they save */
const CORES = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;

export interface WorkerReaderOptions {
  /** path of the worker bundle (dist/ingestWorker.js) */
  script: string;
  /** use the worker only when the paths have at least this many unread bytes (default 8 MB) */
  minBytes?: number;
  /** batches posted by the worker and not yet stored (default 6) */
  maxInFlight?: number;
  /**
   * Records in the first batch of each source the worker reads, doubling up to the read's batchSize (see
   * ReadOptions.firstBatchSize; default: batchSize from the first). Reads left in this thread (small ones)
   * keep whole batches: a tail append stays one batch and one insert.
   */
  firstBatchSize?: number;
  /** cores of the machine (default os.availableParallelism()): with one, the read stays in this thread */
  cores?: number;
  /**
   * The sink keeps no record object once its promise has settled (it copies the values, as
   * MonitorEngine's sink does into the store): the worker's batches are then decoded into the same
   * objects each time, which saves the storing thread an allocation (and its GC) per record. The
   * in-thread reader always hands over fresh records.
   */
  reuseRecords?: boolean;
}

/** The reader options that cross to the worker (the signal and the progress callback stay here). */
export type WorkerReadOptions = Omit<ReadOptions, 'signal' | 'onProgress'>;

/** workerData of the ingest worker. */
export interface WorkerStart {
  paths: string[];
  checkpoints: Checkpoint[];
  options: WorkerReadOptions;
  maxInFlight: number;
}

/** Worker → this thread. `cps` are the worker reader's checkpoints when the message was posted. */
export type FromWorker =
  | { type: 'batch'; seq: number; batch: ReadBatch; cols: RecordColumns | null; cps: Checkpoint[] }
  | { type: 'cps'; cps: Checkpoint[] }
  | { type: 'progress'; bytesRead: number; bytesTotal: number; path: string; cps: Checkpoint[] }
  | { type: 'done'; results: SourceResult[]; cps: Checkpoint[] }
  | { type: 'fatal'; message: string };

/** This thread → worker: a batch was stored (or failed: the worker stops reading that path), or abort. */
export type ToWorker = { type: 'ack'; seq: number; path: string; error?: string; bufs?: ArrayBuffer[] } | { type: 'abort' }
  /** to a prewarmed worker (started with workerData { prewarm: true }): the read to do */
  | { type: 'start'; start: WorkerStart };

/** Set when a worker failed to start in this process: later reads stay in-thread. */
let workerBroken = false;

/**
 * A worker started ahead of the first large read (prewarmIngestWorker): a worker takes 50-100 ms to
 * start and its first megabyte parses slowly until its JIT has warmed up, 150-400 ms in all on this
 * kind of machine, during which the storing thread would wait. Started while sql.js initialises,
 * that time is hidden.
 */
let prewarmed: { script: string; worker: Worker; timer: ReturnType<typeof setTimeout> } | null = null;

/**
 * Starts an ingest worker that waits for its read (the next WorkerReader with this script takes it).
 * Unused, it is stopped after keepMs. It never keeps the process alive; no-op on one core, without
 * the script, or when one is already waiting.
 */
export function prewarmIngestWorker(script: string, keepMs = 30_000): void {
  if (prewarmed || workerBroken || CORES <= 1 || !fs.existsSync(script)) return;
  try {
    const worker = new Worker(script, { workerData: { prewarm: true } });
    worker.unref();
    const entry = {
      script, worker,
      timer: setTimeout(() => { if (prewarmed === entry) { prewarmed = null; void worker.terminate().catch(() => undefined); } }, keepMs),
    };
    entry.timer.unref?.();
    const drop = (): void => { if (prewarmed === entry) { prewarmed = null; clearTimeout(entry.timer); } };
    worker.on('error', drop);
    worker.on('exit', drop);
    prewarmed = entry;
  } catch {
    // the first large read starts its own worker
  }
}

function takePrewarmed(script: string): Worker | null {
  const p = prewarmed;
  if (!p || p.script !== script) return null;
  prewarmed = null;
  clearTimeout(p.timer);
  p.worker.removeAllListeners();
  p.worker.ref();
  return p.worker;
}

/** For tests: whether a prewarmed worker is waiting. */
export function hasPrewarmedWorker(): boolean {
  return prewarmed !== null;
}

/** For tests: forget an earlier start failure. */
export function resetWorkerBroken(): void {
  workerBroken = false;
}

type Sink = (batch: ReadBatch) => void | Promise<void>;

interface Stored { records: number; skipped: number; zoneAssumed: number; problems: Problem[] }

export class WorkerReader {
  private cps: Checkpoint[];
  /** how the last readNew ran: in this thread, in the worker, or in the worker then this thread after it stopped */
  lastMode: 'thread' | 'worker' | 'worker+thread' | null = null;

  constructor(checkpoints: Checkpoint[], private readonly opts: ReadOptions, private readonly w: WorkerReaderOptions) {
    this.cps = checkpoints.filter(c => c && typeof c.path === 'string').map(c => ({ ...c }));
  }

  checkpoints(): Checkpoint[] {
    return this.cps.map(c => ({ ...c }));
  }

  /** Same contract as LogReader.readNew: never throws, per-path results in the order of `paths`. */
  async readNew(paths: string[], sink: Sink): Promise<SourceResult[]> {
    if (!this.opts.signal?.aborted && !workerBroken && (this.w.cores ?? CORES) > 1 && fs.existsSync(this.w.script)
      && await unreadBytes(paths, this.cps) >= (this.w.minBytes ?? DEFAULT_WORKER_MIN_BYTES)) {
      const r = await this.inWorker(paths, sink);
      if (r) {
        // this thread's parser has not run: warm it (in idle turns) for the tail reads that follow
        if (this.lastMode === 'worker') void warmUpReader(this.cps, this.opts);
        return r;
      }
    }
    this.lastMode = 'thread';
    return this.inThread(paths, sink);
  }

  private async inThread(paths: string[], sink: Sink): Promise<SourceResult[]> {
    const reader = new LogReader(this.cps, this.opts);
    try {
      return await reader.readNew(paths, sink);
    } finally {
      this.cps = reader.checkpoints();
    }
  }

  /** null: the worker did not start or stopped before anything was handed to the sink. */
  private inWorker(paths: string[], sink: Sink): Promise<SourceResult[] | null> {
    const { signal, onProgress, ...options } = this.opts;
    const maxProblems = this.opts.maxProblemsPerSource ?? 20;
    const start: WorkerStart = { paths, checkpoints: this.cps, options: this.w.firstBatchSize ? { ...options, firstBatchSize: this.w.firstBatchSize } : options,
      maxInFlight: this.w.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT };
    let worker: Worker;
    try {
      const warmed = takePrewarmed(this.w.script);
      if (warmed) {
        worker = warmed;
        worker.postMessage({ type: 'start', start } satisfies ToWorker);
      } else {
        worker = new Worker(this.w.script, { workerData: start });
      }
    } catch {
      workerBroken = true;
      return Promise.resolve(null);
    }
    return new Promise<SourceResult[] | null>(resolve => {
      const queue: FromWorker[] = [];
      let pumping = false;
      let settled = false;
      let heard = false;
      let handedOver = 0;
      let committed = this.cps;
      const failed = new Map<string, { error: string; cp: Checkpoint | undefined }>();
      const stored = new Map<string, Stored>();
      // with reuseRecords, one set of record objects is refilled for every batch (no 1M allocations on this thread)
      const pool: OriginRecord[] | undefined = this.w.reuseRecords ? [] : undefined;

      const onAbort = (): void => { worker.postMessage({ type: 'abort' } satisfies ToWorker); };
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = (v: SourceResult[] | null | Promise<SourceResult[]>): void => {
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        void worker.terminate().catch(() => undefined);
        resolve(v);
      };
      const ack = (seq: number, path: string, error?: string, bufs?: ArrayBuffer[]): void => {
        try { worker.postMessage({ type: 'ack', seq, path, error, bufs } satisfies ToWorker, bufs); } catch { /* worker gone: its exit is queued */ }
      };
      /** the checkpoints with each failed path's set back to where it was when its failing batch was handed over */
      const withFailures = (cps: Checkpoint[]): Checkpoint[] => {
        const out: Checkpoint[] = [];
        for (const c of cps) {
          const f = failed.get(c.path);
          if (!f) out.push(c);
          else if (f.cp) out.push(f.cp); // in place: the in-thread reader's map keeps its order
        }
        for (const [path, f] of failed) if (f.cp && !cps.some(c => c.path === path)) out.push(f.cp);
        return out;
      };

      const onBatch = async (m: Extract<FromWorker, { type: 'batch' }>): Promise<void> => {
        const b = m.batch;
        const f = failed.get(b.path);
        // the columns' buffers go back with the ack, for the worker's next batches: a fresh pair per batch
        // (1.35 MB for 5k records) left the worker's malloc arena holding ~60 MB after a 1M-call read
        const bufs = m.cols ? columnBuffers(m.cols) : undefined;
        if (f) { ack(m.seq, b.path, f.error, bufs); return; }
        if (m.cols) b.records = decodeRecords(m.cols, pool);
        handedOver++;
        try {
          await sink(b);
        } catch (e) {
          const error = String((e as Error)?.message ?? e).slice(0, 120);
          failed.set(b.path, { error, cp: m.cps.find(c => c.path === b.path) });
          ack(m.seq, b.path, error, bufs);
          return;
        }
        const s = stored.get(b.path) ?? { records: 0, skipped: 0, zoneAssumed: 0, problems: [] };
        s.records += b.records.length;
        s.skipped += b.skipped;
        s.zoneAssumed += b.zoneAssumed;
        for (const p of b.problems) if (s.problems.length < maxProblems) s.problems.push(p);
        stored.set(b.path, s);
        ack(m.seq, b.path, undefined, bufs);
      };

      const onDone = (m: Extract<FromWorker, { type: 'done' }>): void => {
        this.cps = withFailures(m.cps);
        this.lastMode = 'worker';
        settle(m.results.map(r => {
          const f = failed.get(r.path);
          if (!f) return r;
          const s = stored.get(r.path) ?? { records: 0, skipped: 0, zoneAssumed: 0, problems: [] };
          return { ...r, status: 'error', records: s.records, skipped: s.skipped, zoneAssumed: s.zoneAssumed,
            problems: [...s.problems, { file: r.path, line: 0, reason: `storing failed: ${f.error}` }] };
        }));
      };

      const onFatal = (): void => {
        if (handedOver === 0) {
          // nothing stored: the same read in this thread, from the same checkpoints
          if (!heard) workerBroken = true;
          settle(null);
          return;
        }
        // go on in this thread from what the worker reported after the batches stored so far
        this.cps = withFailures(committed);
        this.lastMode = 'worker+thread';
        workerBroken = true;
        settle(this.inThread(paths, sink).then(results => results.map(r => {
          const s = stored.get(r.path);
          if (failed.has(r.path)) {
            const f = failed.get(r.path)!;
            return { ...r, status: 'error', records: s?.records ?? 0, problems: [...(s?.problems ?? []), { file: r.path, line: 0, reason: `storing failed: ${f.error}` }] };
          }
          if (!s) return r;
          return { ...r, status: r.status === 'unchanged' ? 'read' : r.status, records: r.records + s.records, skipped: r.skipped + s.skipped,
            zoneAssumed: r.zoneAssumed + s.zoneAssumed, problems: [...s.problems, ...r.problems].slice(0, maxProblems) };
        })));
      };

      const pump = async (): Promise<void> => {
        if (pumping) return;
        pumping = true;
        while (queue.length && !settled) {
          const m = queue.shift()!;
          if (m.type === 'batch') await onBatch(m);
          else if (m.type === 'cps') committed = m.cps;
          else if (m.type === 'progress') {
            committed = m.cps;
            try { onProgress?.(m.bytesRead, m.bytesTotal, m.path); } catch { /* a progress display must not stop the read */ }
          } else if (m.type === 'done') onDone(m);
          else onFatal();
        }
        pumping = false;
      };
      const push = (m: FromWorker): void => {
        if (settled) return;
        queue.push(m);
        void pump();
      };
      worker.on('message', (m: FromWorker) => { heard = true; push(m); });
      worker.on('error', (e: Error) => push({ type: 'fatal', message: String(e?.message ?? e) }));
      worker.on('exit', code => push({ type: 'fatal', message: `exited with code ${code}` }));
      if (signal?.aborted) onAbort();
    });
  }
}

/** JSON logs compress 5-15x: a .gz file counts as 5 times its size (its text is what gets parsed). */
const GZ_RATIO = 5;

/**
 * Bytes the reader would parse, from a stat of each path against its checkpoint: the rest of a known
 * plain file; the whole of a new, replaced or changed file (a changed .gz or JSON document is read
 * again from its start), .gz files at GZ_RATIO times their size.
 */
export async function unreadBytes(paths: string[], checkpoints: readonly Checkpoint[]): Promise<number> {
  const byPath = new Map(checkpoints.map(c => [c.path, c]));
  let total = 0;
  for (const path of new Set(paths)) {
    let st: fs.Stats;
    try { st = await fs.promises.stat(path); } catch { continue; }
    if (!st.isFile()) continue;
    const cp = byPath.get(path);
    const whole = st.size * (cp?.gz || (!cp && path.endsWith('.gz')) ? GZ_RATIO : 1);
    if (!cp || (cp.ino && st.ino && (cp.ino !== st.ino || cp.dev !== st.dev))) { total += whole; continue; }
    if (cp.gz || cp.framing === 'array') total += cp.size === st.size && cp.mtimeMs === st.mtimeMs ? 0 : whole;
    else total += st.size >= cp.offset ? st.size - cp.offset : st.size;
  }
  return total;
}

/**
 * The reader for one ingest: a WorkerReader when a worker script is given (it still reads small
 * amounts in this thread), else the plain LogReader.
 */
export function createLogReader(checkpoints: Checkpoint[], opts: ReadOptions, workerScript?: string,
  workerOpts: Omit<WorkerReaderOptions, 'script'> = {}): LogReader | WorkerReader {
  return workerScript ? new WorkerReader(checkpoints, opts, { ...workerOpts, script: workerScript }) : new LogReader(checkpoints, opts);
}
