// Aggregates behind the Cost and Cache tabs (projections, budgets and recommendations are pure
// functions in src/core/pricing over these).
import type { QueryFilter } from '../model';
import type { CacheRow, CostPeriod, CostRow, CostSummary, CostTotals, DailyCost, DuplicateRow, TokenUsageRow } from './types';
import { aggregate, compileFilter, Dim, ERRORS, M, QueryContext, WASTED, zeroMeasures } from './aggregate';
import { HOUR_MS } from '../store/rollups';
import { bucketIndex, bucketStarts } from './queries';
import { startOfDay, startOfMonth } from './timeZone';

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

function period(ctx: QueryContext, f: QueryFilter): CostPeriod {
  const m = aggregate(ctx, f).get('') ?? zeroMeasures();
  return { from: f.from, to: f.to, calls: m[M.calls], costUsd: m[M.cost_usd], unpricedCalls: m[M.unpriced] };
}

/** Local midnight n calendar days before the day starting at dayStart. */
function daysBack(dayStart: number, n: number, tz?: string): number {
  let t = dayStart;
  for (let i = 0; i < n; i++) t = startOfDay(t - HOUR_MS, tz);
  return t;
}

/** Cost totals up to now (inclusive): today, last 7 / 30 calendar days, month to date. */
export function costTotals(ctx: QueryContext, now: number, f: Omit<QueryFilter, 'from' | 'to'> = {}): CostTotals {
  const to = now + 1;
  const today = startOfDay(now, ctx.timeZone);
  return {
    today: period(ctx, { ...f, from: today, to }),
    last7d: period(ctx, { ...f, from: daysBack(today, 6, ctx.timeZone), to }),
    last30d: period(ctx, { ...f, from: daysBack(today, 29, ctx.timeZone), to }),
    monthToDate: period(ctx, { ...f, from: startOfMonth(now, ctx.timeZone), to }),
  };
}

export function costSummary(ctx: QueryContext, f: QueryFilter): CostSummary {
  const m = aggregate(ctx, f).get('') ?? zeroMeasures();
  const err = aggregate(ctx, { ...f, status: 'error' }).get('') ?? zeroMeasures();
  const priced = m[M.calls] - m[M.unpriced];
  return {
    from: f.from, to: f.to, calls: m[M.calls], pricedCalls: priced, unpricedCalls: m[M.unpriced], costUsd: m[M.cost_usd],
    avgCostPerCall: ratio(m[M.cost_usd], priced), failedCalls: m[ERRORS], failedCostUsd: f.status === 'ok' ? 0 : err[M.cost_usd],
    retryCalls: m[M.retry_calls], retryCostUsd: m[M.retry_cost], wastedCostUsd: m[WASTED],
  };
}

function costRows(ctx: QueryContext, f: QueryFilter, dim: Dim, kind: 'endpoint' | 'model'): CostRow[] {
  const agg = aggregate(ctx, f, [dim]);
  let total = 0;
  for (const m of agg.values()) total += m[M.cost_usd];
  const rows: CostRow[] = [];
  for (const [key, m] of agg) {
    if (m[M.calls] <= 0) continue;
    const priced = m[M.calls] - m[M.unpriced];
    rows.push({
      key: ctx.store.dimName(kind, Number(key)) ?? '(none)', calls: m[M.calls], pricedCalls: priced, unpricedCalls: m[M.unpriced],
      costUsd: m[M.cost_usd], avgCostPerCall: ratio(m[M.cost_usd], priced), share: ratio(m[M.cost_usd], total),
    });
  }
  return rows.sort((a, b) => b.costUsd - a.costUsd || b.calls - a.calls || a.key.localeCompare(b.key));
}

export function costByEndpoint(ctx: QueryContext, f: QueryFilter): CostRow[] {
  return costRows(ctx, f, 'e', 'endpoint');
}
export function costByModel(ctx: QueryContext, f: QueryFilter): CostRow[] {
  return costRows(ctx, f, 'm', 'model');
}

/**
 * Cost per local day (display zone) split by model, every day of the range present (also empty
 * ones): the stacked chart and the input of spend projections. Days sum to the range total.
 */
export function dailyCost(ctx: QueryContext, f: QueryFilter): DailyCost[] {
  const starts = bucketStarts(f.from, f.to, 'day', 86_400_000, ctx.timeZone);
  const days: DailyCost[] = starts.map(day => ({ day, calls: 0, costUsd: 0, unpricedCalls: 0, byModel: [] }));
  const perModel = starts.map(() => new Map<string, { costUsd: number; calls: number }>());
  const add = (slot: number, mid: number, calls: number, cost: number, unpriced: number): void => {
    const i = bucketIndex(starts, slot);
    if (i < 0) return;
    days[i].calls += calls;
    days[i].costUsd += cost;
    days[i].unpricedCalls += unpriced;
    const name = ctx.store.dimName('model', mid) ?? '(none)';
    const acc = perModel[i].get(name) ?? { costUsd: 0, calls: 0 };
    acc.costUsd += cost;
    acc.calls += calls;
    perModel[i].set(name, acc);
  };
  const cf = compileFilter(ctx.store, f);
  if (cf.ok && f.endpoint === undefined && f.provider === undefined && f.status === undefined && f.to > f.from) {
    // Whole hours from the store's in-memory hour x model costs; the ragged edges from raw rows.
    const hs = Math.ceil(f.from / HOUR_MS) * HOUR_MS, he = Math.floor(f.to / HOUR_MS) * HOUR_MS;
    const mOnly = f.model === undefined ? -1 : ctx.store.dimId('model', f.model)!;
    const edges: [number, number][] = [];
    if (hs < he) {
      ctx.store.eachHourModelCost(hs, he, (t, mid, calls, cost, unpriced) => { if (mOnly < 0 || mid === mOnly) add(t, mid, calls, cost, unpriced); });
      if (f.from < hs) edges.push([f.from, hs]);
      if (he < f.to) edges.push([he, f.to]);
    } else edges.push([f.from, f.to]);
    for (const [a, b] of edges) {
      for (const [key, m] of aggregate(ctx, { ...f, from: a, to: b }, ['m'], HOUR_MS, true)) {
        const [slot, mid] = key.split('|');
        add(Number(slot), Number(mid), m[M.calls], m[M.cost_usd], m[M.unpriced]);
      }
    }
  } else {
    for (const [key, m] of aggregate(ctx, f, ['m'], HOUR_MS)) {
      const [slot, mid] = key.split('|');
      add(Number(slot), Number(mid), m[M.calls], m[M.cost_usd], m[M.unpriced]);
    }
  }
  days.forEach((d, i) => {
    d.byModel = [...perModel[i]].map(([key, v]) => ({ key, ...v })).sort((a, b) => b.costUsd - a.costUsd || a.key.localeCompare(b.key));
  });
  return days;
}

/** Caching figures per endpoint, or per (endpoint, model) with perModel. */
export function cacheStats(ctx: QueryContext, f: QueryFilter, perModel = false): CacheRow[] {
  const agg = aggregate(ctx, f, perModel ? ['e', 'm'] : ['e']);
  const rows: CacheRow[] = [];
  for (const [key, m] of agg) {
    if (m[M.calls] <= 0) continue;
    const [eid, mid] = key.split(',').map(Number);
    rows.push({
      endpoint: ctx.store.dimName('endpoint', eid) ?? '(unknown)',
      model: perModel ? ctx.store.dimName('model', mid) ?? '(none)' : null,
      calls: m[M.calls], responseCacheKnown: m[M.rc_known], responseCacheHits: m[M.rc_hits],
      responseCacheHitRate: ratio(m[M.rc_hits], m[M.rc_known]), nonCachedCalls: m[M.nc_calls], nonCachedCostUsd: m[M.nc_cost],
      nonCachedUnpricedCalls: m[M.nc_unpriced], avgNonCachedCostUsd: ratio(m[M.nc_cost], m[M.nc_calls] - m[M.nc_unpriced]),
      inputTokens: m[M.input_tokens], cacheReadTokens: m[M.cache_read_tokens], cacheWriteTokens: m[M.cache_write_tokens],
      cacheWrite1hTokens: m[M.cache_write_1h_tokens], cacheWrite5mTokens: m[M.cache_write_tokens] - m[M.cache_write_1h_tokens],
      promptCacheTokenShare: ratio(m[M.cache_read_tokens], m[M.input_tokens]),
    });
  }
  return rows.sort((a, b) => b.calls - a.calls || a.endpoint.localeCompare(b.endpoint) || String(a.model).localeCompare(String(b.model)));
}

/** Token sums per (endpoint, model). */
export function tokenUsage(ctx: QueryContext, f: QueryFilter): TokenUsageRow[] {
  const rows: TokenUsageRow[] = [];
  for (const [key, m] of aggregate(ctx, f, ['e', 'm'])) {
    if (m[M.calls] <= 0) continue;
    const [eid, mid] = key.split(',').map(Number);
    rows.push({
      endpoint: ctx.store.dimName('endpoint', eid) ?? '(unknown)', model: ctx.store.dimName('model', mid),
      calls: m[M.calls], usageCalls: m[M.usage_calls], inputTokens: m[M.input_tokens], outputTokens: m[M.output_tokens],
      cacheReadTokens: m[M.cache_read_tokens], cacheWriteTokens: m[M.cache_write_tokens], cacheWrite1hTokens: m[M.cache_write_1h_tokens],
      reasoningTokens: m[M.reasoning_tokens], costUsd: m[M.cost_usd], unpricedCalls: m[M.unpriced],
    });
  }
  return rows.sort((a, b) => b.costUsd - a.costUsd || b.calls - a.calls);
}

/** Repeated identical requests per endpoint (raw rows: hashes are not in the rollups). */
export function duplicateRequests(ctx: QueryContext, f: QueryFilter): DuplicateRow[] {
  const cf = compileFilter(ctx.store, f);
  if (!cf.ok) return [];
  const per = new Map<number, DuplicateRow>();
  // A partial index holds only the calls with a hash: logs without hashes cost nothing to ask.
  for (const r of ctx.store.all(`SELECT c.endpoint_id, count(*), total(c.cost_usd), count(c.cost_usd) FROM calls c INDEXED BY idx_calls_hash
    WHERE c.ts >= ? AND c.ts < ? AND c.request_hash IS NOT NULL${cf.raw} GROUP BY c.endpoint_id, c.request_hash HAVING count(*) > 1`,
  [f.from, f.to, ...cf.params])) {
    const eid = Number(r[0]), n = Number(r[1]), cost = Number(r[2]), priced = Number(r[3]);
    let row = per.get(eid);
    if (!row) {
      row = { endpoint: ctx.store.dimName('endpoint', eid) ?? '(unknown)', repeatedHashes: 0, duplicateCalls: 0, duplicateCostUsd: 0 };
      per.set(eid, row);
    }
    row.repeatedHashes++;
    row.duplicateCalls += n - 1;
    if (priced > 0) row.duplicateCostUsd += (n - 1) * (cost / priced);
  }
  return [...per.values()].sort((a, b) => b.duplicateCostUsd - a.duplicateCostUsd || b.duplicateCalls - a.duplicateCalls);
}
