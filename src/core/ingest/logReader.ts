// Incremental, checkpointed reading of log files without double counting.
//
// Identity rules (the record identity is source path + byte offset, never a provider id):
// - A file is "the same" as its checkpoint when inode/dev are unchanged and the sha1 of its first
//   `fpLen` uncompressed bytes still equals the checkpoint's fingerprint (fpLen = 512 bytes, extended to
//   the end of the first line, or of the first data row for CSV, so that it covers a whole record).
//   Then only bytes after the checkpoint offset are read. A partial last line waits (offset stays
//   before it) unless it is already a complete JSON object.
// - Shrunk below the offset, other inode, or other first bytes: the file was truncated or replaced.
//   The batch says `reset: true` (drop this source's records) and the file is read from 0.
// - A file never seen whose first bytes (a whole first record at least) match another checkpoint of
//   a line or CSV format is a copy (rename, rotation, gzipped rotation, copytruncate) of content
//   already read:
//     * if the original path no longer holds that content, the copy inherits the checkpoint: only bytes
//       beyond it are read, and its first batch carries `renamedFrom` (the records stored under the old
//       path now belong to this one; the caller may re-key them, counts are right either way). The old
//       path, if it now holds a new file, is read from 0 without reset (its records moved away).
//     * if the original still holds it, the copy is a mirror: nothing is read while the original lives;
//       it keeps the original's offset and reads past it only once the original is gone.
// - Whole-document formats (JSON array, snapshot, HAR, OTLP document) cannot be appended line by line:
//   when their size, mtime or inode changes they are read again entirely with `reset: true`. This is
//   what keeps the legacy snapshot (rewritten in place with the last 1,000 calls) from double counting.
//   They are never matched as copies of each other (a renamed or copied document is a new source).
// - gzip files are streamed through zlib; offsets count uncompressed bytes.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as zlib from 'zlib';
import { LogFormat, OriginRecord, Problem } from '../model';
import { makeContext, MapContext } from './fields';
import { Framing, GZIP_MAGIC, sniffFormat, Sniffed } from './sniff';
import { DEFAULT_LIMITS, SourceParser } from './sourceParser';

export interface Checkpoint {
  path: string;
  /** bytes of (uncompressed) content handled */
  offset: number;
  /** lines handled before offset */
  line: number;
  /** stat of the file when last read (size is the on-disk size, compressed for .gz) */
  size: number;
  mtimeMs: number;
  ino: number;
  dev: number;
  /** sha1 (hex) of the first fpLen uncompressed bytes */
  fingerprint: string;
  fpLen: number;
  format: LogFormat;
  gz: boolean;
  framing: Framing;
  /** key path of the record array for 'array' framing */
  arrayPath: string[];
  otlpLines: boolean;
  /** offset is inside an over-long line already reported */
  skipping: boolean;
  csvHeader: string[] | null;
  /** this file is a copy of the file at that path: nothing is read while that one holds the content */
  mirrorOf: string | null;
}

export interface ReadBatch {
  path: string;
  format: LogFormat;
  records: OriginRecord[];
  problems: Problem[];
  skipped: number;
  zoneAssumed: number;
  /** drop every record stored for this path before adding these (applied after renamedFrom) */
  reset: boolean;
  /**
   * Records stored under this other path now belong to `path` (rename/rotation); first batch only.
   * Apply in this order: 1. re-key renamedFrom -> path, 2. if reset, drop path's records, 3. add records.
   * Ignoring it keeps incremental formats right (old records stay under the old name); a rotated
   * whole document (JSON array/snapshot/HAR) would then be counted twice.
   */
  renamedFrom?: string;
}

export interface SourceResult {
  path: string;
  format: LogFormat;
  records: number;
  skipped: number;
  zoneAssumed: number;
  /** first problems (bounded) */
  problems: Problem[];
  bytesRead: number;
  reset: boolean;
  renamedFrom?: string;
  /** what happened: read, unchanged, mirror (copy of a live file), missing, error */
  status: 'read' | 'unchanged' | 'mirror' | 'missing' | 'error';
}

export interface ReadOptions {
  timeZone?: string;
  fieldMapping?: Record<string, string>;
  maxProblemsPerSource?: number;
  /** records per batch handed to the sink (default 20,000) */
  batchSize?: number;
  /**
   * Records in a source's first batch, doubling with each batch up to batchSize (default: batchSize from the
   * first). The ingest worker's large reads start small: the first batches meet the storing thread's code
   * before it is optimised (a first 5k batch was a ~170 ms stall of the extension host).
   */
  firstBatchSize?: number;
  /** bytes per read (default 1 MB) */
  chunkSize?: number;
  /** longest line or CSV record kept (default 1 MB) */
  maxLineBytes?: number;
  signal?: AbortSignal;
  onProgress?(bytesRead: number, bytesTotal: number, path: string): void;
  /** a read of warmUpReader's: not counted as a read in progress (see readsInProgress) */
  warmUp?: boolean;
}

/** Reads of this thread under way (warm-up reads not counted): warmUpReader waits while there are any. */
let readsInProgress = 0;

const FP_MAX = 512;
/** fingerprints shorter than this are too weak to call two files copies of each other */
const FP_MIN_COPY = 64;
const HEAD = 65536;
/** New bytes up to this much are read in one synchronous read (see fileChunks). */
const SYNC_READ_MAX = 1024 * 1024;

interface Probe {
  path: string;
  exists: boolean;
  st?: fs.Stats;
  gz: boolean;
  head: Buffer;
  error?: string;
  fpCache: Map<number, string>;
}

function sha1(b: Buffer): string {
  return createHash('sha1').update(b).digest('hex');
}

function fpOf(p: Probe, len: number): string | null {
  if (p.head.length < len) return null;
  let v = p.fpCache.get(len);
  if (v === undefined) { v = sha1(p.head.subarray(0, len)); p.fpCache.set(len, v); }
  return v;
}

function holds(cp: Checkpoint, p: Probe): boolean {
  return p.exists && fpOf(p, cp.fpLen) === cp.fingerprint;
}

async function readHead(path: string, gz: boolean): Promise<Buffer> {
  if (!gz) return readHeadSync(path);
  return new Promise<Buffer>(resolve => {
    const parts: Buffer[] = [];
    let n = 0;
    let done = false;
    const src = fs.createReadStream(path);
    const gunzip = zlib.createGunzip();
    const finish = (): void => {
      if (done) return;
      done = true;
      src.destroy(); gunzip.destroy();
      resolve(Buffer.concat(parts).subarray(0, HEAD));
    };
    gunzip.on('data', (c: Buffer) => { parts.push(c); n += c.length; if (n >= HEAD) finish(); });
    gunzip.on('end', finish);
    gunzip.on('error', finish);
    src.on('error', finish);
    src.pipe(gunzip);
  });
}

/**
 * The first HEAD bytes, read synchronously: 64 KB of a file the OS has just written (every tail tick
 * probes every file) takes tens of microseconds, while each of open, read and close on the thread
 * pool waited for a turn of the event loop (several ms each on a busy 2-core host).
 */
function readHeadSync(path: string): Buffer {
  const fd = fs.openSync(path, 'r');
  try {
    const b = Buffer.allocUnsafe(HEAD);
    const n = fs.readSync(fd, b, 0, HEAD, 0);
    return b.subarray(0, n);
  } finally { fs.closeSync(fd); }
}

async function probe(path: string): Promise<Probe> {
  const p: Probe = { path, exists: false, gz: false, head: Buffer.alloc(0), fpCache: new Map() };
  try {
    p.st = fs.statSync(path);
    if (!p.st.isFile()) { p.error = 'not a file'; return p; }
    p.exists = true;
    const raw = await readHead(path, false);
    p.gz = GZIP_MAGIC(raw);
    p.head = p.gz ? await readHead(path, true) : raw;
  } catch (e) {
    p.exists = false;
    p.error = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : String((e as Error).message ?? e);
  }
  return p;
}

/**
 * Mapping contexts by zone and field mapping, shared by the readers of this thread: the engine makes a
 * reader per ingest (every tail tick), and a new context cost an Intl.DateTimeFormat (~0.5 ms) and
 * every line shape learnt again. What a context keeps is caches, each used within one synchronous step.
 */
const contexts = new Map<string, MapContext>();

function sharedContext(timeZone: string | undefined, fieldMapping: Record<string, string> | undefined): MapContext {
  const key = `${timeZone ?? ''}\u0000${fieldMapping ? JSON.stringify(fieldMapping) : ''}`;
  let ctx = contexts.get(key);
  if (!ctx) {
    if (contexts.size >= 8) contexts.clear();
    ctx = makeContext(timeZone, fieldMapping);
    contexts.set(key, ctx);
  }
  return ctx;
}

export class LogReader {
  private readonly cps = new Map<string, Checkpoint>();
  private readonly ctx: MapContext;

  constructor(checkpoints: Checkpoint[], private readonly opts: ReadOptions = {}) {
    for (const c of checkpoints) if (c && typeof c.path === 'string') this.cps.set(c.path, { ...c });
    this.ctx = sharedContext(opts.timeZone, opts.fieldMapping);
  }

  /** checkpoints to persist (JSON-serialisable) */
  checkpoints(): Checkpoint[] {
    return [...this.cps.values()].map(c => ({ ...c }));
  }

  /** forget a source (e.g. removed from the settings) */
  forget(path: string): void {
    this.cps.delete(path);
  }

  /**
   * Reads whatever is new in each path, handing records to `sink` in bounded batches. Never throws:
   * unreadable files and sink failures are reported in the results.
   */
  async readNew(paths: string[], sink: (batch: ReadBatch) => void | Promise<void>): Promise<SourceResult[]> {
    if (this.opts.warmUp) return this.readPaths(paths, sink);
    readsInProgress++;
    try {
      return await this.readPaths(paths, sink);
    } finally {
      readsInProgress--;
    }
  }

  private async readPaths(paths: string[], sink: (batch: ReadBatch) => void | Promise<void>): Promise<SourceResult[]> {
    const unique = [...new Set(paths)];
    const probes = new Map<string, Probe>();
    const getProbe = async (path: string): Promise<Probe> => {
      let p = probes.get(path);
      if (!p) { p = await probe(path); probes.set(path, p); }
      return p;
    };
    for (const path of unique) await getProbe(path);

    // Which checkpoints still describe the file at their own path ("live").
    const live = new Set<string>();
    for (const path of unique) {
      const cp = this.cps.get(path);
      if (cp && holds(cp, probes.get(path)!) && sameInode(cp, probes.get(path)!)) live.add(path);
    }
    // Files outside the list matter only for copy detection (a new or replaced file, or a mirror):
    // in the common tail case (every file still the one we know) they are not even looked at.
    if (unique.some(path => !live.has(path) || this.cps.get(path)!.mirrorOf !== null)) {
      for (const cp of this.cps.values()) {
        if (probes.has(cp.path) || cp.fpLen < FP_MIN_COPY) continue;
        const p = await getProbe(cp.path);
        if (holds(cp, p) && sameInode(cp, p)) live.add(cp.path);
      }
    }

    // Plan first, read after: a rotation shows up as a new file at the old path plus the old content
    // at a new path, and the rename must be recognised before the old path is judged "replaced".
    interface PlanItem { kind: 'missing' | 'read' | 'mirror'; cp?: Checkpoint; reset: boolean; renamedFrom?: string }
    const plan = new Map<string, PlanItem>();
    const pending: string[] = [];
    for (const path of unique) {
      const p = probes.get(path)!;
      if (!p.exists) { plan.set(path, { kind: 'missing', reset: false }); continue; }
      if (live.has(path)) {
        const cp = this.cps.get(path)!;
        if (cp.mirrorOf) {
          const orig = this.cps.get(cp.mirrorOf);
          if (orig && live.has(orig.path)) {
            // still a copy of a live file: follow its progress, read nothing
            if (orig.offset > cp.offset) { cp.offset = orig.offset; cp.line = orig.line; cp.skipping = orig.skipping; }
            this.refreshStat(cp, p);
            plan.set(path, { kind: 'mirror', reset: false });
            continue;
          }
          let renamedFrom: string | undefined;
          if (orig) {
            // the original moved away or was truncated: this copy takes over from its progress
            if (orig.offset > cp.offset) { cp.offset = orig.offset; cp.line = orig.line; cp.skipping = orig.skipping; }
            renamedFrom = orig.path;
            this.cps.delete(orig.path);
          }
          cp.mirrorOf = null;
          cp.size = -1;
          plan.set(path, { kind: 'read', cp, reset: false, renamedFrom });
        } else {
          plan.set(path, { kind: 'read', cp, reset: false });
        }
        continue;
      }
      pending.push(path);
    }
    // Copies of known content, repeated until stable (a two-step rotation frees checkpoints in turn).
    for (let changed = true; changed;) {
      changed = false;
      for (const path of pending) {
        if (plan.has(path)) continue;
        const own = this.cps.get(path);
        if (own && !live.has(path) && own.mirrorOf === null && pending.some(q => q !== path && !plan.has(q) && holds(own, probes.get(q)!))) {
          // our old content sits at another path still to be planned: let that one claim it first
          continue;
        }
        const p = probes.get(path)!;
        const source = this.findCopySource(p, path);
        if (!source) continue;
        changed = true;
        const copy: Checkpoint = { ...source, path, mirrorOf: null };
        if (live.has(source.path)) {
          copy.mirrorOf = source.path;
          this.refreshStat(copy, p);
          this.cps.set(path, copy);
          live.add(path);
          plan.set(path, { kind: 'mirror', reset: false });
          continue;
        }
        this.cps.delete(source.path);
        if (copy.framing !== 'array') copy.size = -1; // read what lies beyond the inherited offset
        this.cps.set(path, copy);
        live.add(path);
        plan.set(path, { kind: 'read', cp: copy, reset: false, renamedFrom: source.path });
      }
    }
    for (const path of pending) {
      if (plan.has(path)) continue;
      // a checkpoint for this path that no longer describes the file: truncated or replaced
      const own = this.cps.get(path);
      plan.set(path, { kind: 'read', reset: own !== undefined });
    }

    // Inheritors first: their renamedFrom moves the old records away before the old path (now a new
    // file whose offsets start again at 0) delivers anything.
    // Among inheritors, planning order is chain order (app.log.2 claimed app.log.1's records before
    // app.log.1 claimed app.log's), which is the order the re-keying must happen in.
    const planned = [...plan.keys()];
    const order = [...planned.filter(x => plan.get(x)!.renamedFrom), ...unique.filter(x => !plan.get(x)!.renamedFrom)];
    const byPath = new Map<string, SourceResult>();
    for (const path of order) {
      const p = probes.get(path)!;
      const item = plan.get(path)!;
      const prevFormat = this.cps.get(path)?.format ?? 'unknown';
      if (item.kind === 'missing') {
        byPath.set(path, emptyResult(path, prevFormat, p.error === 'missing' ? 'missing' : 'error',
          p.error === 'missing' ? [] : [{ file: path, line: 0, reason: `cannot read: ${p.error}` }]));
        continue;
      }
      if (item.kind === 'mirror') { byPath.set(path, emptyResult(path, prevFormat, 'mirror', [])); continue; }
      if (this.opts.signal?.aborted) { byPath.set(path, emptyResult(path, prevFormat, 'unchanged', [])); continue; }
      byPath.set(path, await this.readOne(p, item.cp, item.reset, item.renamedFrom, sink));
    }
    return unique.map(path => byPath.get(path)!);
  }

  private findCopySource(p: Probe, path: string): Checkpoint | undefined {
    let best: Checkpoint | undefined;
    for (const cp of this.cps.values()) {
      if (cp.path === path || cp.fpLen < FP_MIN_COPY || cp.mirrorOf) continue;
      // Whole documents are never treated as copies: they are re-read on change anyway, and their
      // first bytes (HAR creator, OTLP resource attributes) are often the same across distinct files.
      if (cp.framing === 'array') continue;
      if (fpOf(p, cp.fpLen) !== cp.fingerprint) continue;
      // The prefix must hold a whole first record: files of one app share CSV headers and constant
      // line prefixes (OTLP resource attributes), which prove nothing.
      if (countNewlines(p.head, cp.fpLen) < (cp.framing === 'csv' ? 2 : 1)) continue;
      if (!best || cp.offset > best.offset) best = cp;
    }
    return best;
  }

  private refreshStat(cp: Checkpoint, p: Probe): void {
    cp.size = p.st!.size; cp.mtimeMs = p.st!.mtimeMs; cp.ino = p.st!.ino; cp.dev = p.st!.dev;
  }

  private async readOne(p: Probe, prevCp: Checkpoint | undefined, resetFlag: boolean, renamedFrom: string | undefined,
    sink: (batch: ReadBatch) => void | Promise<void>): Promise<SourceResult> {
    let prev = prevCp;
    const st = p.st!;
    const wasUnknown = prev !== undefined && prev.format === 'unknown';
    const unchanged = prev !== undefined && prev.size === st.size && prev.mtimeMs === st.mtimeMs && prev.ino === st.ino && prev.dev === st.dev;
    let sniffed: Sniffed;
    if (prev && prev.offset > 0 && prev.format !== 'unknown') {
      sniffed = { format: prev.format, framing: prev.framing, path: prev.arrayPath, otlpLines: prev.otlpLines };
    } else {
      sniffed = sniffFormat(p.head, p.path);
    }
    const fpLen = fingerprintLength(p.head, sniffed.framing);
    const base: Checkpoint = {
      path: p.path, offset: 0, line: 0, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev,
      fingerprint: fpOf(p, fpLen)!, fpLen, format: sniffed.format, gz: p.gz, framing: sniffed.framing,
      arrayPath: sniffed.path, otlpLines: sniffed.otlpLines, skipping: false, csvHeader: null, mirrorOf: null,
    };
    if (sniffed.problem) {
      // reported once per version of the file
      if (unchanged) return emptyResult(p.path, 'unknown', 'unchanged', []);
      this.cps.set(p.path, { ...base, offset: st.size });
      const problems = [{ file: p.path, line: 0, reason: sniffed.problem }];
      await this.safeSink(sink, { path: p.path, format: 'unknown', records: [], problems, skipped: 1, zoneAssumed: 0, reset: resetFlag || prev !== undefined, renamedFrom }, problems);
      return { ...emptyResult(p.path, 'unknown', 'read', problems), skipped: 1, reset: resetFlag };
    }
    const whole = sniffed.framing === 'array';
    // a file that was unreadable before (binary, unknown format) and now makes sense is read from 0;
    // nothing of it was stored, so nothing is reset
    if (wasUnknown) prev = undefined;
    if (!whole && !p.gz && prev && !resetFlag && prev.offset > st.size) {
      // same first bytes but shorter than what we read: truncated and rewritten
      resetFlag = true; prev = undefined;
    }
    // plain files with unread bytes (an aborted read, a partial line) are looked at again
    if (unchanged && prev && (whole || p.gz || prev.offset >= st.size)) {
      if (renamedFrom) {
        // a pure rename: nothing new to read, but the caller must learn where the records went
        await this.safeSink(sink, { path: p.path, format: sniffed.format, records: [], problems: [], skipped: 0, zoneAssumed: 0, reset: false, renamedFrom }, []);
      }
      return { ...emptyResult(p.path, sniffed.format, 'unchanged', []), renamedFrom };
    }
    // whole documents are re-read from 0 and replace what was stored
    const start = whole || !prev ? 0 : prev.offset;
    // with renamedFrom the caller re-keys first, then applies reset (see ReadBatch)
    const reset = resetFlag || (whole && prev !== undefined);
    const parser = new SourceParser(p.path, sniffed, this.ctx,
      { offset: start, line: start === 0 ? 0 : prev!.line, skipping: start === 0 ? false : prev!.skipping, csvHeader: start === 0 ? null : prev!.csvHeader },
      { maxItemBytes: this.opts.maxLineBytes ?? DEFAULT_LIMITS.maxItemBytes, maxProblems: this.opts.maxProblemsPerSource ?? DEFAULT_LIMITS.maxProblems });

    const result: SourceResult = { path: p.path, format: sniffed.format, records: 0, skipped: 0, zoneAssumed: 0, problems: [], bytesRead: 0, reset, renamedFrom, status: 'read' };
    const batchSize = this.opts.batchSize ?? 20_000;
    const firstSize = Math.max(1, Math.min(batchSize, this.opts.firstBatchSize ?? batchSize));
    let sent = 0;
    // the size of the next batch: firstSize, doubling up to batchSize
    const sizeNow = (): number => (sent >= 30 ? batchSize : Math.min(batchSize, firstSize * 2 ** sent));
    let firstBatch = true;
    let sinkFailed = false;
    const flush = async (force: boolean): Promise<boolean> => {
      if (!force && parser.records.length < sizeNow()) return true;
      const t = parser.take();
      if (!force && t.records.length === 0) return true;
      if (t.records.length === 0 && t.problems.length === 0 && t.skipped === 0 && !(firstBatch && (reset || renamedFrom))) return true;
      // one chunk can hold more than a batch: slice so the sink never gets more than a batch's size of records
      for (let k = 0, size = sizeNow(); k === 0 || k < t.records.length; k += size, size = sizeNow()) {
        const last = k + size >= t.records.length;
        const batch: ReadBatch = {
          path: p.path, format: sniffed.format, records: k === 0 && last ? t.records : t.records.slice(k, k + size),
          problems: last ? t.problems : [], skipped: last ? t.skipped : 0, zoneAssumed: 0, reset: firstBatch && reset,
        };
        // the parser counted them as it added them; a batch cut out of the collected records counts its own
        if (k === 0 && last) batch.zoneAssumed = t.zoneAssumed;
        else for (const r of batch.records) if (r.zone_assumed) batch.zoneAssumed++;
        if (firstBatch && renamedFrom) batch.renamedFrom = renamedFrom;
        if (!(await this.safeSink(sink, batch, result.problems))) { sinkFailed = true; return false; }
        firstBatch = false;
        sent++;
        result.records += batch.records.length;
      }
      result.skipped += t.skipped;
      result.zoneAssumed += t.zoneAssumed;
      for (const pr of t.problems) if (result.problems.length < (this.opts.maxProblemsPerSource ?? DEFAULT_LIMITS.maxProblems)) result.problems.push(pr);
      if (!whole) {
        // incremental formats: everything before `consumed` is now safely in the sink
        this.cps.set(p.path, { ...base, offset: parser.framer.consumed, line: parser.framer.line, skipping: parser.framer.skipping, csvHeader: parser.csvHeader });
      } else if (!this.cps.has(p.path) || this.cps.get(p.path)!.size !== -1) {
        // a document half-delivered: make sure the next read replaces it (reset) even if aborted now
        this.cps.set(p.path, { ...base, size: -1 });
      }
      return true;
    };

    const total = p.gz ? st.size : st.size - start;
    let aborted = false;
    let readError: string | null = null;
    try {
      const chunks = p.gz ? gzChunks(p.path, start, this.opts.chunkSize)
        : fileChunks(p.path, start, st.size, this.opts.chunkSize, sniffed.framing === 'lines' || sniffed.framing === 'csv');
      for await (const { chunk, raw } of chunks) {
        parser.push(chunk);
        result.bytesRead += raw;
        this.opts.onProgress?.(result.bytesRead, total, p.path);
        if (!(await flush(false))) break;
        if (this.opts.signal?.aborted) { aborted = true; break; }
      }
    } catch (e) {
      readError = `read failed: ${String((e as Error).message ?? e).slice(0, 120)}`;
    }
    if (sinkFailed) { result.status = 'error'; return result; }
    if (readError) parser.problem(0, readError);
    // a plain file may still be growing: its unterminated last line waits (unless already a complete object)
    if (!aborted) parser.finish(readError === null && (p.gz || whole));
    if (!(await flush(true))) { result.status = 'error'; return result; }
    if (aborted && p.gz && this.cps.has(p.path)) this.cps.get(p.path)!.size = -1; // resume the stream next time
    if (whole && !aborted) this.cps.set(p.path, base);
    else if (!whole && !aborted && !readError) {
      this.cps.set(p.path, { ...base, offset: parser.framer.consumed, line: parser.framer.line, skipping: parser.framer.skipping, csvHeader: parser.csvHeader });
    }
    return result;
  }

  private async safeSink(sink: (batch: ReadBatch) => void | Promise<void>, batch: ReadBatch, problems: Problem[]): Promise<boolean> {
    try {
      await sink(batch);
      return true;
    } catch (e) {
      problems.push({ file: batch.path, line: 0, reason: `storing failed: ${String((e as Error).message ?? e).slice(0, 120)}` });
      return false;
    }
  }
}

/** 512 bytes, extended to the end of the first record (first line; header + first row for CSV) within the head. */
function fingerprintLength(head: Buffer, framing: Framing): number {
  let n = Math.min(FP_MAX, head.length);
  if (framing === 'lines' || framing === 'csv') {
    let nl = head.indexOf(10);
    if (framing === 'csv' && nl >= 0) nl = head.indexOf(10, nl + 1);
    if (nl >= 0) n = Math.max(n, nl + 1);
  }
  return n;
}

function countNewlines(b: Buffer, len: number): number {
  let n = 0;
  for (let i = b.indexOf(10); i >= 0 && i < len; i = b.indexOf(10, i + 1)) n++;
  return n;
}

function sameInode(cp: Checkpoint, p: Probe): boolean {
  // some file systems report 0; then only the fingerprint decides
  return !cp.ino || !p.st!.ino || (cp.ino === p.st!.ino && cp.dev === p.st!.dev);
}

function emptyResult(path: string, format: LogFormat, status: SourceResult['status'], problems: Problem[]): SourceResult {
  return { path, format, records: 0, skipped: problems.length, zoneAssumed: 0, problems, bytesRead: 0, reset: false, status };
}

/**
 * The bytes of a plain file from start up to end (its size when probed: what a writer adds meanwhile is
 * read by the next call, which sees a new size). A tail append is then one read of its own size, not a
 * 1 MB buffer and a second read that finds the end.
 */
/**
 * The bytes of path in [start, end), in chunks. With reuse (framers that copy what they keep of a chunk:
 * lines and CSV), two buffers take turns: the one read into next is that of the chunk before the one just
 * handed over, which the consumer was done with when it asked for the next. A fresh buffer per chunk
 * (1 MB each) left ~60 MB in the reading thread's malloc arena after a 240 MB file.
 */
async function* fileChunks(path: string, start: number, end: number, chunkSize = 1024 * 1024, reuse = false): AsyncGenerator<{ chunk: Buffer; raw: number }> {
  if (start >= end) return;
  if (end - start <= Math.min(SYNC_READ_MAX, chunkSize)) {
    // a tail append: one synchronous read (see readHeadSync), not three waits for the thread pool
    const fd = fs.openSync(path, 'r');
    let chunk: Buffer;
    try {
      const b = Buffer.allocUnsafe(end - start);
      chunk = b.subarray(0, fs.readSync(fd, b, 0, end - start, start));
    } finally { fs.closeSync(fd); }
    if (chunk.length) yield { chunk, raw: chunk.length };
    return;
  }
  const fh = await fs.promises.open(path, 'r');
  // one read ahead: the next chunk comes off the disk (a thread-pool read) while this one is parsed,
  // instead of the parser waiting for it; without reuse, a fresh buffer per chunk, as the framer may keep
  // a view on the previous one until the next push
  const ring: Buffer[] = [];
  let turn = 0;
  const readAt = (pos: number): Promise<{ bytesRead: number; buffer: Buffer }> | null => {
    const n = Math.min(chunkSize, end - pos);
    if (n <= 0) return null;
    let buf: Buffer;
    if (reuse) {
      const k = turn++ & 1;
      buf = ring[k] ??= Buffer.allocUnsafe(Math.min(chunkSize, end - start));
    } else buf = Buffer.allocUnsafe(n);
    return fh.read(buf, 0, n, pos);
  };
  let next: Promise<{ bytesRead: number; buffer: Buffer }> | null = null;
  try {
    let pos = start;
    next = readAt(pos);
    while (next) {
      const { bytesRead, buffer } = await next;
      next = null;
      if (bytesRead === 0) break;
      pos += bytesRead;
      next = readAt(pos);
      yield { chunk: buffer.subarray(0, bytesRead), raw: bytesRead };
    }
  } finally {
    // a reader that stops early (abort, sink failure) leaves a read in flight: let it settle before closing
    if (next) await next.then(() => undefined, () => undefined);
    await fh.close();
  }
}

async function* gzChunks(path: string, skip: number, chunkSize = 1024 * 1024): AsyncGenerator<{ chunk: Buffer; raw: number }> {
  const src = fs.createReadStream(path, { highWaterMark: chunkSize });
  const gunzip = zlib.createGunzip({ chunkSize: Math.max(64, Math.min(chunkSize, 1024 * 1024)) }); // zlib minimum is 64
  let rawRead = 0;
  src.on('data', (c: Buffer | string) => { rawRead += c.length; });
  const stream = src.pipe(gunzip);
  src.on('error', e => gunzip.destroy(e));
  let pos = 0;
  let lastRaw = 0;
  try {
    for await (const c of stream as AsyncIterable<Buffer>) {
      let chunk = c;
      if (pos + chunk.length <= skip) { pos += chunk.length; continue; }
      if (pos < skip) chunk = chunk.subarray(skip - pos);
      pos += c.length;
      const raw = rawRead - lastRaw;
      lastRaw = rawRead;
      yield { chunk, raw };
    }
  } finally {
    src.destroy();
    gunzip.destroy();
  }
}

/** Bytes of a file's end re-read per round by warmUpReader: about 200 lines of a typical JSON Lines log. */
const WARM_SLICE_BYTES = 64 * 1024;
/** How long a warm-up round waits for a read in progress before it looks again. */
const WARM_WAIT_MS = 20;

/**
 * Runs this thread's reader over the last lines already read of each plain line-framed file (JSON Lines,
 * CSV, OTLP lines), `rounds` times, one slice per turn of the event loop, with a reader of its own and a
 * sink that keeps nothing: nothing is stored and no checkpoint changes (the shared mapping context only
 * learns the files' line shapes, as the next real read would). For after a read done by the ingest worker:
 * this thread's parse path has not run yet, and the first few tail appends after a 1M-call load then
 * took 15-35 ms to read instead of 3-5 (its code not yet compiled for these lines). Each round reads at
 * most WARM_SLICE_BYTES past a line start (a few ms); its timers do not keep the process alive.
 * Rounds take the files in turn (at most 4) and wait while a real read of this thread is under way (a
 * round inside a tail append's awaits added its few ms to that append); onRecords (tests) hears the
 * records each round parsed.
 */
export function warmUpReader(checkpoints: readonly Checkpoint[], opts: ReadOptions = {},
  o: { rounds?: number; delayMs?: number; onRecords?: (n: number) => void } = {}): Promise<void> {
  const files = checkpoints
    .filter(c => c && typeof c.path === 'string' && !c.gz && c.mirrorOf === null && c.offset > 0
      && (c.framing === 'lines' || c.framing === 'csv') && c.format !== 'unknown')
    .slice(0, 4);
  const rounds = files.length ? o.rounds ?? 12 : 0;
  const readOpts: ReadOptions = { timeZone: opts.timeZone, fieldMapping: opts.fieldMapping, maxLineBytes: opts.maxLineBytes, maxProblemsPerSource: 0, warmUp: true };
  return new Promise<void>(resolve => {
    let round = 0;
    const step = (): void => {
      if (round >= rounds) { resolve(); return; }
      // a real read (a tail append) is under way: its own time, not shared with a warm-up round
      if (readsInProgress > 0) { setTimeout(step, WARM_WAIT_MS).unref(); return; }
      const cp = files[round++ % files.length];
      const start = lineStartBefore(cp.path, cp.offset, WARM_SLICE_BYTES);
      const next = (): void => { setTimeout(step, 0).unref(); };
      if (start === null) { next(); return; }
      // a copy that starts at that line: the reader takes it as the file's checkpoint, reads to the file's end
      const copy: Checkpoint = { ...cp, offset: start, skipping: false };
      new LogReader([copy], readOpts).readNew([cp.path], b => { o.onRecords?.(b.records.length); }).then(next, next);
    };
    setTimeout(step, o.delayMs ?? 100).unref();
  });
}

/** The start of the first line that begins in the `span` bytes before end (null: none, or the file cannot be read). */
function lineStartBefore(path: string, end: number, span: number): number | null {
  const from = Math.max(0, end - span);
  if (from === 0) return 0;
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, 'r');
    const buf = Buffer.allocUnsafe(end - from);
    const n = fs.readSync(fd, buf, 0, buf.length, from);
    const nl = buf.subarray(0, n).indexOf(10);
    return nl < 0 || from + nl + 1 >= end ? null : from + nl + 1;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) try { fs.closeSync(fd); } catch { /* nothing to do */ }
  }
}
