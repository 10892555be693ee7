// Maps the figures of a window (WindowStats) onto the value of a rule's metric, so the engine owner
// can feed the alert engine straight from its queries. Rates become percent (rules are written in
// percent), and anything the window cannot tell is null (no data), never 0.
import type { QueryFilter } from '../model';
import type { WindowStats } from '../metrics/types';
import type { AlertRule } from './rules';

export interface SamplerExtra {
  /** spend of the current budget day so far (USD), for costPerDay */
  costToday?: number | null;
  /** calls of the current budget day, for costPerDay / budgetUse (default: the window's calls) */
  callsToday?: number;
  /** share of the budget used, as a fraction (0.5 = 50 %), for budgetUse */
  budgetShare?: number | null;
  /** start of the current budget period (UTC ms); a change ends a firing episode */
  periodStart?: number;
}

export interface RuleSample {
  value: number | null;
  calls: number;
  periodStart?: number;
}

const pct = (x: number | null | undefined): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : x * 100);
const num = (x: number | null | undefined): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : x);

export function sampleFromWindow(rule: AlertRule, window: WindowStats, extra: SamplerExtra = {}): RuleSample {
  const calls = window.calls;
  switch (rule.metric) {
    case 'errorRate': return { value: pct(window.errorRate), calls };
    case 'avgLatency': return { value: num(window.latency.avg), calls };
    case 'p95Latency': return { value: num(window.latency.p95), calls };
    case 'throughput': return { value: num(window.throughputPerMin), calls };
    case 'costPerHour': return { value: num(window.costPerHour), calls };
    case 'cacheHitRate': return { value: pct(window.responseCacheHitRate), calls };
    case 'costPerDay': return withPeriod({ value: num(extra.costToday), calls: extra.callsToday ?? calls }, extra);
    case 'budgetUse': return withPeriod({ value: pct(extra.budgetShare), calls: extra.callsToday ?? calls }, extra);
  }
}

function withPeriod(s: RuleSample, extra: SamplerExtra): RuleSample {
  if (extra.periodStart !== undefined) s.periodStart = extra.periodStart;
  return s;
}

/** The query filter of a rule's window ending at `now` (half-open [now - window, now]; a call at now counts). */
export function ruleWindowFilter(rule: AlertRule, now: number): QueryFilter {
  // +1 so a call stamped exactly `now` (just ingested) is inside the half-open window
  const f: QueryFilter = { from: now - rule.windowMinutes * 60_000, to: now + 1 };
  if (rule.scope.kind === 'endpoint') f.endpoint = rule.scope.value;
  if (rule.scope.kind === 'model') f.model = rule.scope.value;
  return f;
}
