// The building blocks of every metric query: a filter compiled for raw rows and rollups, a range
// split into rollup-aligned parts, summed measures per group, and latency distributions.
import type { SqlValue } from 'sql.js';
import type { QueryFilter } from '../model';
import type { CallStore } from '../store/callStore';
import { R_COLS, R_COST, R_CR, R_CW, R_CW1H, R_E, R_IN, R_LAT, R_M, R_OUT, R_P, R_RC, R_REAS, R_RETRY, R_S } from '../store/callStore';
import { DAY_MS, HOUR_MS, MEASURES, MINUTE_MS, latencyBucket } from '../store/rollups';
import { ExactDist, HistDist, LatencyDist, RunsDist } from './percentile';
import { hourPieces, piece } from './pieceCache';

export interface QueryContext {
  store: CallStore;
  /** IANA zone for day buckets; undefined = the machine's zone */
  timeZone?: string;
  /** always compute percentiles from raw rows (the CLI: one-off reports, no 10 ms budget) */
  exactPercentiles?: boolean;
}

/** Ranges up to this length are answered from raw rows (exact percentiles). */
export const RAW_RANGE_MS = 24 * HOUR_MS;

export type Dim = 'e' | 'm' | 'p';
const RAW_DIM: Record<Dim, string> = { e: 'c.endpoint_id', m: 'c.model_id', p: 'c.provider_id' };

export interface CompiledFilter {
  /** false when a named endpoint/model/provider was never seen: nothing can match */
  ok: boolean;
  raw: string;
  roll: string;
  /** parts usable on hist_day (endpoint and model only) */
  histDay: string;
  params: SqlValue[];
  histDayParams: SqlValue[];
  /** the filter uses provider or status, which the histograms do not have */
  needsRaw: boolean;
  /** the filter uses endpoint or model, which hist_hour does not have */
  hasDims: boolean;
  /** the filter uses provider */
  hasProvider: boolean;
}

export function compileFilter(store: CallStore, f: QueryFilter): CompiledFilter {
  const out: CompiledFilter = { ok: true, raw: '', roll: '', histDay: '', params: [], histDayParams: [], needsRaw: false, hasDims: false, hasProvider: false };
  const dims: [Dim, 'endpoint' | 'model' | 'provider', string | undefined][] = [['e', 'endpoint', f.endpoint], ['m', 'model', f.model], ['p', 'provider', f.provider]];
  for (const [d, kind, name] of dims) {
    if (name === undefined) continue;
    const id = store.dimId(kind, name);
    if (id === undefined) { out.ok = false; continue; }
    out.raw += ` AND ${RAW_DIM[d]} = ?`;
    out.roll += ` AND ${d} = ?`;
    out.params.push(id);
    if (d === 'p') { out.needsRaw = true; out.hasProvider = true; }
    else { out.histDay += ` AND ${d} = ?`; out.histDayParams.push(id); out.hasDims = true; }
  }
  if (f.status) {
    const s = f.status === 'ok' ? 1 : 0;
    out.raw += ` AND c.success = ${s}`;
    out.roll += ` AND s = ${s}`;
    out.needsRaw = true;
  }
  return out;
}

export type Span = [number, number];
export interface SplitRange { day: Span[]; hour: Span[]; minute: Span[]; raw: Span[] }

const ceilTo = (t: number, g: number): number => Math.ceil(t / g) * g;
const floorTo = (t: number, g: number): number => Math.floor(t / g) * g;

/** [from, to) as whole UTC days, whole hours at the edges, and raw pieces shorter than an hour. */
export function splitRange(from: number, to: number, useDays = true): SplitRange {
  const out: SplitRange = { day: [], hour: [], minute: [], raw: [] };
  const hourly = (a: number, b: number): void => {
    if (a >= b) return;
    const hs = ceilTo(a, HOUR_MS), he = floorTo(b, HOUR_MS);
    if (hs < he) {
      out.hour.push([hs, he]);
      if (a < hs) out.raw.push([a, hs]);
      if (he < b) out.raw.push([he, b]);
    } else out.raw.push([a, b]);
  };
  const ds = ceilTo(from, DAY_MS), de = floorTo(to, DAY_MS);
  if (useDays && ds < de) {
    out.day.push([ds, de]);
    hourly(from, ds);
    hourly(de, to);
  } else hourly(from, to);
  return out;
}

/** Index of the errors measure, after MEASURES. */
export const ERRORS = MEASURES.length;
/** Index of the wasted-cost measure (cost of calls that failed or were retries, each once). */
export const WASTED = MEASURES.length + 1;
export const M = Object.fromEntries(MEASURES.map((m, i) => [m, i])) as Record<typeof MEASURES[number], number>;
const NM = MEASURES.length + 2;

const RAW_MEASURES = `count(*), count(c.latency_ms), total(c.latency_ms), count(c.response_cache_hit), total(c.response_cache_hit = 1),
  count(c.input_tokens), total(c.input_tokens), total(c.output_tokens), total(c.cache_read_tokens), total(c.cache_write_tokens),
  total(c.cache_write_1h_tokens), total(c.reasoning_tokens), total(c.cost_usd), count(*) - count(c.cost_usd),
  total(c.retry_count > 0), total(CASE WHEN c.retry_count > 0 THEN c.cost_usd END), total(c.response_cache_hit IS NOT 1),
  total(CASE WHEN c.response_cache_hit IS NOT 1 THEN c.cost_usd END), total(c.response_cache_hit IS NOT 1 AND c.cost_usd IS NULL),
  total(c.success = 0), total(CASE WHEN c.success = 0 OR c.retry_count > 0 THEN c.cost_usd END)`;
const ROLL_MEASURES = `${MEASURES.map(m => `total(${m})`).join(', ')}, total(CASE WHEN s = 0 THEN calls END),
  total(CASE WHEN s = 0 THEN cost_usd ELSE retry_cost END)`;

export function zeroMeasures(): number[] {
  return new Array<number>(NM).fill(0);
}

const DIM_COL: Record<Dim, number> = { e: R_E, m: R_M, p: R_P };
/** Two dimension ids as one number (ids stay far below 2^26). */
const DIM_SHIFT = 67_108_864;

/**
 * Rows of [a, b) matching the filter from the store's in-memory recent rows, grouped like the raw SQL
 * (key = optional `${slot}|` then dimension ids joined by ','): make(key) creates a group once,
 * each(group, rows, offset) sees every row. Returns false when [a, b) is older than those rows
 * (the caller reads the table instead).
 */
export function scanRecent<T>(ctx: QueryContext, f: QueryFilter, a: number, b: number, dims: Dim[], grain: number | undefined,
  latencyOnly: boolean, make: (key: string) => T, each: (g: T, rows: Float64Array, o: number) => void): boolean {
  if (dims.length > 2) return false;
  const rec = ctx.store.recentRows();
  if (a < rec.from) return false;
  const id = (kind: 'endpoint' | 'model' | 'provider', name: string | undefined): number => (name === undefined ? -1 : ctx.store.dimId(kind, name) ?? -2);
  const eId = id('endpoint', f.endpoint), mId = id('model', f.model), pId = id('provider', f.provider);
  if (eId === -2 || mId === -2 || pId === -2) return true;
  const wantS = f.status === 'ok' ? 1 : f.status === 'error' ? 0 : -1;
  const c0 = dims.length > 0 ? DIM_COL[dims[0]] : -1, c1 = dims.length > 1 ? DIM_COL[dims[1]] : -1;
  const groups = new Map<number, Map<number, T>>();
  const rows = rec.rows;
  let lastSlot = NaN, lastDk = NaN;
  let last: T | undefined;
  let inner: Map<number, T> | undefined;
  // rows are in ts order: binary search for the first row at or after a, stop at b
  let lo = 0, hi = rec.n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid * R_COLS] < a) lo = mid + 1; else hi = mid;
  }
  for (let o = lo * R_COLS, end = rec.n * R_COLS; o < end; o += R_COLS) {
    const ts = rows[o];
    if (ts >= b) break;
    if ((eId >= 0 && rows[o + R_E] !== eId) || (mId >= 0 && rows[o + R_M] !== mId) || (pId >= 0 && rows[o + R_P] !== pId)) continue;
    if ((wantS >= 0 && rows[o + R_S] !== wantS) || (latencyOnly && rows[o + R_LAT] !== rows[o + R_LAT])) continue;
    const slot = grain === undefined ? 0 : ts - (ts % grain);
    const dk = c0 < 0 ? 0 : c1 < 0 ? rows[o + c0] : rows[o + c0] * DIM_SHIFT + rows[o + c1];
    if (slot !== lastSlot || dk !== lastDk || last === undefined) {
      // the slot's groups are looked up only when the slot changes (rows of one slot are adjacent)
      if (slot !== lastSlot || inner === undefined) {
        inner = groups.get(slot);
        if (!inner) { inner = new Map(); groups.set(slot, inner); }
      }
      let g = inner.get(dk);
      if (g === undefined) {
        const ids = c0 < 0 ? '' : c1 < 0 ? `${rows[o + c0]}` : `${rows[o + c0]},${rows[o + c1]}`;
        g = make((grain === undefined ? '' : `${slot}|`) + ids);
        inner.set(dk, g);
      }
      lastSlot = slot; lastDk = dk; last = g;
    }
    each(last, rows, o);
  }
  return true;
}

/** One recent row's measures added to acc, as RAW_MEASURES sums them (NaN = null). */
function addRecentRow(acc: number[], r: Float64Array, o: number): void {
  const lat = r[o + R_LAT], rc = r[o + R_RC], input = r[o + R_IN], out = r[o + R_OUT], cost = r[o + R_COST], retry = r[o + R_RETRY];
  const priced = cost === cost;
  const c = priced ? cost : 0;
  acc[0]++;
  if (lat === lat) { acc[1]++; acc[2] += lat; }
  if (rc === rc) { acc[3]++; if (rc === 1) acc[4]++; }
  if (input === input) { acc[5]++; acc[6] += input; }
  if (out === out) acc[7] += out;
  acc[8] += r[o + R_CR]; acc[9] += r[o + R_CW]; acc[10] += r[o + R_CW1H]; acc[11] += r[o + R_REAS];
  acc[12] += c;
  if (!priced) acc[13]++;
  if (retry > 0) { acc[14]++; acc[15] += c; }
  if (rc !== 1) { acc[16]++; acc[17] += c; if (!priced) acc[18]++; }
  const failed = r[o + R_S] === 0;
  if (failed) acc[ERRORS]++;
  if (failed || retry > 0) acc[WASTED] += c;
}

/**
 * Summed measures per group (key = dimension ids joined by ',', '' with no dims) and, when grain is
 * given, per time slot of that grain (key prefix `${slotStart}|`). Ranges over 24 h read the rollups
 * (whole days, whole hours) plus raw rows at the edges; shorter ones read raw rows only.
 * With a grain, day rollups are not used (slots must be hour-aligned, e.g. for local-zone days).
 */
export function aggregate(ctx: QueryContext, filter: QueryFilter, dims: Dim[] = [], grain?: number, forceRaw = false): Map<string, number[]> {
  // One grouping serves its coarser ones: a full refresh asks for endpoint, model and (endpoint, model)
  // groups of the same range (byEndpoint, byModel, costBy*, cacheStats, tokenUsage), each a read of the
  // same rollups and raw edges; (endpoint, model) is read once and summed down.
  // (Not for a grain or forceRaw: those are one-off reads, where the finer grouping only costs more.)
  if (dims.length === 1 && dims[0] !== 'p' && grain === undefined && !forceRaw) {
    const col = dims[0] === 'e' ? 0 : 1;
    return ctx.store.memo(`agg\u0000${memoKey(filter, dims, grain)}\u0000${forceRaw}`,
      () => sumDown(aggregate(ctx, filter, ['e', 'm'], grain, forceRaw), col));
  }
  // Memoised until the next change to the store (the result is shared: callers only read it), and kept
  // across changes while no hour of the range changes (the previous window, closed days...).
  const key = `agg\u0000${memoKey(filter, dims, grain)}\u0000${forceRaw}`;
  return ctx.store.memo(key, () => piece(ctx.store, `q${key}`, filter.from, filter.to, true, () => aggregateNow(ctx, filter, dims, grain, forceRaw),
    m => m.size * NM));
}

/** About how many numbers latency distributions hold (a histogram's dense array: 1,024). */
function distWeight(m: Map<string, LatencyDist>): number {
  let w = 0;
  for (const d of m.values()) w += d.approx ? 1024 : d.n;
  return w;
}

/** Groups keyed `[slot|]e,m` summed to `[slot|]e` (col 0) or `[slot|]m` (col 1). */
function sumDown(src: Map<string, number[]>, col: 0 | 1): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [key, m] of src) {
    const bar = key.indexOf('|');
    const ids = key.slice(bar + 1).split(',');
    const k = key.slice(0, bar + 1) + ids[col];
    let acc = out.get(k);
    if (!acc) { acc = zeroMeasures(); out.set(k, acc); }
    for (let i = 0; i < NM; i++) acc[i] += m[i];
  }
  return out;
}

/** The memo key of a query: every filter field, the grouping and the grain. */
function memoKey(f: QueryFilter, dims: Dim[], grain: number | undefined): string {
  return JSON.stringify([f.from, f.to, f.endpoint ?? null, f.model ?? null, f.provider ?? null, f.status ?? null, dims, grain ?? null]);
}

function aggregateNow(ctx: QueryContext, filter: QueryFilter, dims: Dim[], grain: number | undefined, forceRaw: boolean): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const cf = compileFilter(ctx.store, filter);
  if (!cf.ok || filter.to <= filter.from) return out;
  const { from, to } = filter;
  // Sums are exact in every tier, so any range reads whole days / hours / minutes from the rollups and
  // only the ragged edges from raw rows. Minute totals have no dimensions: only for unfiltered totals.
  let split: SplitRange = { day: [], hour: [], minute: [], raw: [[from, to]] };
  if (!forceRaw) {
    if (grain === undefined || grain % HOUR_MS === 0) split = splitRange(from, to, grain === undefined);
    const minuteOk = dims.length === 0 && !cf.hasDims && !cf.hasProvider && (grain === undefined || grain % MINUTE_MS === 0);
    if (minuteOk) {
      const raw: Span[] = [];
      for (const [a, b] of split.raw) {
        const ms = ceilTo(a, MINUTE_MS), me = floorTo(b, MINUTE_MS);
        if (ms < me) {
          split.minute.push([ms, me]);
          if (a < ms) raw.push([a, ms]);
          if (me < b) raw.push([me, b]);
        } else raw.push([a, b]);
      }
      split.raw = raw;
    }
  }
  const rawKey = dims.map(d => RAW_DIM[d]);
  const rollKey = [...dims];
  const slotRaw = grain === undefined ? null : `(c.ts - (c.ts % ${grain}))`;
  // rollup rows start on whole hours (minutes): with an hour grain the slot is t itself, which lets
  // SQLite group in key order instead of by an expression
  const slotRoll = (table: string): string | null => grain === undefined ? null
    : (grain === HOUR_MS && table !== 'roll_minute') || grain === MINUTE_MS ? 't' : `(t - (t % ${grain}))`;
  // Every piece of the range (whole days, an hour span, a raw edge...) is kept across data changes
  // until one of its hours changes (pieceCache.ts): after a tail append only the newest hour is read
  // again. A piece is its groups in the order they were summed, added into out in that order (the
  // sums come out as when the pieces were added straight into out).
  const fkey = JSON.stringify([filter.endpoint ?? null, filter.model ?? null, filter.provider ?? null, filter.status ?? null, dims, grain ?? null]);
  const addPiece = (kind: string, a: number, b: number, raw: boolean, compute: () => [string, number[]][]): void => {
    for (const [key, m] of piece(ctx.store, `agg\u0000${kind}\u0000${a}\u0000${b}\u0000${fkey}`, a, b, raw, compute, v => v.length * NM)) {
      let acc = out.get(key);
      if (!acc) { acc = zeroMeasures(); out.set(key, acc); }
      for (let i = 0; i < NM; i++) acc[i] += m[i];
    }
  };
  const run = (sql: string, params: SqlValue[], nKey: number, hasSlot: boolean): [string, number[]][] => {
    const rows: [string, number[]][] = [];
    for (const r of ctx.store.all(sql, params)) {
      const slot = hasSlot ? `${Number(r[0])}|` : '';
      const key = slot + r.slice(hasSlot ? 1 : 0, nKey).map(v => Number(v)).join(',');
      const m = new Array<number>(NM);
      for (let i = 0; i < NM; i++) m[i] = Number(r[nKey + i] ?? 0);
      rows.push([key, m]);
    }
    return rows;
  };
  const keyCols = (slot: string | null, cols: string[]): string[] => (slot ? [slot, ...cols] : cols);
  const totalsOnly = dims.length === 0 && !cf.hasDims && !cf.hasProvider;
  if (totalsOnly) {
    // Unfiltered hour spans come from the store's in-memory hour totals (no scan of the dimensioned rows).
    const wantS = filter.status === 'ok' ? 1 : filter.status === 'error' ? 0 : -1;
    // whole days too: the in-memory hours beat a scan of the dimensioned day rows
    const spans = [...split.day, ...split.hour];
    if (spans.length) {
      // One piece for all the spans, summed in one run as before: out is still empty, so adding the
      // piece's sums into it gives the same numbers.
      let lo = Infinity, hi = -Infinity;
      for (const [a, b] of spans) { lo = Math.min(lo, a); hi = Math.max(hi, b); }
      addPiece(`hours${JSON.stringify(spans)}`, lo, hi, false, () => {
        const part = new Map<string, number[]>();
        for (const [a, b] of spans) {
          ctx.store.eachHourTotal(a, b, (t, s, v) => {
            if (wantS >= 0 && s !== wantS) return;
            const key = grain === undefined ? '' : `${t - (t % grain)}|`;
            let acc = part.get(key);
            if (!acc) { acc = zeroMeasures(); part.set(key, acc); }
            for (let i = 0; i < v.length; i++) acc[i] += v[i];
            if (s === 0) { acc[ERRORS] += v[M.calls]; acc[WASTED] += v[M.cost_usd]; } else acc[WASTED] += v[M.retry_cost];
          });
        }
        return [...part];
      });
    }
    split.hour = [];
    split.day = [];
  }
  if (split.day.length) {
    // Whole days from the store's in-memory mirror of roll_day (~2k rows at 1M calls; the SQL GROUP BY
    // was most of a dimensioned 30-day panel). Only without a grain: day rows are not hour-aligned slots.
    const id = (kind: 'endpoint' | 'model' | 'provider', name: string | undefined): number => (name === undefined ? -1 : ctx.store.dimId(kind, name) ?? -2);
    const eId = id('endpoint', filter.endpoint), mId = id('model', filter.model), pId = id('provider', filter.provider);
    const wantS = filter.status === 'ok' ? 1 : filter.status === 'error' ? 0 : -1;
    for (const [a, b] of split.day) {
      addPiece('day', a, b, false, () => {
        const part = new Map<string, number[]>();
        ctx.store.eachDayRollup(a, b, (_t, e, m, p, s, v) => {
          if ((eId !== -1 && e !== eId) || (mId !== -1 && m !== mId) || (pId !== -1 && p !== pId) || (wantS >= 0 && s !== wantS)) return;
          const key = dims.map(d => (d === 'e' ? e : d === 'm' ? m : p)).join(',');
          let acc = part.get(key);
          if (!acc) { acc = zeroMeasures(); part.set(key, acc); }
          for (let i = 0; i < MEASURES.length; i++) acc[i] += v[4 + i];
          if (s === 0) { acc[ERRORS] += v[4 + M.calls]; acc[WASTED] += v[4 + M.cost_usd]; } else acc[WASTED] += v[4 + M.retry_cost];
        });
        return [...part];
      });
    }
    split.day = [];
  }
  for (const [table, spans] of [['roll_day', split.day], ['roll_hour', split.hour], ['roll_minute', split.minute]] as [string, Span[]][]) {
    for (const [a, b] of spans) {
      const cols = keyCols(slotRoll(table), table === 'roll_minute' ? [] : rollKey);
      const sel = cols.length ? `${cols.join(', ')}, ` : '';
      const grp = cols.length ? ` GROUP BY ${cols.map((_, i) => i + 1).join(', ')}` : '';
      // A long minute span (the 24 h series' 15-minute slots) is read an hour at a time, as raw spans
      // below: a slot's rows are the same rows in the same (key) order either way.
      const cut = table === 'roll_minute' && grain !== undefined && HOUR_MS % grain === 0 && b - a > HOUR_MS;
      for (const [pa, pb] of cut ? hourPieces(a, b) : [[a, b]]) {
        // minute rollups go with the raw rows (retention deletes both)
        addPiece(table, pa, pb, table === 'roll_minute', () => run(`SELECT ${sel}${ROLL_MEASURES} FROM ${table} WHERE t >= ? AND t < ?${cf.roll}${grp}`,
          [pa, pb, ...cf.params], cols.length, grain !== undefined));
      }
    }
  }
  const rawSpan = (a: number, b: number): [string, number[]][] => {
    // Each span summed on its own first, then added, as the SQL path adds its totals.
    const part = new Map<string, number[]>();
    if (scanRecent(ctx, filter, a, b, dims, grain, false, key => {
      const acc = zeroMeasures();
      part.set(key, acc);
      return acc;
    }, addRecentRow)) return [...part];
    const cols = keyCols(slotRaw, rawKey);
    const sel = cols.length ? `${cols.join(', ')}, ` : '';
    const grp = cols.length ? ` GROUP BY ${cols.map((_, i) => i + 1).join(', ')}` : '';
    return run(`SELECT ${sel}${RAW_MEASURES} FROM calls c WHERE c.ts >= ? AND c.ts < ?${cf.raw}${grp}`, [a, b, ...cf.params], cols.length, slotRaw !== null);
  };
  for (const [a, b] of split.raw) {
    // A long raw span of recent rows (a grain under an hour, e.g. the 24 h series' 15-minute slots) is
    // read an hour at a time, each hour a piece: slots never straddle the cuts, so every slot is summed
    // over the same rows in the same order as in one scan.
    const cut = grain !== undefined && HOUR_MS % grain === 0 && b - a > HOUR_MS && a >= ctx.store.recentRows().from;
    for (const [pa, pb] of cut ? hourPieces(a, b) : [[a, b]]) addPiece('raw', pa, pb, true, () => rawSpan(pa, pb));
  }
  return out;
}

/** Latency distributions per group key (same keys as aggregate()), and per slot when grain is given. */
export function latencyDists(ctx: QueryContext, filter: QueryFilter, dims: Dim[] = [], grain?: number): { approx: boolean; dists: Map<string, LatencyDist> } {
  // Memoised like aggregate(); quantile() may reorder a distribution's values, which changes no answer.
  const key = `lat\u0000${memoKey(filter, dims, grain)}\u0000${ctx.exactPercentiles === true}`;
  if (dims.length === 0 && grain === undefined && filter.to - filter.from <= RAW_RANGE_MS) {
    // Short ranges are exact (raw values), read an hour at a time like the rest; the window's own hours
    // are kept sorted, and its percentiles found across them (no copy of ~75k values into one array and
    // no selection over it at each refresh after an append).
    return ctx.store.memo(key, () => latencyDistsNow(ctx, filter, [], undefined, true));
  }
  // (Not kept across changes as a whole, unlike aggregate()'s results: an exact 24 h result holds ~75k
  // values and a range sliding with the clock would leave one behind at every refresh; its pieces are kept.)
  return ctx.store.memo(key, () => latencyDistsNow(ctx, filter, dims, grain));
}

/**
 * Per store and filter, the last sorted runs computed for spans that end inside an hour (the newest
 * hour's, up to now): span, data generation, run. Two per filter, of different hour starts: a window
 * and the one before it (the Real-time KPIs' previous 24 h) each have one, and with one slot the
 * previous window's took the newest hour's at every refresh, which was then sorted again in full.
 */
interface LastRun { a: number; b: number; gen: number; run: Float64Array }
const LAST_RUNS_PER_FILTER = 2;
const lastRunsByStore = new WeakMap<CallStore, Map<string, LastRun[]>>();

function lastRunsOf(store: CallStore): Map<string, LastRun[]> {
  let m = lastRunsByStore.get(store);
  if (!m) { m = new Map(); lastRunsByStore.set(store, m); }
  return m;
}

/** Two ascending runs as one new ascending run. */
function mergeSorted(x: Float64Array, y: Float64Array): Float64Array {
  if (!y.length) return x;
  const out = new Float64Array(x.length + y.length);
  let i = 0, j = 0, w = 0;
  while (i < x.length && j < y.length) out[w++] = x[i] <= y[j] ? x[i++] : y[j++];
  while (i < x.length) out[w++] = x[i++];
  while (j < y.length) out[w++] = y[j++];
  return out;
}

function latencyDistsNow(ctx: QueryContext, filter: QueryFilter, dims: Dim[], grain: number | undefined,
  sortedRuns = false): { approx: boolean; dists: Map<string, LatencyDist> } {
  const dists = new Map<string, LatencyDist>();
  const cf = compileFilter(ctx.store, filter);
  if (!cf.ok || filter.to <= filter.from) return { approx: false, dists };
  const { from, to } = filter;
  const slotRaw = grain === undefined ? null : `(c.ts - (c.ts % ${grain}))`;
  const rawCols = [...(slotRaw ? [slotRaw] : []), ...dims.map(d => RAW_DIM[d])];
  const keyOf = (r: SqlValue[], n: number, hasSlot: boolean): string =>
    (hasSlot ? `${Number(r[0])}|` : '') + r.slice(hasSlot ? 1 : 0, n).map(v => Number(v)).join(',');
  // make(key) gives the distribution of a group once; each(dist, latency) per row (no lookup per row)
  const rawRows = <T>(a: number, b: number, make: (key: string) => T, each: (g: T, v: number) => void): void => {
    if (scanRecent(ctx, filter, a, b, dims, grain, true, make, (g, rows, o) => each(g, rows[o + R_LAT]))) return;
    const groups = new Map<string, T>();
    const sel = rawCols.length ? `${rawCols.join(', ')}, ` : '';
    ctx.store.syncCalls();
    const st = ctx.store.db.prepare(`SELECT ${sel}c.latency_ms FROM calls c
      WHERE c.ts >= ? AND c.ts < ? AND c.latency_ms IS NOT NULL${cf.raw}`);
    try {
      st.bind([a, b, ...cf.params]);
      const n = rawCols.length;
      while (st.step()) {
        const r = st.get();
        const k = keyOf(r, n, slotRaw !== null);
        let g = groups.get(k);
        if (g === undefined) { g = make(k); groups.set(k, g); }
        each(g, Number(r[n]));
      }
    } finally { st.free(); }
  };

  // As in aggregateNow, the pieces of the range are kept until one of their hours changes; raw spans
  // are read an hour at a time (a distribution does not depend on the order its values came in), so
  // after an append only the newest hour is scanned again.
  const lkey = JSON.stringify([filter.endpoint ?? null, filter.model ?? null, filter.provider ?? null, filter.status ?? null, dims, grain ?? null]);
  const owned = new Set<string>();
  const addPiece = (m: Map<string, LatencyDist>): void => {
    for (const [k, d] of m) mergeDist(dists, owned, k, d);
  };
  const rawPieces = <D extends LatencyDist>(kind: string, a0: number, b0: number, make: () => D, each: (d: D, v: number) => void): void => {
    for (const [a, b] of hourPieces(a0, b0)) {
      addPiece(piece(ctx.store, `lat\u0000${kind}\u0000${a}\u0000${b}\u0000${lkey}`, a, b, true, () => {
        const m = new Map<string, D>();
        rawRows(a, b, k => { const d = make(); m.set(k, d); return d; }, each);
        // kept for many refreshes: no spare capacity
        for (const d of m.values()) if (d instanceof ExactDist) d.compact();
        return m;
      }, distWeight));
    }
  };

  const long = to - from > RAW_RANGE_MS;
  const histHourOk = !cf.needsRaw && !cf.hasDims && dims.length === 0 && (grain === undefined || grain % HOUR_MS === 0);
  const histDayOk = !cf.needsRaw && !dims.includes('p') && grain === undefined;
  if (!long || ctx.exactPercentiles || (!histHourOk && !histDayOk)) {
    if (sortedRuns && dims.length === 0 && grain === undefined) {
      const runs: Float64Array[] = [];
      const lastRuns = lastRunsOf(ctx.store);
      for (const [a, b] of hourPieces(from, to)) {
        const run = piece(ctx.store, `lat\u0000runs\u0000${a}\u0000${b}\u0000${lkey}`, a, b, true, () => {
          // The newest hour's span ends at now, so its piece is new at every refresh: when only calls at or
          // after the end of the span last computed from the same start came in since, that run is extended
          // (the new latencies sorted and merged in) instead of the hour's 10-100k latencies sorted again.
          const kept = lastRuns.get(lkey);
          const last = kept?.find(r => r.a === a);
          const d = new ExactDist();
          let out: Float64Array;
          if (last && last.a === a && last.b <= b && ctx.store.changedSince(last.gen) >= last.b) {
            rawRows(last.b, b, () => d, (g, v) => g.add(v));
            out = mergeSorted(last.run, d.sortedCopy());
          } else {
            rawRows(a, b, () => d, (g, v) => g.add(v));
            out = d.sortedCopy();
          }
          if (b % HOUR_MS !== 0) {
            const next = { a, b, gen: ctx.store.generation, run: out };
            if (kept) {
              // the span's own slot, else the least recently set one's
              const i = kept.findIndex(r => r.a === a);
              if (i >= 0) kept.splice(i, 1);
              else if (kept.length >= LAST_RUNS_PER_FILTER) kept.shift();
              kept.push(next);
            } else {
              if (lastRuns.size >= 64) lastRuns.clear();
              lastRuns.set(lkey, [next]);
            }
          }
          return out;
        }, v => v.length);
        if (run.length) runs.push(run);
      }
      const all = new RunsDist(runs);
      if (all.n > 0) dists.set('', all);
      return { approx: false, dists };
    }
    rawPieces('exact', from, to, () => new ExactDist(), (d, v) => d.add(v));
    return { approx: false, dists };
  }
  const edges: Span[] = [];
  if (histHourOk) {
    const hs = ceilTo(from, HOUR_MS), he = floorTo(to, HOUR_MS);
    if (hs < he) {
      addPiece(piece(ctx.store, `lat\u0000hist_hour\u0000${hs}\u0000${he}\u0000${lkey}`, hs, he, false, () => {
        const m = new Map<string, HistDist>();
        if (grain === undefined) {
          const h = new HistDist();
          m.set('', h);
          ctx.store.eachHourHistogram(hs, he, (_t, b, n) => h.add(b, n));
        } else {
          let lastSlot = NaN, lastHist: HistDist | undefined;
          ctx.store.eachHourHistogram(hs, he, (t, b, n) => {
            const slot = t - (t % grain);
            if (slot !== lastSlot || !lastHist) {
              lastSlot = slot;
              const k = `${slot}|`;
              lastHist = m.get(k);
              if (!lastHist) { lastHist = new HistDist(); m.set(k, lastHist); }
            }
            lastHist.add(b, n);
          });
        }
        return m;
      }, distWeight));
    }
    if (from < hs) edges.push([from, hs]);
    if (he < to) edges.push([he, to]);
  } else {
    const ds = ceilTo(from, DAY_MS), de = floorTo(to, DAY_MS);
    if (ds < de) {
      addPiece(piece(ctx.store, `lat\u0000hist_day\u0000${ds}\u0000${de}\u0000${lkey}`, ds, de, false, () => {
        // From the store's in-memory mirror of hist_day (a SQL GROUP BY over ~100k rows is the slow part).
        const m = new Map<string, HistDist>();
        const eId = filter.endpoint === undefined ? -1 : ctx.store.dimId('endpoint', filter.endpoint) ?? -2;
        const mId = filter.model === undefined ? -1 : ctx.store.dimId('model', filter.model) ?? -2;
        const useE = dims.includes('e'), useM = dims.includes('m');
        // numeric group ids first (no string per bucket), named by the dims-joined key once per group
        const byGroup = new Map<number, HistDist>();
        ctx.store.eachDayHistogram(ds, de, (_t, e, mm, b, n) => {
          if ((eId !== -1 && e !== eId) || (mId !== -1 && mm !== mId)) return;
          const g = (useE ? e : 0) * 4_194_304 + (useM ? mm : 0);
          let h = byGroup.get(g);
          if (!h) {
            const k = dims.map(d => (d === 'e' ? e : mm)).join(',');
            h = m.get(k);
            if (!h) { h = new HistDist(); m.set(k, h); }
            byGroup.set(g, h);
          }
          h.add(b, n);
        });
        return m;
      }, distWeight));
      if (from < ds) edges.push([from, ds]);
      if (de < to) edges.push([de, to]);
    } else edges.push([from, to]);
  }
  // Raw edges join the histogram bucketed, so the whole selection is summarised one way.
  for (const [a, b] of edges) rawPieces('edge', a, b, () => new HistDist(), (h, v) => h.add(latencyBucket(v), 1));
  return { approx: true, dists };
}

/**
 * Adds a piece's distribution d to dists[k]. A piece's distribution is shared with the cache: it goes in
 * as it is while it is the only one for k, and a second piece makes a copy of it to merge into.
 */
function mergeDist(dists: Map<string, LatencyDist>, owned: Set<string>, k: string, d: LatencyDist): void {
  const cur = dists.get(k);
  if (cur === undefined) { dists.set(k, d); return; }
  if (cur instanceof HistDist && d instanceof HistDist) {
    let into = cur;
    if (!owned.has(k)) { into = new HistDist(); into.merge(cur); dists.set(k, into); owned.add(k); }
    into.merge(d);
  } else if (cur instanceof ExactDist && d instanceof ExactDist) {
    let into = cur;
    if (!owned.has(k)) { into = new ExactDist(); into.merge(cur); dists.set(k, into); owned.add(k); }
    into.merge(d);
  }
}
