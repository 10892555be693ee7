// Pure data assembly for the dashboard: from engine results to the tab payloads of the protocol.
// No vscode import, so every function here runs in plain Node tests.
import type { QueryFilter } from '../../core/model';
import type {
  WindowStats, TimeSeries, BreakdownRow, CostTotals as EngineCostTotals, CostSummary, DailyCost, CacheRow as EngineCacheRow, CostRow,
  TokenUsageRow, DuplicateRow,
} from '../../core/metrics/types';
import type {
  DashboardFilter, Kpi, Gauge, Band, Comparison, RuleView, AlertView, RealtimeData, HistoryData, CostData, CostTotals,
  StackedDaily, CacheData, CacheRow, AlertsData, ProjectionView, RecommendationView, DashboardMeta, TabId, CostRowView,
} from '../../shared/protocol';

/** the breakdowns' key for calls without a model (src/core/metrics) */
const NO_MODEL_KEY = '(none)';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export const RANGE_MS: Readonly<Record<Exclude<DashboardFilter['range'], 'custom'>, number>> = {
  '15m': 15 * MIN, '1h': HOUR, '6h': 6 * HOUR, '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY,
};

/**
 * What the dashboard needs of the engine: the committed MonitorEngineApi queries, plus the cost/cache aggregates
 * MonitorEngine has (optional, so the assembly also works on the bare contract, with its own fallbacks).
 */
export interface DashboardEngine {
  window(filter: QueryFilter): WindowStats;
  series(filter: QueryFilter): TimeSeries;
  byEndpoint(filter: QueryFilter): BreakdownRow[];
  byModel(filter: QueryFilter): BreakdownRow[];
  costTotals?(filter?: Omit<QueryFilter, 'from' | 'to'>): EngineCostTotals;
  costSummary?(filter: QueryFilter): CostSummary;
  dailyCost?(filter: QueryFilter): DailyCost[];
  costByEndpoint?(filter: QueryFilter): CostRow[];
  costByModel?(filter: QueryFilter): CostRow[];
  cacheStats?(filter: QueryFilter, perModel?: boolean): EngineCacheRow[];
  tokenUsage?(filter: QueryFilter): TokenUsageRow[];
  duplicateRequests?(filter: QueryFilter): DuplicateRow[];
  dimensions?(): { endpoints: string[]; models: string[]; providers: string[] };
  timeBounds?(): { first: number; last: number } | null;
}

/** Resolves the filter's range to a half-open [from, to). A broken custom range falls back to 24 h. */
export function rangeBounds(filter: DashboardFilter, now: number): { from: number; to: number } {
  if (filter.range === 'custom') {
    const { from, to } = filter;
    if (typeof from === 'number' && typeof to === 'number' && Number.isFinite(from) && Number.isFinite(to) && to > from) {
      return { from, to };
    }
    return { from: now - DAY, to: now };
  }
  const len = RANGE_MS[filter.range] ?? DAY;
  return { from: now - len, to: now };
}

export function toQuery(filter: DashboardFilter, bounds: { from: number; to: number }): QueryFilter {
  const q: QueryFilter = { from: bounds.from, to: bounds.to };
  if (filter.endpoint) q.endpoint = filter.endpoint;
  if (filter.model) q.model = filter.model;
  return q;
}

/** The window of the same length just before [from, to). */
export function previousBounds(b: { from: number; to: number }): { from: number; to: number } {
  return { from: b.from - (b.to - b.from), to: b.from };
}

/**
 * Relative change of `cur` against `prev`. null when either side has no data; when prev is 0 the ratio is
 * undefined, so null too, except 0 → 0 which is "no change".
 */
export function relativeChange(cur: number | null, prev: number | null): number | null {
  if (cur === null || prev === null || !Number.isFinite(cur) || !Number.isFinite(prev)) return null;
  if (prev === 0) return cur === 0 ? 0 : null;
  return (cur - prev) / Math.abs(prev);
}

/**
 * Money KPIs of a window where no call was priced are "no data", not $0: a window whose calls are all unpriced
 * (or that has no calls) has no known cost.
 */
function knownCost(w: WindowStats): number | null {
  return w.calls - w.unpricedCalls > 0 ? w.costUsd : null;
}

export function buildKpis(cur: WindowStats, prev: WindowStats): Kpi[] {
  const rows: [Kpi['id'], string, (w: WindowStats) => number | null, Kpi['unit'], boolean][] = [
    ['calls', 'Calls', w => w.calls, 'count', false],
    ['successRate', 'Success rate', w => w.successRate, 'ratio', false],
    ['avgLatency', 'Avg latency', w => w.latency.avg, 'ms', true],
    ['p95Latency', 'p95 latency', w => w.latency.p95, 'ms', true],
    ['throughput', 'Throughput', w => w.throughputPerMin, 'perMin', false],
    ['cacheHitRate', 'Response-cache hit rate', w => w.responseCacheHitRate, 'ratio', false],
    ['cost', 'Cost', knownCost, 'usd', true],
    ['costPerHour', 'Cost per hour', w => (knownCost(w) === null ? null : w.costPerHour), 'usdPerHour', true],
  ];
  return rows.map(([id, label, get, unit, higherIsWorse]) => {
    const value = get(cur);
    const previous = get(prev);
    return { id, label, value, previous, change: relativeChange(value, previous), unit, higherIsWorse };
  });
}

/** Band of a value against warning/critical thresholds; `comparison` says which side is bad. */
export function bandFor(value: number | null, t: Gauge['thresholds']): Band | null {
  if (value === null || t === null) return null;
  const breaches = (limit: number | null): boolean => {
    if (limit === null) return false;
    return t.comparison === 'above' ? value > limit : value < limit;
  };
  if (breaches(t.critical)) return 'critical';
  if (breaches(t.warning)) return 'warning';
  return 'ok';
}

function ruleApplies(rule: RuleView, filter: DashboardFilter): boolean {
  if (!rule.enabled) return false;
  if (rule.scope === 'all') return true;
  if (filter.endpoint && rule.scope === `endpoint:${filter.endpoint}`) return true;
  if (filter.model && rule.scope === `model:${filter.model}`) return true;
  return false;
}

/** Prefer a rule scoped to the filtered endpoint/model over a global one. */
function pickRule(rules: readonly RuleView[], metric: RuleView['metric'], filter: DashboardFilter): RuleView | undefined {
  const candidates = rules.filter(r => r.metric === metric && ruleApplies(r, filter));
  return candidates.find(r => r.scope !== 'all') ?? candidates[0];
}

const FLIP: Readonly<Record<Comparison, Comparison>> = { above: 'below', below: 'above' };

/**
 * Gauges for p95 latency and success rate. Success-rate bands come from error-rate rules: "error rate above x %"
 * is "success rate below 1 - x/100" (the gauge shows a ratio, rules are in percent).
 */
export function buildGauges(w: WindowStats, rules: readonly RuleView[], filter: DashboardFilter): Gauge[] {
  const lat = pickRule(rules, 'p95Latency', filter);
  const latT: Gauge['thresholds'] = lat ? { warning: lat.warning, critical: lat.critical, comparison: lat.comparison } : null;
  const latMax = Math.max(w.latency.p95 ?? 0, (latT?.critical ?? latT?.warning ?? 0) * 1.25, 1000);
  const err = pickRule(rules, 'errorRate', filter);
  const inv = (x: number | null): number | null => (x === null ? null : 1 - x / 100);
  const sucT: Gauge['thresholds'] = err ? { warning: inv(err.warning), critical: inv(err.critical), comparison: FLIP[err.comparison] } : null;
  return [
    { id: 'p95Latency', label: 'p95 latency', value: w.latency.p95, unit: 'ms', thresholds: latT, band: bandFor(w.latency.p95, latT), max: latMax },
    { id: 'successRate', label: 'Success rate', value: w.successRate, unit: 'ratio', thresholds: sucT, band: bandFor(w.successRate, sucT), max: 1 },
  ];
}

export const ENDPOINT_ROWS = 100;

export function assembleRealtime(engine: DashboardEngine, filter: DashboardFilter, now: number,
  rules: readonly RuleView[], activeAlerts: readonly AlertView[]): RealtimeData {
  const b = rangeBounds(filter, now);
  const window = engine.window(toQuery(filter, b));
  const previous = engine.window(toQuery(filter, previousBounds(b)));
  const all = engine.byEndpoint(toQuery(filter, b));
  return {
    window, previous,
    kpis: buildKpis(window, previous),
    gauges: buildGauges(window, rules, filter),
    endpoints: all.slice(0, ENDPOINT_ROWS),
    endpointsOmitted: Math.max(0, all.length - ENDPOINT_ROWS),
    activeAlerts,
  };
}

export function assembleHistory(engine: DashboardEngine, filter: DashboardFilter, now: number): HistoryData {
  return { series: engine.series(toQuery(filter, rangeBounds(filter, now))) };
}

// ---------------------------------------------------------------------------------------------
// Calendar in the display zone (days and months follow one zone everywhere)

/** One formatter per zone (null: a zone Intl does not know): building one costs ~50x a conversion. */
const zoneFormats = new Map<string, Intl.DateTimeFormat | null>();

/** Offset of `timeZone` from UTC at instant `ts`, in ms (positive east of Greenwich). */
export function zoneOffsetMs(ts: number, timeZone: string): number {
  let dtf = zoneFormats.get(timeZone);
  if (dtf === undefined) {
    try {
      dtf = new Intl.DateTimeFormat('en-US', { timeZone: timeZone || undefined, hourCycle: 'h23', year: 'numeric', month: '2-digit',
        day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    } catch {
      dtf = null;
    }
    if (zoneFormats.size >= 64) zoneFormats.clear();
    zoneFormats.set(timeZone, dtf);
  }
  if (dtf === null) return 0;   // unknown zone: the caller's setting is validated elsewhere; UTC is the least surprising fallback
  const p: Record<string, number> = {};
  for (const part of dtf.formatToParts(new Date(ts))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second);
  return asUtc - (ts - (ts % 1000 + 1000) % 1000);
}

/** Wall-clock fields of `ts` in the zone. */
function wall(ts: number, timeZone: string): { y: number; m: number; d: number } {
  const t = new Date(ts + zoneOffsetMs(ts, timeZone));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth(), d: t.getUTCDate() };
}

/** Instant of local midnight y-m-d in the zone (DST-safe: the offset is taken at that instant). */
function localMidnight(y: number, m: number, d: number, timeZone: string): number {
  const guess = Date.UTC(y, m, d);
  let ts = guess - zoneOffsetMs(guess, timeZone);
  ts = guess - zoneOffsetMs(ts, timeZone);
  return ts;
}

export function startOfDay(ts: number, timeZone: string): number {
  const w = wall(ts, timeZone);
  return localMidnight(w.y, w.m, w.d, timeZone);
}

export function startOfMonth(ts: number, timeZone: string): number {
  const w = wall(ts, timeZone);
  return localMidnight(w.y, w.m, 1, timeZone);
}

/** Local day starts covering [from, to), with their YYYY-MM-DD label. */
export function dayStarts(from: number, to: number, timeZone: string): { start: number; end: number; label: string }[] {
  const out: { start: number; end: number; label: string }[] = [];
  let w = wall(from, timeZone);
  let start = localMidnight(w.y, w.m, w.d, timeZone);
  for (let i = 0; start < to && i < 400; i++) {
    const next = localMidnight(w.y, w.m, w.d + 1, timeZone);
    out.push({ start, end: next, label: `${w.y}-${String(w.m + 1).padStart(2, '0')}-${String(w.d).padStart(2, '0')}` });
    start = next;
    w = wall(next + HOUR * 2, timeZone);   // +2 h: safely inside the new day whatever the DST jump
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Cost

export interface DashboardPricing {
  /** budget state and period-end projection (H3's budgetStatus/projections), null without a budget */
  projection?(engine: DashboardEngine, now: number, filter: DashboardFilter): ProjectionView | null;
  recommendations?(engine: DashboardEngine, now: number, filter: DashboardFilter): RecommendationView[];
  /** models with a known price, for the calculator pickers */
  pricedModels?(): string[];
  /** savings from the response cache and prompt cache per endpoint over [from, to) */
  cacheSavings?(q: QueryFilter): { byEndpoint: { key: string; responseUsd: number | null; promptUsd: number | null }[] } | null;
  /** retry cost over a filter, when the engine knows it */
  retryCost?(q: QueryFilter): number | null;
}

export const STACK_KEYS = 6;

/** Cost per day stacked by key: the top STACK_KEYS keys by cost over the range, the rest summed as "other". */
export function stackDaily(days: readonly { label: string; rows: readonly { key: string; costUsd: number }[] }[], maxKeys = STACK_KEYS): StackedDaily {
  const totals = new Map<string, number>();
  for (const d of days) for (const r of d.rows) totals.set(r.key, (totals.get(r.key) ?? 0) + r.costUsd);
  // keys that cost nothing over the range (unpriced models) would only add empty legend entries
  const ranked = [...totals.entries()].filter(e => e[1] > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(e => e[0]);
  const keys = ranked.length > maxKeys ? [...ranked.slice(0, maxKeys - 1), 'other'] : ranked;
  const index = new Map(keys.map((k, i) => [k, i]));
  const values = keys.map(() => days.map(() => 0));
  days.forEach((d, di) => {
    for (const r of d.rows) {
      const k = index.get(r.key) ?? index.get('other');
      if (k !== undefined) values[k][di] += r.costUsd;
    }
  });
  return { days: days.map(d => d.label), keys, values };
}

/** YYYY-MM-DD of an instant in the zone. */
export function dayLabel(ts: number, timeZone: string): string {
  const t = new Date(ts + zoneOffsetMs(ts, timeZone));
  return `${t.getUTCFullYear()}-${String(t.getUTCMonth() + 1).padStart(2, '0')}-${String(t.getUTCDate()).padStart(2, '0')}`;
}

export function assembleCost(engine: DashboardEngine, filter: DashboardFilter, now: number, timeZone: string,
  pricing: DashboardPricing = {}): CostData {
  const scoped = (from: number, to: number): QueryFilter => toQuery(filter, { from, to });
  const end = now + 1;   // include the call stamped `now`
  const today = startOfDay(now, timeZone);
  const d7 = startOfDay(now - 6 * DAY, timeZone);
  const d30 = startOfDay(now - 29 * DAY, timeZone);
  const dims = toQuery(filter, { from: 0, to: 0 });
  let totals: CostTotals;
  if (engine.costTotals) {
    const t = engine.costTotals({ endpoint: dims.endpoint, model: dims.model });
    totals = { today: t.today.costUsd, last7d: t.last7d.costUsd, last30d: t.last30d.costUsd, monthToDate: t.monthToDate.costUsd,
      unpricedCalls30d: t.last30d.unpricedCalls, unpricedNoModel30d: 0 };
  } else {
    const w30 = engine.window(scoped(d30, end));
    totals = {
      today: engine.window(scoped(today, end)).costUsd,
      last7d: engine.window(scoped(d7, end)).costUsd,
      last30d: w30.costUsd,
      monthToDate: engine.window(scoped(startOfMonth(now, timeZone), end)).costUsd,
      unpricedCalls30d: w30.unpricedCalls,
      unpricedNoModel30d: 0,
    };
  }
  if (totals.unpricedCalls30d > 0) {
    // plain HTTP calls (no model) can never have a price: told apart, so they do not read as missing prices
    const rows = engine.costByModel ? engine.costByModel(scoped(d30, end)) : engine.byModel(scoped(d30, end));
    totals = { ...totals, unpricedNoModel30d: rows.find(r => r.key === NO_MODEL_KEY)?.unpricedCalls ?? 0 };
  }
  const b = rangeBounds(filter, now);
  const q = toQuery(filter, b);
  // Daily stacks over the selected range, but at least the last 7 days so short ranges still show a trend.
  const dayFrom = Math.min(b.from, d7);
  const days = engine.dailyCost
    ? engine.dailyCost(scoped(dayFrom, b.to)).map(d => ({ label: dayLabel(d.day, timeZone), rows: d.byModel }))
    : dayStarts(dayFrom, b.to, timeZone).map(d => ({ label: d.label, rows: engine.byModel(scoped(d.start, Math.min(d.end, b.to))) }));
  // The engine's cost queries skip latency percentiles, which the cost tab does not show (much cheaper at 1M calls).
  let avgCostPerCall: number | null;
  let wasted: CostData['wasted'];
  let summary: CostData['summary'];
  if (engine.costSummary) {
    const c = engine.costSummary(q);
    summary = { calls: c.calls, unpricedCalls: c.unpricedCalls, costUsd: c.costUsd };
    avgCostPerCall = c.avgCostPerCall;
    wasted = { failedUsd: c.failedCostUsd, failedCalls: c.failedCalls, retryUsd: c.retryCostUsd, totalUsd: c.wastedCostUsd };
  } else {
    const window = engine.window(q);
    summary = { calls: window.calls, unpricedCalls: window.unpricedCalls, costUsd: window.costUsd };
    const failed = engine.window({ ...q, status: 'error' });
    const priced = window.calls - window.unpricedCalls;
    avgCostPerCall = priced > 0 ? window.costUsd / priced : null;
    // without the engine's cost summary retries cannot be told apart from failures: the failed calls only
    wasted = { failedUsd: failed.costUsd, failedCalls: failed.calls, retryUsd: pricing.retryCost?.(q) ?? null, totalUsd: failed.costUsd };
  }
  const costRows = (rows: readonly { key: string; calls: number; costUsd: number; unpricedCalls: number }[]): CostRowView[] =>
    rows.map(r => ({ key: r.key, calls: r.calls, costUsd: r.costUsd, unpricedCalls: r.unpricedCalls }));
  return {
    totals, summary,
    daily: stackDaily(days),
    byEndpoint: costRows(engine.costByEndpoint ? engine.costByEndpoint(q) : engine.byEndpoint(q)).slice(0, ENDPOINT_ROWS),
    byModel: costRows(engine.costByModel ? engine.costByModel(q) : engine.byModel(q)),
    avgCostPerCall,
    wasted,
    projection: pricing.projection?.(engine, now, filter) ?? null,
    recommendations: pricing.recommendations?.(engine, now, filter) ?? [],
    pricedModels: pricing.pricedModels?.() ?? [],
  };
}

// ---------------------------------------------------------------------------------------------
// Cache

export function assembleCache(engine: DashboardEngine, filter: DashboardFilter, now: number, pricing: DashboardPricing = {}): CacheData {
  const b = rangeBounds(filter, now);
  const q = toQuery(filter, b);
  const savings = pricing.cacheSavings?.(q) ?? null;
  const byKey = new Map((savings?.byEndpoint ?? []).map(s => [s.key, s]));
  const sum = (get: (s: { responseUsd: number | null; promptUsd: number | null }) => number | null): number | null => {
    if (!savings) return null;
    let total = 0;
    let any = false;
    for (const s of savings.byEndpoint) { const v = get(s); if (v !== null) { total += v; any = true; } }
    return any ? total : null;
  };
  const row = (key: string, calls: number, hit: number | null, share: number | null): CacheRow => ({
    key, calls, responseCacheHitRate: hit, promptCacheTokenShare: share,
    responseCacheSavingsUsd: byKey.get(key)?.responseUsd ?? null, promptCacheSavingsUsd: byKey.get(key)?.promptUsd ?? null,
  });
  const base = { responseCacheSavingsUsd: sum(s => s.responseUsd), promptCacheSavingsUsd: sum(s => s.promptUsd) };
  if (engine.cacheStats) {
    // per-endpoint cache rows carry both rates without latency percentiles: cheap at 1M calls
    const stats = [...engine.cacheStats(q, false)].sort((x, y) => y.calls - x.calls || (x.endpoint < y.endpoint ? -1 : 1));
    let calls = 0, known = 0, hits = 0, input = 0, read = 0;
    for (const r of stats) { calls += r.calls; known += r.responseCacheKnown; hits += r.responseCacheHits; input += r.inputTokens; read += r.cacheReadTokens; }
    return {
      ...base,
      summary: { calls, responseCacheHitRate: known > 0 ? hits / known : null, promptCacheTokenShare: input > 0 ? read / input : null },
      rows: stats.slice(0, ENDPOINT_ROWS).map(r => row(r.endpoint, r.calls, r.responseCacheHitRate, r.promptCacheTokenShare)),
      whatIf: whatIfFromCacheRows(stats, b),
    };
  }
  const window = engine.window(q);
  return {
    ...base,
    summary: { calls: window.calls, responseCacheHitRate: window.responseCacheHitRate, promptCacheTokenShare: window.promptCacheTokenShare },
    rows: engine.byEndpoint(q).slice(0, ENDPOINT_ROWS).map(r => row(r.key, r.calls, r.responseCacheHitRate, r.promptCacheTokenShare)),
    whatIf: whatIfInputs(window),
  };
}

/**
 * Inputs of the what-if slider. Misses are the calls not served from the response cache; their average
 * cost is what each extra hit would save. The month is 30 days at the window's pace.
 */
export function whatIfInputs(w: WindowStats): CacheData['whatIf'] {
  const len = w.to - w.from;
  const callsPerMonth = w.calls > 0 && len > 0 ? w.calls * (30 * DAY) / len : null;
  const misses = w.calls - w.responseCacheHits;
  const pricedMisses = misses - w.unpricedCalls;
  // Hits usually cost nothing, so the window's known cost belongs to the priced misses.
  const avgCostPerMissUsd = pricedMisses > 0 ? w.costUsd / pricedMisses : null;
  return { currentHitRate: w.responseCacheHitRate, callsPerMonth, avgCostPerMissUsd };
}

/**
 * What-if inputs from the engine's cache rows: the hit rate over calls whose flag is known, the month at that
 * volume, and the average cost of a non-cached priced call (what one more hit would save).
 */
export function whatIfFromCacheRows(rows: readonly EngineCacheRow[], b: { from: number; to: number }): CacheData['whatIf'] {
  let known = 0, hits = 0, nonCachedCost = 0, nonCachedPriced = 0;
  for (const r of rows) {
    known += r.responseCacheKnown;
    hits += r.responseCacheHits;
    nonCachedCost += r.nonCachedCostUsd;
    nonCachedPriced += r.nonCachedCalls - r.nonCachedUnpricedCalls;
  }
  const len = b.to - b.from;
  return {
    currentHitRate: known > 0 ? hits / known : null,
    callsPerMonth: known > 0 && len > 0 ? known * (30 * DAY) / len : null,
    avgCostPerMissUsd: nonCachedPriced > 0 ? nonCachedCost / nonCachedPriced : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Alerts and meta

export function assembleAlerts(rules: readonly RuleView[], firing: readonly AlertView[], history: readonly AlertView[],
  maxHistory = 500): AlertsData {
  const sorted = [...history].sort((a, b) => b.since - a.since);
  return { rules, firing, history: sorted.slice(0, maxHistory) };
}

export function isTabId(x: unknown): x is TabId {
  return x === 'realtime' || x === 'history' || x === 'cost' || x === 'cache' || x === 'alerts';
}

export function emptyMeta(timeZone: string): DashboardMeta {
  return { endpoints: [], models: [], firstTs: null, lastTs: null, timeZone, totalCalls: 0 };
}
