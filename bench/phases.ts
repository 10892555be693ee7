// The measurements, each run in a child process started by run.ts (so "cold" really is cold and
// memory readings are not polluted by an earlier phase). Each returns a plain JSON object.
import * as fs from 'fs';
import * as path from 'path';
import type { Manifest } from './generate';
import { appendLines, Prng } from './generate';
import { readSplitParse } from './floor';
import { parseInBatches, readerOnly } from './benchParser';
import { arrayBuffersMb, gc, ms, peakRssMb, resetPeakRss, rssMb, wasmHeapMb, watchWasmMemory } from './stats';
import { createEngine, exportCsv, fullRefresh, loadWasm, realtimeRefresh, totalCalls, Clock } from './engineDriver';
import type { MonitorEngine } from '../src/core/monitorEngine';

export type PhaseName = 'floor' | 'parse' | 'cold' | 'store' | 'session' | 'restart' | 'export' | 'queries' | 'append';

export interface PhaseArgs {
  file: string;
  manifest: Manifest;
  dataDir: string;
  runs: number;
  storeFile?: string;
  tailFile?: string;
  expectCalls?: number;
}

type Result = Record<string, unknown>;

function progress(s: string): void {
  process.stderr.write(`  ${s}\n`);
}

const APPENDS = 30;
const APPEND_LINES = 1000;
/**
 * Idle time before each append: a tailed file changes with time between the changes (the bench's
 * clock stamps the appends 3 s apart), and the extension host runs its idle work in between (the store's
 * write-behind, the warm-up of this thread's parser after a worker read). Back to back, that work fell
 * inside the first appends' awaits.
 */
const APPEND_GAP_MS = 100;
/** An hour of auto-refresh at the shortest interval (5 s). */
const LONG_REFRESHES = 720;
const LONG_REFRESH_BUDGET_MS = 60_000;
/**
 * "Now" is never on a minute boundary in real use, and a range that does not start on one makes the
 * engine read raw rows at its edges: the clock runs this far past the data's (minute-aligned) end.
 */
const CLOCK_SKEW_MS = 37_123;

export async function runPhase(phase: PhaseName, a: PhaseArgs): Promise<Result> {
  switch (phase) {
    case 'floor': return floor(a);
    case 'parse': return parseOnly(a);
    case 'cold': return cold(a);
    case 'store': return storeOnly(a);
    case 'session': return session(a);
    case 'restart': return restart(a);
    case 'export': return exportPhase(a);
    case 'queries': return queries(a);
    case 'append': return appendOnly(a);
  }
}

function floor(a: PhaseArgs): Result {
  const t0 = performance.now();
  const r = readSplitParse(a.file);
  const t = ms(t0);
  if (r.lines !== a.manifest.calls) throw new Error(`floor read ${r.lines} lines, expected ${a.manifest.calls}`);
  return { ms: t, lines: r.lines };
}

/**
 * The event loop's longest stall: a 5 ms interval timer notes how late each of its ticks comes (a tick
 * due at t that runs at t + d waited d - 5 ms behind other work). takeMax() gives the longest since the
 * last call; the first data's synchronous queries (Real-time tab) are part of the ingest window.
 */
function stallProbe(): { takeMax(): number; stop(): void } {
  const every = 5;
  let last = performance.now();
  let max = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    max = Math.max(max, now - last - every);
    last = now;
  }, every);
  return {
    takeMax(): number {
      const now = performance.now();
      const m = Math.max(max, now - last - every);
      max = 0;
      last = now;
      return m;
    },
    stop(): void { clearInterval(timer); },
  };
}

/** A fresh process: create the engine, ingest the file, compute the Real-time tab. */
/** The product's reader alone (src/core/ingest LogReader, batches of 10k, a sink that only counts): parse cost against the floor. */
async function parseOnly(a: PhaseArgs): Promise<Result> {
  const r = await readerOnly(a.file);
  if (r.records !== a.manifest.calls) throw new Error(`reader gave ${r.records} records, expected ${a.manifest.calls}`);
  return { ms: r.ms, records: r.records };
}

async function cold(a: PhaseArgs): Promise<Result> {
  watchWasmMemory();
  loadWasm();
  gc();
  const rss0 = rssMb();
  const clock: Clock = { now: a.manifest.endMs + CLOCK_SKEW_MS };
  const t0 = performance.now();
  const engine = await createEngine(clock);
  const t1 = performance.now();
  const probe = stallProbe();
  const res = await engine.ingestFiles([a.file]);
  const t2 = performance.now();
  realtimeRefresh(engine, clock.now);
  const t3 = performance.now();
  const ingestStallMs = probe.takeMax();
  if (res.records !== a.manifest.calls) {
    throw new Error(`cold ingest stored ${res.records} records (skipped ${res.skipped}), expected ${a.manifest.calls}`);
  }
  // What the bulk load left for after the first data (raw rows into SQLite, rollup tables),
  // done as the product does it: by the store's own timer, in steps, from a second after the load. Its
  // wall time until the store is complete, and the longest stall of the event loop meanwhile (what a
  // command or a view waits at worst). Then the memory readings are those of the finished store.
  const t4 = performance.now();
  while (engine.store.finishing) await new Promise(r => setTimeout(r, 10));
  const finishMs = ms(t4);
  const finishStallMs = probe.takeMax();
  probe.stop();
  engine.store.finishBulk();
  gc();
  const out = {
    totalMs: t3 - t0, createMs: t1 - t0, ingestMs: t2 - t1, queriesMs: t3 - t2, finishMs, ingestStallMs, finishStallMs,
    rssIncreaseMb: rssMb() - rss0, wasmHeapMb: wasmHeapMb(), records: res.records, skipped: res.skipped,
    jsHeapMb: process.memoryUsage().heapUsed / 2 ** 20, externalMb: process.memoryUsage().external / 2 ** 20,
  };
  engine.dispose();
  return out;
}

/**
 * The store's share of a cold ingest: records parsed by the bench's own mapper (untimed), then
 * inserted the way ingestFiles does it (bulk mode, batches of 20k, rollups; the raw rows and rollup tables after).
 */
async function storeOnly(a: PhaseArgs): Promise<Result> {
  loadWasm();
  const clock: Clock = { now: a.manifest.endMs + CLOCK_SKEW_MS };
  const engine = await createEngine(clock);
  let insertMs = 0;
  let added = 0;
  engine.store.beginBulk();
  const parseMs = await parseInBatches(a.file, 20_000, recs => {
    const t0 = performance.now();
    added += engine.ingestRecords(a.file, recs);
    insertMs += performance.now() - t0;
  });
  const t1 = performance.now();
  engine.store.endBulk();
  // endBulk leaves the raw rows and rollup tables for after the first data: their cost, timed here
  engine.store.finishBulk();
  const indexMs = ms(t1);
  if (added !== a.manifest.calls) throw new Error(`store phase stored ${added}, expected ${a.manifest.calls}`);
  const t2 = performance.now();
  realtimeRefresh(engine, clock.now);
  const queriesMs = ms(t2);
  engine.dispose();
  return { insertMs, indexMs, parseMs, queriesMs, storeMs: insertMs + indexMs };
}

async function session(a: PhaseArgs): Promise<Result> {
  watchWasmMemory();
  loadWasm();
  const n = a.manifest.calls;
  const storeFile = path.join(a.dataDir, `store-${n}.sqlite`);
  const tailFile = path.join(a.dataDir, `tail-${n}.jsonl`);
  for (const f of [storeFile, tailFile]) fs.rmSync(f, { force: true });
  fs.writeFileSync(tailFile, '');
  const clock: Clock = { now: a.manifest.endMs + CLOCK_SKEW_MS };
  const out: Result = { storeFile, tailFile };

  // Load, with memory readings around it.
  gc();
  const rss0 = rssMb();
  resetPeakRss();
  const engine = await createEngine(clock, storeFile);
  const res = await engine.ingestFiles([a.file, tailFile]);
  // what the bulk load left for after the first data (see cold), done before the memory readings and refreshes
  engine.store.finishBulk();
  out.peakRssDuringIngestMb = peakRssMb() ?? undefined;
  gc();
  out.rssAfterLoadMb = rssMb();
  out.rssIncreaseAfterLoadMb = rssMb() - rss0;
  out.wasmHeapAfterLoadMb = wasmHeapMb() ?? undefined;
  out.arrayBuffersAfterLoadMb = arrayBuffersMb();
  if (res.records !== n) throw new Error(`session ingest stored ${res.records} records, expected ${n}`);

  progress(`session: loaded ${n} calls; dashboard refreshes`);
  // Full dashboard refreshes, each panel apart, each the first refresh after new data (see newCall).
  const marker = refreshMarker(engine, a, clock);
  for (const range of ['24h', '30d'] as const) {
    const totals: number[] = [];
    const panels: Record<string, number[]> = {};
    const t0 = performance.now();
    for (let i = 0; i < a.runs; i++) {
      if (i >= 3 && ms(t0) > 20_000) break;
      await marker.newCall();
      const r = fullRefresh(engine, clock.now, range);
      totals.push(r.totalMs);
      for (const [k, v] of r.panels) (panels[k] ??= []).push(v);
    }
    out[`refresh_${range}_totalMs`] = totals;
    out[`refresh_${range}_panels`] = panels;
  }

  progress(`session: ${LONG_REFRESHES} refreshes (at most ${LONG_REFRESH_BUDGET_MS / 1000} s)`);
  // An hour of auto-refresh, back to back: the panel refreshes the visible tab, here Real-time (the
  // default tab) over 24 h.
  // Before the appends: they put 30,000 calls into 90 s, a burst that would make every later refresh
  // read far more raw rows at the range's edge than steady traffic does.
  gc();
  const rssBefore = rssMb();
  const tLoop = performance.now();
  // Capped in time so a slow engine cannot make the bench run for an hour: the row says how many ran.
  let done = 0;
  while (done < LONG_REFRESHES && ms(tLoop) < LONG_REFRESH_BUDGET_MS) {
    realtimeRefresh(engine, clock.now, '24h');
    done++;
  }
  out.refreshLoopS = ms(tLoop) / 1000;
  out.refreshLoopCount = done;
  gc();
  out.rssAfterRefreshesMb = rssMb();
  out.rssGrowthOverRefreshesMb = rssMb() - rssBefore;
  out.wasmHeapAfterRefreshesMb = wasmHeapMb() ?? undefined;

  progress('session: appends');
  // Appends to a tailed file: time from the file change to the updated store, then to fresh Real-time data.
  const rng = new Prng(a.manifest.seed + 1);
  const appendStore: number[] = [];
  const appendPanels: number[] = [];
  const appendBehind: number[] = [];
  for (let k = 0; k < APPENDS; k++) {
    // 1,000 calls stamped over the 3 s after the data's end, 3 ms apart; the clock follows them.
    const from = a.manifest.endMs + CLOCK_SKEW_MS + k * 3000;
    const text = appendLines(rng, APPEND_LINES, from, 3);
    await new Promise(r => setTimeout(r, APPEND_GAP_MS));
    fs.appendFileSync(tailFile, text);
    clock.now = from + 3000;
    const t0 = performance.now();
    const r = await engine.ingestFiles([tailFile]);
    const t1 = performance.now();
    realtimeRefresh(engine, clock.now);
    const t2 = performance.now();
    if (r.records !== APPEND_LINES) throw new Error(`append ${k} stored ${r.records} records, expected ${APPEND_LINES}`);
    appendStore.push(t1 - t0);
    appendPanels.push(t2 - t0);
    // the append's raw rows, which the store writes into SQLite behind it (its timer, 250 ms later):
    // written here, timed, so that every append is measured from the same state and pays its own write
    const t3 = performance.now();
    await engine.callsReady();
    appendBehind.push(ms(t3));
  }
  out.appendStoreMs = appendStore;
  out.appendPanelsMs = appendPanels;
  out.appendBehindMs = appendBehind;
  // The marker calls leave before the count check and the persisted store (restart and export expect
  // exactly the generated calls).
  marker.remove();
  const expected = n + APPENDS * APPEND_LINES;
  const total = totalCalls(engine, clock.now);
  out.totalCalls = total;
  out.countCheck = `${total.toLocaleString('en-US')} calls in the store after ${APPENDS} appends of ${APPEND_LINES} (expected ${n.toLocaleString('en-US')} + ${APPENDS * APPEND_LINES} = ${expected.toLocaleString('en-US')}): ${total === expected ? 'ok' : 'MISMATCH'}`;

  const tp = performance.now();
  await engine.persist();
  out.persistMs = ms(tp);
  out.storeFileMb = fs.statSync(storeFile).size / (1024 * 1024);
  engine.dispose();
  return out;
}

/** A fresh process opening the persisted store: time until the Real-time tab has data. */
async function restart(a: PhaseArgs): Promise<Result> {
  if (!a.storeFile || !a.tailFile) throw new Error('restart needs the session store');
  loadWasm();
  const clock: Clock = { now: a.manifest.endMs + CLOCK_SKEW_MS + APPENDS * 3000 };
  const t0 = performance.now();
  const engine = await createEngine(clock, a.storeFile);
  const r = await engine.ingestFiles([a.file, a.tailFile]);
  realtimeRefresh(engine, clock.now);
  const t = ms(t0);
  const total = totalCalls(engine, clock.now);
  const ok = r.records === 0 && total === a.expectCalls;
  engine.dispose();
  return {
    ms: t, ok, reread: r.records, total,
    check: `re-read ${r.records} records; ${total.toLocaleString('en-US')} calls before and ${ok ? 'after' : `${a.expectCalls} expected after`}`,
  };
}

/** A fresh process opening the persisted store and writing every call as CSV to a file. */
async function exportPhase(a: PhaseArgs): Promise<Result> {
  if (!a.storeFile) throw new Error('export needs the session store');
  loadWasm();
  const clock: Clock = { now: a.manifest.endMs + CLOCK_SKEW_MS + APPENDS * 3000 };
  const engine = await createEngine(clock, a.storeFile);
  const file = path.join(a.dataDir, 'export.csv');
  gc();
  const rss0 = rssMb();
  resetPeakRss();
  const t0 = performance.now();
  const r = await exportCsv(engine, file, clock.now);
  const t = ms(t0);
  const peak = peakRssMb();
  const size = fs.statSync(file).size;
  fs.rmSync(file, { force: true });
  engine.dispose();
  return { ms: t, rows: r.rows, fileMb: size / (1024 * 1024), peakIncreaseMb: peak !== null ? peak - rss0 : undefined };
}

/**
 * The engine memoises query results until its data changes, so a second refresh of the same range is
 * a cache hit. What a live panel sees is the first refresh after a tail brought new calls: newCall()
 * appends one generated call, stamped just before the clock, to a file of its own and ingests it as
 * the log watcher would (the store's generation changes, every memo is stale). remove() forgets that
 * file's calls again, so counts and the persisted store hold exactly the generated data.
 */
function refreshMarker(engine: MonitorEngine, a: PhaseArgs, clock: Clock): { newCall(): Promise<void>; remove(): void } {
  const file = path.join(a.dataDir, `refresh-marker-${a.manifest.calls}.jsonl`);
  fs.writeFileSync(file, '');
  const rng = new Prng(a.manifest.seed + 3);
  return {
    async newCall(): Promise<void> {
      const gen = engine.store.generation;
      fs.appendFileSync(file, appendLines(rng, 1, clock.now - 1, 0));
      const r = await engine.ingestFiles([file]);
      if (r.records !== 1 || engine.store.generation === gen) throw new Error(`refresh marker: stored ${r.records} calls, generation ${gen} -> ${engine.store.generation}`);
    },
    remove(): void {
      engine.removeSource(file);
      fs.rmSync(file, { force: true });
    },
  };
}

/**
 * For profiling the queries alone (--profile=queries): the persisted store, full refreshes for ~10 s,
 * each after one new call (as the session measures them).
 */
async function queries(a: PhaseArgs): Promise<Result> {
  if (!a.storeFile) throw new Error('queries needs the session store');
  loadWasm();
  const clock: Clock = { now: a.manifest.endMs + APPENDS * 3000 + CLOCK_SKEW_MS };
  const engine = await createEngine(clock, a.storeFile);
  const marker = refreshMarker(engine, a, clock);
  const out: Result = {};
  for (const range of ['24h', '30d'] as const) {
    const t0 = performance.now();
    const totals: number[] = [];
    while (ms(t0) < 5000) {
      await marker.newCall();
      totals.push(fullRefresh(engine, clock.now, range).totalMs);
    }
    out[range] = totals;
  }
  marker.remove();
  engine.dispose();
  return out;
}

/** For profiling the tail path alone (--profile=append): the persisted store, a new tailed file, 30 appends. */
async function appendOnly(a: PhaseArgs): Promise<Result> {
  if (!a.storeFile) throw new Error('append needs the session store');
  loadWasm();
  const clock: Clock = { now: a.manifest.endMs + CLOCK_SKEW_MS + APPENDS * 3000 };
  const engine = await createEngine(clock, a.storeFile);
  const tail = path.join(a.dataDir, 'tail-profile.jsonl');
  fs.writeFileSync(tail, '');
  await engine.ingestFiles([tail]);
  const rng = new Prng(a.manifest.seed + 2);
  const store: number[] = [];
  const panels: number[] = [];
  for (let k = 0; k < APPENDS; k++) {
    const from = clock.now;
    await new Promise(r => setTimeout(r, APPEND_GAP_MS));
    fs.appendFileSync(tail, appendLines(rng, APPEND_LINES, from, 3));
    clock.now = from + 3000;
    const t0 = performance.now();
    await engine.ingestFiles([tail]);
    const t1 = performance.now();
    realtimeRefresh(engine, clock.now);
    store.push(t1 - t0);
    panels.push(ms(t0));
    await engine.callsReady();
  }
  engine.dispose();
  fs.rmSync(tail, { force: true });
  return { store, panels };
}
