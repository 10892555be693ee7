// The metrics summary of a range: the figures of every dashboard tab, with their definitions. The
// JSON summary, the HTML report and the Markdown report are three renderings of this one object.
// Parts that come from pricing (projection, budget, savings) or alerts are optional so a report can
// be written with whatever the caller has.
import type { BreakdownRow, ErrorRow, TimeSeries, WindowStats } from '../metrics/types';

export interface ReportDefinitions {
  /** e.g. "nearest rank over the raw latencies of the whole selection" */
  percentileMethod: string;
  /** 'exact' or 'approx' (log-bucket histogram, within 2 %) */
  percentileKind: 'exact' | 'approx';
  /** IANA display zone used for days, hours and timestamps */
  timeZone: string;
  /** version or date of the price table; null when unknown */
  priceTableVersion: string | null;
  currency: 'USD';
  /** free-form notes: throughput denominator, what "unpriced" means... */
  notes?: string[];
}

export interface CostPerDayRow {
  /** local day in the display zone, "2025-03-01" */
  day: string;
  /** UTC ms of the day's local 00:00 */
  start: number;
  /** unrounded cost per model ("(none)" for calls without a model) */
  byModel: Record<string, number>;
  total: number;
  calls: number;
}

export interface ReportCostTotals {
  totalUsd: number;
  loggedUsd?: number;
  computedUsd?: number;
  /** calls whose cost could not be known (left out of totalUsd) */
  unpricedCalls: number;
  /** calls whose computed cost is marked estimated */
  estimatedCalls?: number;
}

export interface ReportProjection {
  /** projected spend of the current period (month), null when there is no data */
  periodTotal: number | null;
  periodStart?: number;
  periodEnd?: number;
  next30Days?: number | null;
  confidence?: string;
  method?: string;
  note?: string | null;
}

export interface ReportBudget {
  amount: number;
  period: 'day' | 'week' | 'month';
  spent: number;
  /** spent / amount, null when amount is not positive */
  share: number | null;
  projectedAtEnd?: number | null;
  runsOutAt?: number | null;
}

export interface ReportCacheSavings {
  /** money saved by the app's own response cache (hits x average cost of a miss), null when unknown */
  responseCacheUsd: number | null;
  /** money saved by provider prompt caching (cache reads priced at input minus cache-read rate) */
  promptCacheUsd: number | null;
  responseCacheHitRate?: number | null;
  promptCacheTokenShare?: number | null;
  method?: string;
}

export interface ReportAlert {
  ruleId: string;
  ruleName: string;
  severity: string;
  level: string | null;
  state: string;
  value: number | null;
  threshold: number | null;
  /** value and threshold with their unit ("1839 ms"), as the alert showed them; the reports use these when given */
  valueText?: string;
  thresholdText?: string;
  startedAt: number;
  resolvedAt: number | null;
}

export interface ReportRecommendation {
  title: string;
  detail: string;
  /** estimated saving per month, USD, when it can be estimated */
  savingsUsd?: number | null;
}

export interface ReportData {
  /** document kind and version, so readers can check what they got */
  kind: 'api-monitor-summary';
  version: 1;
  generatedAt: number;
  range: { from: number; to: number; label?: string };
  filter?: { endpoint?: string; model?: string; provider?: string };
  definitions: ReportDefinitions;
  kpis: WindowStats;
  byEndpoint: BreakdownRow[];
  byModel: BreakdownRow[];
  /** latency and calls over time (line chart) */
  series?: TimeSeries;
  /** cost per local day, split by model (stacked bar chart) */
  costPerDay?: CostPerDayRow[];
  costTotals?: ReportCostTotals;
  topErrors?: ErrorRow[];
  projection?: ReportProjection;
  budget?: ReportBudget;
  cacheSavings?: ReportCacheSavings;
  alerts?: ReportAlert[];
  recommendations?: ReportRecommendation[];
}

/** The JSON summary document (pretty-printed, stable key order as built). */
export function summaryJson(data: ReportData): string {
  // Non-finite numbers are not valid JSON; they mean "no data", which JSON spells null.
  return JSON.stringify(data, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}
