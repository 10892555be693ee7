// Glue between the engine's cost/cache aggregates (H2, src/core/metrics/cost.ts) and the pricing module (H3:
// budget status, projections, recommendations, cache savings, calculator), shaped for the dashboard.
// No vscode import: the controller passes the pricer, the budget and the zone in.
import type { QueryFilter } from '../../core/model';
import type { TokenUsageRow } from '../../core/metrics/types';
import type { Pricer } from '../../core/pricing/pricer';
import type { BudgetConfig } from '../../core/pricing/types';
import { budgetStatus } from '../../core/pricing/budget';
import { projectSpend } from '../../core/pricing/projection';
import { recommend, type EndpointModelAggregate } from '../../core/pricing/recommendations';
import { responseCacheSavings, promptCacheSavings, savingsByEndpoint } from '../../core/pricing/savings';
import { compare } from '../../core/pricing/calculator';
import type { CalculatorInput, CalculatorRow, ProjectionView, RecommendationView, DashboardFilter } from '../../shared/protocol';
import { startOfDay, type DashboardEngine, type DashboardPricing } from './assemble';

const DAY = 86_400_000;

/** The engine with its extra aggregates (MonitorEngine has them; the MonitorEngineApi contract does not). */
export type CostEngine = DashboardEngine;

export interface PricingDeps {
  engine: CostEngine;
  pricer(): Pricer | null;
  budget(): BudgetConfig | null;
  timeZone(): string;
}

const CONFIDENCE: Record<string, string> = {
  none: 'No confidence: there is no complete day of data yet.',
  low: 'Low confidence: only a few days of data.',
  medium: 'Medium confidence.',
  high: 'High confidence: weeks of steady data.',
};

/** Local days [start, next) already looked up, per zone (a few: today and the projection's first day). */
const knownDays = new Map<string, { start: number; next: number }[]>();

/**
 * assemble's startOfDay, remembered: it builds an Intl formatter per conversion (~1 ms per call), and
 * every instant of a known local day [start, next) has that day's start.
 */
export function cachedStartOfDay(ts: number, tz: string): number {
  let days = knownDays.get(tz);
  if (!days) { days = []; knownDays.set(tz, days); }
  for (const k of days) if (ts >= k.start && ts < k.next) return k.start;
  const start = startOfDay(ts, tz);
  // 36 h after a local midnight is inside the next local day, whatever its length (23, 24 or 25 h)
  const next = startOfDay(start + 36 * 3_600_000, tz);
  if (ts >= start && ts < next) {
    if (days.length >= 8) days.shift();
    days.push({ start, next });
  }
  return start;
}

/** Budget and period-end projection over all calls (a budget is global, whatever the dashboard filter). */
export function projectionView(d: PricingDeps, now: number): ProjectionView | null {
  const e = d.engine;
  if (!e.dailyCost) return null;
  const tz = d.timeZone();
  const today = cachedStartOfDay(now, tz);
  // 4 weeks of complete days: enough for weekday factors (two weeks needed), from the daily rollup.
  const days = e.dailyCost({ from: cachedStartOfDay(today - 28 * DAY, tz), to: today }).map(x => ({ start: x.day, costUsd: x.costUsd }));
  // cost only: costSummary skips the latency percentiles a window() would compute
  const cost = (from: number, to: number): number => (e.costSummary ? e.costSummary({ from, to }).costUsd : e.window({ from, to }).costUsd);
  const todayCost = cost(today, now + 1);
  const budget = d.budget();
  const period = budget?.period ?? 'month';
  const p = projectSpend({ days, todayCost, now, timeZone: tz }, period);
  const confidence = CONFIDENCE[p.confidence] + (p.note ? ` ${p.note}` : '');
  if (!budget) {
    return {
      budgetUsd: null, period, spentUsd: p.periodSoFar, projectedUsd: p.periodTotal, projectedShare: null, status: null,
      periodEnd: p.periodEnd, assumptions: p.method, confidence,
      points: cumulativePoints(p.periodStart, p.periodEnd, now, days, p.periodSoFar, p.periodTotal),
    };
  }
  const spent = cost(p.periodStart, now + 1);
  // the last 3 hours' pace, for day budgets
  const recentHourlyRate = cost(now - 3 * 3_600_000, now) / 3;
  const s = budgetStatus({ budget, now, timeZone: tz, spentInPeriod: spent, recentHourlyRate, days, todayCost });
  const status = s.exhausted ? 'budget exhausted'
    // to the minute: a forecast given to the second claims a precision it does not have
    : s.runsOutAt !== null ? `runs out around ${new Date(s.runsOutAt).toLocaleString('en-US', {
      timeZone: tz || undefined, month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' })}`
      : s.levelsCrossed.length ? `passed ${s.levelsCrossed[s.levelsCrossed.length - 1]} % of the budget` : 'within budget';
  return {
    budgetUsd: s.amount, period: s.period, spentUsd: s.spent, projectedUsd: s.projectedAtEnd,
    projectedShare: s.projectedAtEnd !== null && s.amount > 0 ? s.projectedAtEnd / s.amount : null,
    status, periodEnd: s.periodEnd, assumptions: s.method, confidence,
    points: cumulativePoints(s.periodStart, s.periodEnd, now, days, s.spent, s.projectedAtEnd),
  };
}

/**
 * Cumulative spend for the projection chart: 0 at the period start, the running total at the end of each complete
 * day of the period, `spent` now, then the projection at the period end.
 */
export function cumulativePoints(start: number, end: number, now: number, days: readonly { start: number; costUsd: number }[],
  spent: number, projected: number | null): NonNullable<ProjectionView['points']> {
  const pts: { t: number; spent: number | null; projected: number | null }[] = [{ t: start, spent: 0, projected: null }];
  let acc = 0;
  const inPeriod = days.filter(d => d.start >= start && d.start < now).sort((a, b) => a.start - b.start);
  for (let i = 0; i < inPeriod.length; i++) {
    acc += inPeriod[i].costUsd;
    const dayEnd = i + 1 < inPeriod.length ? inPeriod[i + 1].start : Math.min(now, inPeriod[i].start + DAY);
    if (dayEnd < now) pts.push({ t: dayEnd, spent: acc, projected: null });
  }
  if (now > start) pts.push({ t: now, spent, projected: projected === null ? null : spent });
  if (projected !== null && end > now) pts.push({ t: end, spent: null, projected });
  return pts;
}

const keyOf = (endpoint: string, model: string | null): string => `${endpoint}\u0000${model ?? ''}`;

/** Recommendations from the last 7 days under the filter's endpoint/model (short ranges would extrapolate noise). */
export function recommendationViews(d: PricingDeps, now: number, filter: DashboardFilter): RecommendationView[] {
  const e = d.engine;
  const pricer = d.pricer();
  if (!e.tokenUsage || !pricer) return [];
  const q: QueryFilter = { from: now - 7 * DAY, to: now + 1, ...(filter.endpoint ? { endpoint: filter.endpoint } : {}), ...(filter.model ? { model: filter.model } : {}) };
  const usage = e.tokenUsage(q);
  const failed = new Map(e.tokenUsage({ ...q, status: 'error' }).map(r => [keyOf(r.endpoint, r.model), r]));
  const dups = new Map((e.duplicateRequests?.(q) ?? []).map(r => [r.endpoint, r]));
  // Duplicates are per endpoint; give them to the endpoint's costliest model so they are counted once.
  const topModel = new Map<string, TokenUsageRow>();
  for (const r of usage) { const t = topModel.get(r.endpoint); if (!t || r.costUsd > t.costUsd) topModel.set(r.endpoint, r); }
  const rows: EndpointModelAggregate[] = usage.map(r => {
    const f = failed.get(keyOf(r.endpoint, r.model));
    const dup = topModel.get(r.endpoint) === r ? dups.get(r.endpoint) : undefined;
    return {
      endpoint: r.endpoint, model: r.model, provider: null, calls: r.calls, pricedCalls: r.calls - r.unpricedCalls, costUsd: r.costUsd,
      failedCalls: f?.calls ?? 0, failedCostUsd: f?.costUsd ?? 0, usageCalls: r.usageCalls, inputTokens: r.inputTokens,
      outputTokens: r.outputTokens, cacheReadTokens: r.cacheReadTokens, cacheWriteTokens: r.cacheWriteTokens,
      cacheWrite1hTokens: r.cacheWrite1hTokens, duplicateCalls: dup?.duplicateCalls ?? 0, duplicateCostUsd: dup?.duplicateCostUsd ?? 0,
    };
  });
  return recommend({ rows, windowDays: 7, at: now }, pricer.table).map(r => ({
    title: r.title, detail: `${r.detail} (${r.basis}; from the last 7 days)`, savingsUsdPerMonth: r.monthlySavingsUsd,
  }));
}

export function cacheSavingsRows(d: PricingDeps, q: QueryFilter): { byEndpoint: { key: string; responseUsd: number | null; promptUsd: number | null }[] } | null {
  const e = d.engine;
  if (!e.cacheStats) return null;
  const rows = e.cacheStats(q, true);
  // A saving is only a figure when there is something to base it on: rows whose response-cache
  // flag is never logged have no known hits (savings "—", like their hit rate), rows without any
  // token counts have no prompt-cache figure. $0.00 stays for a real zero (known misses only).
  const resp = responseCacheSavings(rows.map(r => ({
    endpoint: r.endpoint, model: r.model, hits: r.responseCacheHits,
    nonCachedPricedCalls: r.nonCachedCalls - r.nonCachedUnpricedCalls, nonCachedCostUsd: r.nonCachedCostUsd,
  }))).map((s, i) => (rows[i].responseCacheKnown > 0 ? s : { ...s, savedUsd: null }));
  const pricer = d.pricer();
  const withTokens = rows.filter(r => r.inputTokens + r.cacheReadTokens + r.cacheWriteTokens > 0);
  const prompt = pricer ? promptCacheSavings(withTokens.map(r => ({
    endpoint: r.endpoint, model: r.model === '(none)' ? null : r.model, cacheReadTokens: r.cacheReadTokens,
    cacheWrite5mTokens: r.cacheWrite5mTokens, cacheWrite1hTokens: r.cacheWrite1hTokens,
  })), pricer.table, q.to) : [];
  return { byEndpoint: savingsByEndpoint(resp, prompt).map(s => ({ key: s.endpoint, responseUsd: s.responseCacheSavedUsd, promptUsd: s.promptCacheSavedUsd })) };
}

/** Models for the calculator: those seen in the logs that have a price, then every row of the price table. */
export function pricedModels(d: PricingDeps, seen: readonly string[]): string[] {
  const pricer = d.pricer();
  if (!pricer) return [];
  const out = new Set<string>();
  for (const m of seen) if (pricer.lookup(m)) out.add(m);
  const table = [...new Set(pricer.table.entries.map(e => e.model))].sort();
  for (const m of table) out.add(m);
  return [...out].slice(0, 2000);
}

export function calculatorRows(d: PricingDeps, input: CalculatorInput): CalculatorRow[] {
  const pricer = d.pricer();
  if (!pricer) return input.models.map(model => ({ model, perRequest: null, perDay: null, perMonth: null, note: 'no price table loaded' }));
  const models = input.models.filter(m => typeof m === 'string' && m.length > 0 && m.length < 300).slice(0, 3);
  const num = (x: unknown): number => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : 0);
  return compare(models, {
    requestsPerDay: num(input.requestsPerDay), inputTokens: num(input.inputTokens), outputTokens: num(input.outputTokens),
    cachedShare: Math.min(1, num(input.cachedShare)),
  }, pricer.table).map(r => ({
    model: r.resolvedModel && r.resolvedModel !== r.model ? `${r.model} (${r.resolvedModel})` : r.model,
    perRequest: r.perRequest, perDay: r.perDay, perMonth: r.perMonth, note: r.notes.join('; ') + (r.estimated ? '; estimated' : ''),
  }));
}

export function makeDashboardPricing(d: PricingDeps, seenModels: () => readonly string[]): DashboardPricing {
  return {
    projection: (_engine, now) => projectionView(d, now),
    recommendations: (_engine, now, filter) => recommendationViews(d, now, filter),
    pricedModels: () => pricedModels(d, seenModels()),
    cacheSavings: q => cacheSavingsRows(d, q),
    retryCost: q => d.engine.costSummary?.(q).retryCostUsd ?? null,
  };
}
