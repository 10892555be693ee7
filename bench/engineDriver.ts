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
import type { DashboardEngine } from '../src/host/dashboard/assemble';
import type { DashboardFilter } from '../src/shared/protocol';
import { csvRows } from '../src/core/export/csv';

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

export function loadWasm(): Uint8Array {
  return (cachedWasm ??= wasmBytes());
}

export async function createEngine(clock: Clock, storeFile?: string): Promise<MonitorEngine> {
  return MonitorEngine.create({
    wasmBinary: loadWasm(),
    storeFile,
    // The data spans exactly 30 days before its end and the clock runs a little past it: 31 days of
    // retention keeps every generated call, so counts can be checked exactly.
    retentionDays: 31,
    timeZone: TIME_ZONE,
    // As the extension runs: calls without a logged cost are priced from the bundled table.
    pricer: createPricer({}),
    now: () => clock.now,
    log: (m: string) => { if (process.env.BENCH_VERBOSE) process.stderr.write(`[engine] ${m}\n`); },
  });
}

export interface PanelTiming {
  /** "tab: query (role)" → ms summed over the calls of one refresh */
  panels: Map<string, number>;
  totalMs: number;
}

/**
 * Wraps the engine so every query is timed and labelled by the panel that asked for it. The label
 * says the role of the range (the selected range, the previous window, a cost total, a day of the
 * stacked chart, the failed calls) because that is what tells the panels apart.
 */
function timedEngine(engine: MonitorEngineApi, tab: string, range: { from: number; to: number }, sink: Map<string, number>): DashboardEngine {
  const prev = previousBounds(range);
  const role = (method: string, f: QueryFilter): string => {
    const isRange = f.from === range.from && f.to === range.to;
    const isPrev = f.from === prev.from && f.to === prev.to;
    if (f.status === 'error') return 'failed calls';
    if (isRange) return 'range';
    if (isPrev) return 'previous window';
    if (method === 'byModel' && f.to - f.from <= DAY + 3_600_000) return 'per day, stacked';
    if (method === 'window') return 'cost totals: today, 7 d, 30 d, month';
    return 'other';
  };
  const wrap = <T>(method: string, fn: (f: QueryFilter) => T) => (f: QueryFilter): T => {
    const t0 = performance.now();
    const r = fn(f);
    const label = `${tab}: ${method} (${role(method, f)})`;
    sink.set(label, (sink.get(label) ?? 0) + performance.now() - t0);
    return r;
  };
  return {
    window: wrap('window', f => engine.window(f)),
    series: wrap('series', f => engine.series(f)),
    byEndpoint: wrap('byEndpoint', f => engine.byEndpoint(f)),
    byModel: wrap('byModel', f => engine.byModel(f)),
  };
}

/** The Real-time tab, as the panel assembles it (the first thing the dashboard shows). */
export function realtimeRefresh(engine: MonitorEngineApi, now: number, range: DashboardFilter['range'] = '24h'): PanelTiming {
  const panels = new Map<string, number>();
  const filter: DashboardFilter = { range };
  const t0 = performance.now();
  assembleRealtime(timedEngine(engine, 'realtime', rangeBounds(filter, now), panels), filter, now, [], []);
  return { panels, totalMs: performance.now() - t0 };
}

/** Every tab's queries for one range (Alerts excluded: its data is the alert history, not the call store). */
export function fullRefresh(engine: MonitorEngineApi, now: number, range: DashboardFilter['range']): PanelTiming {
  const panels = new Map<string, number>();
  const filter: DashboardFilter = { range };
  const b = rangeBounds(filter, now);
  const t0 = performance.now();
  assembleRealtime(timedEngine(engine, 'realtime', b, panels), filter, now, [], []);
  assembleHistory(timedEngine(engine, 'history', b, panels), filter, now);
  assembleCost(timedEngine(engine, 'cost', b, panels), filter, now, TIME_ZONE);
  assembleCache(timedEngine(engine, 'cache', b, panels), filter, now);
  const e = engine as unknown as Record<string, unknown>;
  // The filters' choices (endpoint and model lists, first/last call) travel with every snapshot.
  for (const m of ['dimensions', 'timeBounds']) {
    if (typeof e[m] !== 'function') continue;
    const t = performance.now();
    (e[m] as () => unknown).call(engine);
    panels.set(`meta: ${m}`, performance.now() - t);
  }
  return { panels, totalMs: performance.now() - t0 };
}

/** All calls in the store (a window over the whole data), for the "no line read twice" checks. */
export function totalCalls(engine: MonitorEngineApi, endMs: number): number {
  return engine.window({ from: 0, to: endMs + 365 * DAY }).calls;
}

/** Streams every call as CSV to a file, honouring backpressure. Returns the data rows written. */
export async function exportCsv(engine: MonitorEngineApi, file: string, endMs: number, onChunk?: () => void): Promise<{ rows: number; bytes: number }> {
  const out = fs.createWriteStream(file);
  let bytes = 0;
  let newlines = 0;
  for (const chunk of csvRows(engine.iterateCalls({ from: 0, to: endMs + 365 * DAY }), { timeZone: TIME_ZONE })) {
    bytes += chunk.length;
    // Count rows by line ends outside quotes is overkill here: the bench data has no newlines in fields.
    for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) newlines++;
    if (!out.write(chunk)) await once(out, 'drain');
    onChunk?.();
  }
  out.end();
  await once(out, 'finish');
  return { rows: newlines - 1, bytes };
}
