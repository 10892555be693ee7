// Entry of the ingest worker thread (bundled as dist/ingestWorker.js), started by WorkerReader
// (workerReader.ts): runs LogReader.readNew over the paths with the checkpoints and options it was
// given and posts every batch, as columns, to the thread that stores them. The protocol and what it
// keeps equal to an in-thread read are described in workerReader.ts.
import { MessagePort, parentPort, workerData } from 'worker_threads';
import { LogReader, ReadBatch } from './logReader';
import { encodeRecords } from './recordColumns';
import type { FromWorker, ToWorker, WorkerStart } from './workerReader';

/** Runs one read; exported for the unit tests, which drive it over a MessageChannel. */
export async function runIngestWorker(port: MessagePort, start: WorkerStart): Promise<void> {
  const ac = new AbortController();
  const failed = new Map<string, string>();
  let inFlight = 0;
  let wake: (() => void) | null = null;
  let seq = 0;
  const post = (m: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer);
  port.on('message', (m: ToWorker) => {
    if (m.type === 'abort') { ac.abort(); return; }
    inFlight--;
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
    const cols = encodeRecords(batch.records);
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

if (parentPort && workerData && Array.isArray((workerData as WorkerStart).paths)) {
  void runIngestWorker(parentPort, workerData as WorkerStart);
}
