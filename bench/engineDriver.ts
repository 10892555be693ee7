// Everything the bench needs from the engine, in one place: how it is created, which queries make
// up each dashboard tab (through the dashboard's own assembly functions, so we time what the
// panel really asks for), the record count, and the CSV export.
import * as fs from 'fs';
import * as path from 'path';
import { once } from 'events';
import type { MonitorEngineApi } from '../src/core/engine';
import { MonitorEngine } from '../src/core/monitorEngine';
import { createPricer } from '../src/core/pricing/pricer';
import type { QueryFilter } from '../src/core/model';
import { assembleRealtime, assembleHistory, assembleCost, assembleCache, rangeBounds, previousBounds } from '../src/host/dashboard/assemble';
import type { DashboardEngine, DashboardPricing } from '../src/host/dashboard/assemble';
import { makeDashboardPricing } from '../src/host/dashboard/pricingAdapter';
import type { PricingDeps } from '../src/host/dashboard/pricingAdapter';
import type { DashboardFilter } from '../src/shared/protocol';
import { EXPORT_STREAM_BUFFER } from '../src/core/export/csv';
import { csvExportChunks } from '../src/core/export/storeCsv';

export const TIME_ZONE = 'UTC';
const DAY = 86_400_000;

export interface Clock {
  now: number;
}

function wasmBytes(): Uint8Array {
  // The repo's copy: the bench never fetches anything.
  const candidates = [path.resolve(__dirname, '..', '..', 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm'),
    path.resolve(process.cwd(), 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm')];
  for (const c of candidates) if (fs.existsSync(c)) return fs.readFileSync(c);
  throw new Error('sql-wasm.wasm not found under node_modules/sql.js/dist');
}

let cachedWasm: Uint8Array | undefined;

/** The bundled price table, as the extension uses it by default (one instance for ingest and the Cost tab). */
const PRICER = createPricer({});

export function loadWasm(): Uint8Array {
  return (cachedWasm ??= wasmBytes());
}

/**
 * The ingest worker bundle (dist/ingestWorker.js, built by `node esbuild.mjs`), as the extension and the
 * CLI use it: large reads parse in a worker thread while the engine stores. BENCH_INGEST_WORKER=0 turns
 * it off (A/B runs). Without the bundle, or with one older than the ingest sources (it would parse with
 * other code than the engine's), the engine parses in its own thread and this says why on stderr.
 */
export function ingestWorkerScript(): string | undefined {
  if (process.env.BENCH_INGEST_WORKER === '0') return undefined;
  // next to the bench bundle if bench/build.mjs bundles it there, else the extension's build
  const candidates = [path.resolve(__dirname, 'ingestWorker.js'), path.resolve(__dirname, '..', '..', 'dist', 'ingestWorker.js'),
    path.resolve(process.cwd(), 'dist', 'ingestWorker.js')];
  const script = candidates.find(c => fs.existsSync(c));
  if (!script) {
    process.stderr.write('bench: no ingest worker bundle (run node esbuild.mjs): parsing in the engine thread\n');
    return undefined;
  }
  const src = path.resolve(__dirname, '..', '..', 'src', 'core');
  const built = fs.statSync(script).mtimeMs;
  const sources = [path.join(src, 'model.ts'), ...(fs.existsSync(path.join(src, 'ingest')) ? fs.readdirSync(path.join(src, 'ingest')).map(f => path.join(src, 'ingest', f)) : [])];
  const newer = sources.find(f => fs.existsSync(f) && fs.statSync(f).mtimeMs > built);
  if (newer) {
    process.stderr.write(`bench: ${path.relative(process.cwd(), script)} is older than ${path.relative(process.cwd(), newer)} (run node esbuild.mjs): parsing in the engine thread\n`);
    return undefined;
  }
  return script;
}

export async function createEngine(clock: Clock, storeFile?: string): Promise<MonitorEngine> {
  return MonitorEngine.create({
    workerScript: ingestWorkerScript(),
    wasmBinary: loadWasm(),
    storeFile,
    // The data spans exactly 30 days before its end and the clock runs a little past it: 31 days of
    // retention keeps every generated call, so counts can be checked exactly.
    retentionDays: 31,
    timeZone: TIME_ZONE,
    // As the extension runs: calls without a logged cost are priced from the bundled table.
    pricer: PRICER,
    now: () => clock.now,
    log: (m: string) => { if (process.env.BENCH_VERBOSE) process.stderr.write(`[engine] ${m}\n`); },
  });
}

export interface PanelTiming {
  /** "tab: query (role)" → ms summed over the calls of one refresh */
  panels: Map<string, number>;
  totalMs: number;
}

/** Every engine method a dashboard tab may call (the optional ones when the engine has them). */
const ENGINE_METHODS = ['window', 'series', 'byEndpoint', 'byModel', 'costTotals', 'costSummary', 'dailyCost', 'costByEndpoint',
  'costByModel', 'cacheStats', 'tokenUsage', 'duplicateRequests', 'dimensions', 'timeBounds'] as const;

const isFilter = (x: unknown): x is QueryFilter =>
  typeof x === 'object' && x !== null && typeof (x as QueryFilter).from === 'number' && typeof (x as QueryFilter).to === 'number';

/**
 * Wraps the engine so every query is timed and labelled by the panel that asked for it. The label
 * says the role of the range (the selected range, the previous window, a day, the failed calls)
 * because that is what tells the panels apart.
 */
function timedEngine(engine: MonitorEngine, tab: string, range: { from: number; to: number }, sink: Map<string, number>): DashboardEngine {
  const prev = previousBounds(range);
  const role = (f: unknown): string => {
    if (!isFilter(f)) return '';
    if (f.status === 'error') return ' (failed calls)';
    if (f.from === range.from && f.to === range.to) return ' (range)';
    if (f.from === prev.from && f.to === prev.to) return ' (previous window)';
    if (f.to - f.from <= DAY + 3_600_000) return ' (one day)';
    return ' (other range)';
  };
  const out: Record<string, unknown> = {};
  const e = engine as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const m of ENGINE_METHODS) {
    if (typeof e[m] !== 'function') continue;
    out[m] = (...args: unknown[]): unknown => {
      const t0 = performance.now();
      const r = e[m].apply(engine, args);
      const label = `${tab}: ${m}${role(args[0])}`;
      sink.set(label, (sink.get(label) ?? 0) + performance.now() - t0);
      return r;
    };
  }
  return out as unknown as DashboardEngine;
}

/** The pricing side of the Cost and Cache tabs, each function timed as one panel (its engine calls inside). */
function timedPricing(engine: MonitorEngine, tab: string, sink: Map<string, number>): DashboardPricing {
  const deps: PricingDeps = {
    engine: engine as unknown as DashboardEngine,
    pricer: () => PRICER,
    // A monthly budget, as a team would set one: the projection then computes the budget status too.
    budget: () => ({ amount: 1000, period: 'month', warnAt: [50, 80, 100] }),
    timeZone: () => TIME_ZONE,
  };
  const p = makeDashboardPricing(deps, () => engine.dimensions().models) as unknown as Record<string, (...a: unknown[]) => unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, fn] of Object.entries(p)) {
    out[k] = (...args: unknown[]): unknown => {
      const t0 = performance.now();
      const r = fn(...args);
      const label = `${tab}: pricing ${k}`;
      sink.set(label, (sink.get(label) ?? 0) + performance.now() - t0);
      return r;
    };
  }
  return out as DashboardPricing;
}

/** The Real-time tab, as the panel assembles it (the first thing the dashboard shows). */
export function realtimeRefresh(engine: MonitorEngine, now: number, range: DashboardFilter['range'] = '24h'): PanelTiming {
  const panels = new Map<string, number>();
  const filter: DashboardFilter = { range };
  const t0 = performance.now();
  assembleRealtime(timedEngine(engine, 'realtime', rangeBounds(filter, now), panels), filter, now, [], []);
  return { panels, totalMs: performance.now() - t0 };
}

/**
 * Every tab's queries for one range, as src/host/dashboard/dashboardController.ts computes them, but
 * with none of its short-lived caches (the snapshot right after an ingest): the filter meta
 * (dimensions, time bounds, call count), Real-time, History, Cost (with the projection against a
 * budget and the recommendations, which the panel may defer to a second snapshot) and Cache.
 * The Alerts tab is left out: its data is the alert history, not the call store.
 */
export function fullRefresh(engine: MonitorEngine, now: number, range: DashboardFilter['range']): PanelTiming {
  const panels = new Map<string, number>();
  const filter: DashboardFilter = { range };
  const b = rangeBounds(filter, now);
  const t0 = performance.now();
  const meta = timedEngine(engine, 'meta', b, panels);
  meta.dimensions?.();
  const tb = meta.timeBounds?.();
  if (tb) meta.costSummary?.({ from: tb.first, to: tb.last + 1 });
  assembleRealtime(timedEngine(engine, 'realtime', b, panels), filter, now, [], []);
  assembleHistory(timedEngine(engine, 'history', b, panels), filter, now);
  assembleCost(timedEngine(engine, 'cost', b, panels), filter, now, TIME_ZONE, timedPricing(engine, 'cost', panels));
  assembleCache(timedEngine(engine, 'cache', b, panels), filter, now, timedPricing(engine, 'cache', panels));
  return { panels, totalMs: performance.now() - t0 };
}

/** All calls in the store (a window over the whole data), for the "no line read twice" checks. */
export function totalCalls(engine: MonitorEngine, endMs: number): number {
  return engine.window({ from: 0, to: endMs + 365 * DAY }).calls;
}

/** Streams every call as CSV to a file, honouring backpressure. Returns the data rows written. */
export async function exportCsv(engine: MonitorEngineApi, file: string, endMs: number, onChunk?: () => void): Promise<{ rows: number; bytes: number }> {
  // the buffer the extension's and the CLI's export streams use (src/core/export/csv.ts EXPORT_STREAM_BUFFER)
  const out = fs.createWriteStream(file, { highWaterMark: EXPORT_STREAM_BUFFER });
  let bytes = 0;
  // the product's CSV export (the extension's command and the CLI go through csvExportChunks too); it
  // counts the rows it writes (not newlines in the output: a scan of 160 MB of text would be the
  // bench's own cost, not the export's)
  const chunks = csvExportChunks(engine, { from: 0, to: endMs + 365 * DAY }, { timeZone: TIME_ZONE });
  for (const chunk of chunks) {
    bytes += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
    onChunk?.();
  }
  out.end();
  await once(out, 'finish');
  return { rows: chunks.rows, bytes };
}
