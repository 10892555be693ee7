// Result shapes of the queries behind every panel. The dashboard protocol, the CLI and the
// exporters all use these. "No data" is `null`, never 0 or NaN.

export interface LatencyStats {
  /** number of calls with a valid latency */
  n: number;
  avg: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** 'exact' (nearest-rank over raw latencies) or 'approx' (log-bucket histogram, ≤ 2 % error) */
  method: 'exact' | 'approx';
}

/** Figures of one window (a range under one filter). */
export interface WindowStats {
  from: number;
  to: number;
  calls: number;
  errors: number;
  /** successes / calls, null when calls = 0 */
  successRate: number | null;
  errorRate: number | null;
  latency: LatencyStats;
  /** calls per minute over the window length */
  throughputPerMin: number | null;
  /** response-cache hits / calls whose hit flag is known; null when none known */
  responseCacheHitRate: number | null;
  responseCacheHits: number;
  /** cache_read_tokens / input_tokens over calls with usage; null when no input tokens */
  promptCacheTokenShare: number | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** sum of known costs, unrounded */
  costUsd: number;
  /** calls with no cost (unknown model / no usage) left out of costUsd */
  unpricedCalls: number;
  /** costUsd per hour of window length */
  costPerHour: number | null;
}

export type BucketSize = 'minute' | '5min' | '15min' | 'hour' | 'day';

export interface SeriesPoint {
  /** bucket start, UTC epoch ms */
  t: number;
  calls: number;
  errors: number;
  successRate: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  avgLatency: number | null;
  responseCacheHitRate: number | null;
  promptCacheTokenShare: number | null;
  throughputPerMin: number | null;
  costUsd: number;
  costPerHour: number | null;
}

export interface TimeSeries {
  bucket: BucketSize;
  bucketMs: number;
  /** percentile method used for the buckets */
  percentileMethod: 'exact' | 'approx';
  points: SeriesPoint[];
}

export interface BreakdownRow {
  key: string;
  calls: number;
  errors: number;
  successRate: number | null;
  avgLatency: number | null;
  p95: number | null;
  costUsd: number;
  unpricedCalls: number;
  responseCacheHitRate: number | null;
  promptCacheTokenShare: number | null;
  inputTokens: number;
  outputTokens: number;
}

export interface ErrorRow {
  errorType: string;
  endpoint: string;
  count: number;
  lastTs: number;
}

// ---- cost and cache tabs (src/core/metrics/cost.ts) ----

/** Cost of one period. */
export interface CostPeriod {
  from: number;
  to: number;
  calls: number;
  /** sum of known costs, unrounded */
  costUsd: number;
  unpricedCalls: number;
}

/** Today, the last 7 and 30 local calendar days (today included) and the month to date, in the display zone. */
export interface CostTotals {
  today: CostPeriod;
  last7d: CostPeriod;
  last30d: CostPeriod;
  monthToDate: CostPeriod;
}

/**
 * Cost of a range. A retry is a call with retry_count > 0. Wasted cost = the cost of calls that
 * failed or were retries, each call counted once (a failed retry is not counted twice).
 */
export interface CostSummary {
  from: number;
  to: number;
  calls: number;
  pricedCalls: number;
  unpricedCalls: number;
  costUsd: number;
  /** costUsd / pricedCalls; null when no call is priced */
  avgCostPerCall: number | null;
  failedCalls: number;
  failedCostUsd: number;
  retryCalls: number;
  retryCostUsd: number;
  wastedCostUsd: number;
}

export interface CostRow {
  key: string;
  calls: number;
  pricedCalls: number;
  unpricedCalls: number;
  costUsd: number;
  avgCostPerCall: number | null;
  /** costUsd / total cost of the range; null when the total is 0 */
  share: number | null;
}

/** One local day (display zone) of cost, split by model ('(none)' for calls without one). */
export interface DailyCost {
  /** local midnight, UTC epoch ms */
  day: number;
  calls: number;
  costUsd: number;
  unpricedCalls: number;
  byModel: { key: string; costUsd: number; calls: number }[];
}

/** Caching figures of one endpoint (and model when grouped so). */
export interface CacheRow {
  endpoint: string;
  /** null when the row is per endpoint only, '(none)' for calls without a model */
  model: string | null;
  calls: number;
  /** calls whose response-cache flag is known */
  responseCacheKnown: number;
  responseCacheHits: number;
  responseCacheHitRate: number | null;
  /** calls not served from the app's own cache (hit flag false or unknown) */
  nonCachedCalls: number;
  nonCachedCostUsd: number;
  nonCachedUnpricedCalls: number;
  /** nonCachedCostUsd / priced non-cached calls; null when none is priced */
  avgNonCachedCostUsd: number | null;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  cacheWrite1hTokens: number;
  /** cacheWriteTokens - cacheWrite1hTokens */
  cacheWrite5mTokens: number;
  promptCacheTokenShare: number | null;
}

/**
 * Repeated identical requests (same request_hash) on one endpoint. duplicateCalls = calls beyond the
 * first of each hash; duplicateCostUsd = for each hash, (count - 1) x the average known cost of its calls.
 */
export interface DuplicateRow {
  endpoint: string;
  /** hashes seen more than once */
  repeatedHashes: number;
  duplicateCalls: number;
  duplicateCostUsd: number;
}

/** Token sums per (endpoint, model), e.g. to price the same usage on a cheaper model. */
export interface TokenUsageRow {
  endpoint: string;
  model: string | null;
  calls: number;
  /** calls with usage (input tokens known) */
  usageCalls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  cacheWrite1hTokens: number;
  reasoningTokens: number;
  costUsd: number;
  unpricedCalls: number;
}
