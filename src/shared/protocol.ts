// Messages between the extension host and the dashboard webview, and the state types they carry.
// Both sides import this file with `import type` only, so nothing here may be a runtime value.
// Rules (see shared/notes/architecture.md, "Webview hygiene"):
// - the webview sends `ready` first; the host posts nothing before it;
// - replies carry the `id` of their request;
// - messages carry aggregates only, never raw call rows (a million calls must not cross postMessage);
// - "no data" is `null`, never 0 or NaN.
import type { WindowStats, TimeSeries, BreakdownRow } from '../core/metrics/types';

export type TabId = 'realtime' | 'history' | 'cost' | 'cache' | 'alerts';
export type RangePreset = '15m' | '1h' | '6h' | '24h' | '7d' | '30d' | 'custom';

/** The global filters of the dashboard. `from`/`to` (UTC epoch ms) only matter for `custom`. */
export interface DashboardFilter {
  readonly range: RangePreset;
  readonly from?: number;
  readonly to?: number;
  readonly endpoint?: string;
  readonly model?: string;
}

/** UI state kept by the webview (getState/setState) and restored by the serializer. UI only, never data. */
export interface DashboardUiState {
  readonly tab: TabId;
  readonly filter: DashboardFilter;
  readonly autoRefresh: boolean;
  /** 5, 10, 30 or 60 */
  readonly refreshSeconds: number;
  /** History chart series the user switched off (legend click) */
  readonly hiddenSeries: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Tab payloads

/** A KPI value and its change against the previous window of the same length. */
export interface Kpi {
  readonly id: 'calls' | 'successRate' | 'avgLatency' | 'p95Latency' | 'throughput' | 'cacheHitRate' | 'cost' | 'costPerHour';
  readonly label: string;
  readonly value: number | null;
  readonly previous: number | null;
  /** relative change (0.25 = +25 %), null when either side has no data or the previous value is 0 */
  readonly change: number | null;
  readonly unit: 'count' | 'ratio' | 'ms' | 'perMin' | 'usd' | 'usdPerHour';
  /** true when a rise is bad (latency, cost): lets the UI colour the arrow */
  readonly higherIsWorse: boolean;
}

export type Band = 'ok' | 'warning' | 'critical';

export interface Gauge {
  readonly id: 'p95Latency' | 'successRate';
  readonly label: string;
  readonly value: number | null;
  readonly unit: 'ms' | 'ratio';
  /** thresholds from the alert rules, null when no enabled rule covers this metric ("no rule") */
  readonly thresholds: { readonly warning: number | null; readonly critical: number | null; readonly comparison: Comparison } | null;
  /** band of the current value; null when no value or no rule */
  readonly band: Band | null;
  /** scale maximum for drawing */
  readonly max: number;
}

export type Severity = 'info' | 'warning' | 'error' | 'critical';
/** strictly above / below, as the alert engine evaluates (src/core/alerts/evaluate.ts levelOf) */
export type Comparison = 'above' | 'below';
export type AlertMetric = 'errorRate' | 'p95Latency' | 'avgLatency' | 'throughput' | 'costPerHour' | 'costPerDay' | 'budgetUse' | 'cacheHitRate';

export interface AlertView {
  readonly id: string;
  readonly ruleId: string;
  readonly ruleName: string;
  readonly severity: Severity;
  readonly state: string;
  /** level reached: 'warning' or 'critical' */
  readonly level: string | null;
  readonly since: number;
  readonly value: number | null;
  readonly message: string;
  readonly acknowledged: boolean;
}

export interface RealtimeData {
  readonly window: WindowStats;
  readonly previous: WindowStats;
  readonly kpis: readonly Kpi[];
  readonly gauges: readonly Gauge[];
  readonly endpoints: readonly BreakdownRow[];
  /** endpoints beyond the rows sent */
  readonly endpointsOmitted: number;
  readonly activeAlerts: readonly AlertView[];
}

export interface HistoryData {
  readonly series: TimeSeries;
}

export interface CostTotals {
  readonly today: number;
  readonly last7d: number;
  readonly last30d: number;
  readonly monthToDate: number;
  /** calls in the last 30 days left out of the totals because they have no price */
  readonly unpricedCalls30d: number;
  /** of those, calls without a model (plain HTTP API calls: nothing to price); 0 when unknown */
  readonly unpricedNoModel30d: number;
}

export interface StackedDaily {
  /** day labels (YYYY-MM-DD in the display zone) */
  readonly days: readonly string[];
  readonly keys: readonly string[];
  /** values[k][d] = cost of keys[k] on days[d] */
  readonly values: readonly (readonly number[])[];
}

export interface ProjectionView {
  readonly budgetUsd: number | null;
  readonly period: string | null;
  readonly spentUsd: number;
  readonly projectedUsd: number | null;
  /** projected / budget, null without budget or projection */
  readonly projectedShare: number | null;
  readonly status: string | null;
  readonly periodEnd: number | null;
  readonly assumptions: string;
  readonly confidence: string;
  /**
   * Cumulative spend over the period for the chart: `spent` at the period start, each complete day's end and now;
   * `projected` at now and at the period end (null elsewhere).
   */
  readonly points?: readonly { readonly t: number; readonly spent: number | null; readonly projected: number | null }[];
}

export interface RecommendationView {
  readonly title: string;
  readonly detail: string;
  readonly savingsUsdPerMonth: number | null;
}

/** Cost of one endpoint or model (a BreakdownRow fits; the engine's cheaper cost rows too). */
export interface CostRowView {
  readonly key: string;
  readonly calls: number;
  readonly costUsd: number;
  readonly unpricedCalls: number;
}

export interface CostData {
  readonly totals: CostTotals;
  /** the selected range: calls and known cost (unpriced calls left out) */
  readonly summary: { readonly calls: number; readonly unpricedCalls: number; readonly costUsd: number };
  readonly daily: StackedDaily;
  readonly byEndpoint: readonly CostRowView[];
  readonly byModel: readonly CostRowView[];
  /** costUsd / priced calls of the window, null when none priced */
  readonly avgCostPerCall: number | null;
  /** cost of failed calls; retries' cost when the engine can tell them apart (else null) */
  readonly wasted: { readonly failedUsd: number; readonly failedCalls: number; readonly retryUsd: number | null;
    /** failed or retried calls, each counted once (a failed retry is not counted twice) */
    readonly totalUsd: number };
  readonly projection: ProjectionView | null;
  readonly recommendations: readonly RecommendationView[];
  /** model names the calculator can price */
  readonly pricedModels: readonly string[];
  /** projection and recommendations are still being computed: a second snapshot follows */
  readonly pending?: boolean;
}

export interface CacheRow {
  readonly key: string;
  readonly calls: number;
  readonly responseCacheHitRate: number | null;
  readonly promptCacheTokenShare: number | null;
  readonly responseCacheSavingsUsd: number | null;
  readonly promptCacheSavingsUsd: number | null;
}

export interface CacheData {
  /** the selected range */
  readonly summary: { readonly calls: number; readonly responseCacheHitRate: number | null; readonly promptCacheTokenShare: number | null };
  readonly rows: readonly CacheRow[];
  readonly responseCacheSavingsUsd: number | null;
  readonly promptCacheSavingsUsd: number | null;
  /** inputs of the what-if slider, computed client-side (see webview/format.ts whatIfMonthlySavings) */
  readonly whatIf: {
    readonly currentHitRate: number | null;
    /** calls per 30 days at the window's pace */
    readonly callsPerMonth: number | null;
    /** average cost of a call that was not served from the response cache */
    readonly avgCostPerMissUsd: number | null;
  };
}

/**
 * An alert rule as the form edits it: src/core/alerts AlertRule with the scope flattened. Units as in the rule:
 * rates in percent (10 = 10 %), latency in ms, money in USD.
 */
export interface RuleView {
  readonly id: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly metric: AlertMetric;
  /** 'all', 'endpoint:<name>' or 'model:<name>' */
  readonly scope: string;
  readonly comparison: Comparison;
  readonly warning: number | null;
  readonly critical: number | null;
  readonly windowMinutes: number;
  readonly forMinutes: number;
  readonly minCalls: number;
  readonly cooldownMinutes: number;
  readonly severity: Severity;
}

export interface AlertsData {
  readonly rules: readonly RuleView[];
  readonly firing: readonly AlertView[];
  readonly history: readonly AlertView[];
}

export type TabData =
  | { readonly tab: 'realtime'; readonly data: RealtimeData }
  | { readonly tab: 'history'; readonly data: HistoryData }
  | { readonly tab: 'cost'; readonly data: CostData }
  | { readonly tab: 'cache'; readonly data: CacheData }
  | { readonly tab: 'alerts'; readonly data: AlertsData };

/** Things the filters need whatever the tab. */
export interface DashboardMeta {
  readonly endpoints: readonly string[];
  readonly models: readonly string[];
  /** oldest and newest call, null when the store is empty */
  readonly firstTs: number | null;
  readonly lastTs: number | null;
  readonly timeZone: string;
  readonly totalCalls: number;
}

export interface CalculatorInput {
  readonly models: readonly string[];
  readonly requestsPerDay: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** share of input tokens read from the prompt cache, 0..1 */
  readonly cachedShare: number;
}

export interface CalculatorRow {
  readonly model: string;
  readonly perRequest: number | null;
  readonly perDay: number | null;
  readonly perMonth: number | null;
  readonly note?: string;
}

// ---------------------------------------------------------------------------------------------
// Messages

export type FromWebview =
  /** first message; `state` is what the webview restored (null on a fresh panel) */
  | { readonly type: 'ready'; readonly state: DashboardUiState | null }
  /** the tab or the filter changed: the host answers with a `snapshot` carrying this id */
  | { readonly type: 'view'; readonly id: number; readonly tab: TabId; readonly filter: DashboardFilter }
  | { readonly type: 'refresh'; readonly id: number }
  | { readonly type: 'autoRefresh'; readonly enabled: boolean; readonly seconds: number }
  | { readonly type: 'calculate'; readonly id: number; readonly input: CalculatorInput }
  | { readonly type: 'saveRule'; readonly id: number; readonly rule: RuleView; readonly isNew: boolean }
  | { readonly type: 'deleteRule'; readonly id: number; readonly ruleId: string }
  | { readonly type: 'setRuleEnabled'; readonly id: number; readonly ruleId: string; readonly enabled: boolean }
  | { readonly type: 'acknowledge'; readonly id: number; readonly alertId: string }
  | { readonly type: 'acknowledgeAll'; readonly id: number }
  | { readonly type: 'command'; readonly command: 'openSettings' | 'showProblems' | 'addLogFile' | 'exportReport' };

export type ToWebview =
  /** answer to `ready`: the state to show (restored or asked for by show(opts)) and the filter choices */
  | { readonly type: 'init'; readonly state: DashboardUiState; readonly meta: DashboardMeta }
  /** data for one tab; `id` is the request id (0 when pushed by the host after an ingest or a timer) */
  | { readonly type: 'snapshot'; readonly id: number; readonly tab: TabId; readonly filter: DashboardFilter;
      readonly payload: TabData; readonly meta: DashboardMeta; readonly generatedAt: number; readonly from: number; readonly to: number }
  /** the host asks the webview to switch (show({tab, endpoint, model}) on an open panel) */
  | { readonly type: 'navigate'; readonly tab?: TabId; readonly filter?: Partial<DashboardFilter> }
  | { readonly type: 'calculateResult'; readonly id: number; readonly rows: readonly CalculatorRow[]; readonly error?: string }
  | { readonly type: 'ruleResult'; readonly id: number; readonly ok: boolean; readonly errors: readonly string[] }
  | { readonly type: 'ackResult'; readonly id: number; readonly ok: boolean }
  | { readonly type: 'error'; readonly id: number; readonly message: string };
