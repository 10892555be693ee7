// Entry of the ingest worker thread (bundled as dist/ingestWorker.js), started by WorkerReader
// (workerReader.ts): runs LogReader.readNew over the paths with the checkpoints and options it was
// given and posts every batch, as columns, to the thread that stores them. The protocol and what it
// keeps equal to an in-thread read are described in workerReader.ts.
import { MessagePort, parentPort, workerData } from 'worker_threads';
import { LogReader, ReadBatch } from './logReader';
import { encodeRecords } from './recordColumns';
import { parseText } from './sourceParser';
import type { FromWorker, ToWorker, WorkerStart } from './workerReader';

/** Column buffers kept for reuse: two per batch in flight, and a pair to spare. */
const MAX_SPARE_BUFFERS = 16;

/** Runs one read; exported for the unit tests, which drive it over a MessageChannel. */
export async function runIngestWorker(port: MessagePort, start: WorkerStart): Promise<void> {
  const ac = new AbortController();
  const failed = new Map<string, string>();
  let inFlight = 0;
  let wake: (() => void) | null = null;
  let seq = 0;
  /** column buffers the storing thread sent back (see encodeRecords) */
  const spare: ArrayBuffer[] = [];
  const post = (m: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer);
  port.on('message', (m: ToWorker) => {
    if (m.type === 'abort') { ac.abort(); return; }
    if (m.type !== 'ack') return;
    inFlight--;
    if (m.bufs) for (const b of m.bufs) if (spare.length < MAX_SPARE_BUFFERS) spare.push(b);
    if (m.error !== undefined) failed.set(m.path, m.error);
    const w = wake;
    wake = null;
    w?.();
  });
  const reader: LogReader = new LogReader(start.checkpoints, {
    ...start.options,
    signal: ac.signal,
    // checkpoints ride along: after this chunk's push, they cover every batch handed over before it
    onProgress: (bytesRead, bytesTotal, path) => post({ type: 'progress', bytesRead, bytesTotal, path, cps: reader.checkpoints() }),
  });
  const sink = async (batch: ReadBatch): Promise<void> => {
    // backpressure: the storing thread is the slower one; parse ahead by at most maxInFlight batches
    while (inFlight >= start.maxInFlight && !failed.has(batch.path)) await new Promise<void>(r => { wake = r; });
    const error = failed.get(batch.path);
    // the reader stops this path as after an in-thread storing failure (the storing thread reports it)
    if (error !== undefined) throw new Error(error);
    // the checkpoints the in-thread reader would keep if storing this batch failed
    const cps = reader.checkpoints();
    const cols = encodeRecords(batch.records, spare);
    inFlight++;
    if (cols) post({ type: 'batch', seq: seq++, batch: { ...batch, records: [] }, cols, cps }, [cols.tags.buffer as ArrayBuffer, cols.nums.buffer as ArrayBuffer]);
    else post({ type: 'batch', seq: seq++, batch, cols: null, cps });
    // once the reader has moved its checkpoint past this batch (right after the sink returns)
    setImmediate(() => post({ type: 'cps', cps: reader.checkpoints() }));
  };
  try {
    const results = await reader.readNew(start.paths, sink);
    post({ type: 'done', results, cps: reader.checkpoints() });
  } catch (e) {
    post({ type: 'fatal', message: String((e as Error)?.message ?? e) });
  }
}

const port = parentPort;
if (port && workerData && Array.isArray((workerData as WorkerStart).paths)) {
  void runIngestWorker(port, workerData as WorkerStart);
} else if (port && workerData && (workerData as { prewarm?: boolean }).prewarm) {
  // started ahead (prewarmIngestWorker): warm the parser's code while waiting, then do the read we are given
  let started = false;
  port.once('message', (m: ToWorker) => {
    started = true;
    if (m.type === 'start') void runIngestWorker(port, m.start);
  });
  warmUp(() => started);
}

/** Lines per warm-up slice, and slices: 3,000 lines in all. */
const WARM_SLICE_LINES = 300;
const WARM_SLICES = 10;

/**
 * Parses a few thousand made-up lines of a common shape, so that the first real chunk does not run
 * in the interpreter (no state is shared with the real read: its own parser and mapping context). One
 * slice per turn of the event loop, and none once the read has come (stop): in one piece it was 30-70 ms
 * that a read started right after the worker had to wait for, and the read's first batches warm the same code.
 */
function warmUp(stop: () => boolean): void {
  let slice = 0;
  const step = (): void => {
    if (stop() || slice >= WARM_SLICES) return;
    const lines: string[] = [];
    for (let k = 0; k < WARM_SLICE_LINES; k++) {
      const i = slice * WARM_SLICE_LINES + k;
      lines.push(JSON.stringify({
        timestamp: new Date(1741082400000 + i * 1000).toISOString(), endpoint: `/api/e${i % 5}`, model: 'gpt-4o-mini', status_code: 200,
        latency_ms: i % 700, usage: { prompt_tokens: 100 + i, completion_tokens: i % 50 }, cost_usd: i % 3 ? 0.001 : null,
      }));
    }
    slice++;
    try {
      encodeRecords(parseText(lines.join('\n') + '\n', 'warm-up.jsonl', { timeZone: 'UTC' }).records);
    } catch {
      // only a warm-up
    }
    setImmediate(step);
  };
  step();
}
