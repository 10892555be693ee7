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
