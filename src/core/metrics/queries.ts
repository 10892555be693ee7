// The queries behind the dashboard panels, the tree views and the CLI. "No data" is null.
import type { QueryFilter } from '../model';
import type { BreakdownRow, BucketSize, ErrorRow, LatencyStats, SeriesPoint, TimeSeries, WindowStats } from './types';
import { aggregate, compileFilter, Dim, ERRORS, latencyDists, M, QueryContext, zeroMeasures } from './aggregate';
import { ExactDist, HistDist, LatencyDist } from './percentile';
import { HOUR_MS, MINUTE_MS } from '../store/rollups';
import { nextDayStart, startOfDay } from './timeZone';

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

function latencyStats(m: number[], dist: LatencyDist | undefined, approx: boolean): LatencyStats {
  return {
    n: m[M.lat_n],
    avg: ratio(m[M.lat_sum], m[M.lat_n]),
    p50: dist?.quantile(50) ?? null,
    p95: dist?.quantile(95) ?? null,
    p99: dist?.quantile(99) ?? null,
    method: approx ? 'approx' : 'exact',
  };
}

/**
 * Figures of one window. Calls per minute and cost per hour use the window length as denominator, and are
 * null for a window shorter than a minute: over the span of a single call (the CLI's `--since all` of a
 * one-call log is 1 ms long) one call read as 60,000 calls a minute and its cost times 3.6 million an hour.
 */
export function windowStats(ctx: QueryContext, f: QueryFilter): WindowStats {
  const m = aggregate(ctx, f).get('') ?? zeroMeasures();
  const lat = latencyDists(ctx, f);
  const calls = m[M.calls];
  const span = (f.to - f.from) / MINUTE_MS;
  const minutes = span >= 1 ? span : 0;
  return {
    from: f.from, to: f.to, calls, errors: m[ERRORS],
    successRate: ratio(calls - m[ERRORS], calls), errorRate: ratio(m[ERRORS], calls),
    latency: latencyStats(m, lat.dists.get(''), lat.approx),
    throughputPerMin: calls > 0 && minutes > 0 ? calls / minutes : null,
    responseCacheHitRate: ratio(m[M.rc_hits], m[M.rc_known]), responseCacheHits: m[M.rc_hits],
    promptCacheTokenShare: ratio(m[M.cache_read_tokens], m[M.input_tokens]),
    inputTokens: m[M.input_tokens], outputTokens: m[M.output_tokens], cacheReadTokens: m[M.cache_read_tokens],
    cacheWriteTokens: m[M.cache_write_tokens], reasoningTokens: m[M.reasoning_tokens],
    costUsd: m[M.cost_usd], unpricedCalls: m[M.unpriced],
    costPerHour: calls > 0 && minutes > 0 ? m[M.cost_usd] / (minutes / 60) : null,
  };
}

/** Bucket for a range: ≤ 1 h minute, ≤ 6 h 5 min, ≤ 24 h 15 min, ≤ 7 d hour, else local days. */
export function chooseBucket(rangeMs: number): { bucket: BucketSize; ms: number } {
  if (rangeMs <= HOUR_MS) return { bucket: 'minute', ms: MINUTE_MS };
  if (rangeMs <= 6 * HOUR_MS) return { bucket: '5min', ms: 5 * MINUTE_MS };
  if (rangeMs <= 24 * HOUR_MS) return { bucket: '15min', ms: 15 * MINUTE_MS };
  if (rangeMs <= 7 * 24 * HOUR_MS) return { bucket: 'hour', ms: HOUR_MS };
  return { bucket: 'day', ms: 24 * HOUR_MS };
}

/** Bucket starts covering [from, to): fixed sizes are aligned on UTC multiples, days on local midnights. */
export function bucketStarts(from: number, to: number, bucket: BucketSize, ms: number, timeZone?: string): number[] {
  const out: number[] = [];
  if (to <= from) return out;
  if (bucket === 'day') {
    for (let t = startOfDay(from, timeZone); t < to; t = nextDayStart(t, timeZone)) out.push(t);
  } else {
    for (let t = Math.floor(from / ms) * ms; t < to; t += ms) out.push(t);
  }
  return out;
}

/** Index of the bucket holding ts (starts ascending), -1 when before the first. */
export function bucketIndex(starts: number[], ts: number): number {
  let lo = 0, hi = starts.length - 1, ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] <= ts) { ans = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return ans;
}

/**
 * Time series of a range. Every call of [from, to) lands in exactly one bucket, so the buckets sum to
 * the window total. The first and last buckets may be partial; their rates use the covered length.
 */
export function seriesStats(ctx: QueryContext, f: QueryFilter): TimeSeries {
  const { bucket, ms } = chooseBucket(f.to - f.from);
  const starts = bucketStarts(f.from, f.to, bucket, ms, ctx.timeZone);
  // Slots are the grain the data is read at: buckets themselves for fixed sizes, hours for local days.
  // In a zone whose offset is not a whole number of hours (e.g. +05:30) an hour slot straddling local
  // midnight goes to the day it starts in: totals still sum to the range, a day edge may be off by 30 min.
  const grain = bucket === 'day' ? HOUR_MS : ms;
  const acc = starts.map(() => zeroMeasures());
  for (const [key, m] of aggregate(ctx, f, [], grain)) {
    const i = bucketIndex(starts, Number(key.split('|')[0]));
    if (i < 0) continue;
    for (let j = 0; j < m.length; j++) acc[i][j] += m[j];
  }
  const lat = latencyDists(ctx, f, [], grain);
  const perBucket: LatencyDist[][] = starts.map(() => []);
  for (const [key, d] of lat.dists) {
    const i = bucketIndex(starts, Number(key.split('|')[0]));
    if (i >= 0) perBucket[i].push(d);
  }
  const points: SeriesPoint[] = starts.map((t, i) => {
    const m = acc[i];
    const end = i + 1 < starts.length ? starts[i + 1] : (bucket === 'day' ? nextDayStart(t, ctx.timeZone) : t + ms);
    const covered = Math.min(end, f.to) - Math.max(t, f.from);
    const calls = m[M.calls];
    const dist = mergeDists(perBucket[i]);
    return {
      t, calls, errors: m[ERRORS], successRate: ratio(calls - m[ERRORS], calls),
      p50: dist?.quantile(50) ?? null, p95: dist?.quantile(95) ?? null, p99: dist?.quantile(99) ?? null,
      avgLatency: ratio(m[M.lat_sum], m[M.lat_n]),
      responseCacheHitRate: ratio(m[M.rc_hits], m[M.rc_known]),
      promptCacheTokenShare: ratio(m[M.cache_read_tokens], m[M.input_tokens]),
      throughputPerMin: calls > 0 ? calls / (covered / MINUTE_MS) : null,
      costUsd: m[M.cost_usd],
      costPerHour: calls > 0 ? m[M.cost_usd] / (covered / HOUR_MS) : null,
    };
  });
  return { bucket, bucketMs: ms, percentileMethod: lat.approx ? 'approx' : 'exact', points };
}

/** Several slot distributions of one bucket as one (never averaging percentiles). */
function mergeDists(ds: LatencyDist[]): LatencyDist | undefined {
  if (ds.length <= 1) return ds[0];
  if (ds[0] instanceof HistDist) {
    const h = new HistDist();
    for (const d of ds) h.merge(d as HistDist);
    return h;
  }
  const e = new ExactDist();
  for (const d of ds) e.merge(d as ExactDist);
  return e;
}

function breakdown(ctx: QueryContext, f: QueryFilter, dim: Dim, kind: 'endpoint' | 'model' | 'provider'): BreakdownRow[] {
  const agg = aggregate(ctx, f, [dim]);
  const lat = latencyDists(ctx, f, [dim]);
  const rows: BreakdownRow[] = [];
  for (const [key, m] of agg) {
    const calls = m[M.calls];
    if (calls <= 0) continue;
    rows.push({
      key: ctx.store.dimName(kind, Number(key)) ?? '(none)', calls, errors: m[ERRORS],
      successRate: ratio(calls - m[ERRORS], calls), avgLatency: ratio(m[M.lat_sum], m[M.lat_n]),
      p95: lat.dists.get(key)?.quantile(95) ?? null, costUsd: m[M.cost_usd], unpricedCalls: m[M.unpriced],
      responseCacheHitRate: ratio(m[M.rc_hits], m[M.rc_known]), promptCacheTokenShare: ratio(m[M.cache_read_tokens], m[M.input_tokens]),
      inputTokens: m[M.input_tokens], outputTokens: m[M.output_tokens],
    });
  }
  return rows.sort((a, b) => b.calls - a.calls || a.key.localeCompare(b.key));
}

/** One row per endpoint, most calls first. */
export function byEndpoint(ctx: QueryContext, f: QueryFilter): BreakdownRow[] {
  return breakdown(ctx, f, 'e', 'endpoint');
}
/** One row per model ('(none)' for calls without a model), most calls first. */
export function byModel(ctx: QueryContext, f: QueryFilter): BreakdownRow[] {
  return breakdown(ctx, f, 'm', 'model');
}
/** One row per provider. */
export function byProvider(ctx: QueryContext, f: QueryFilter): BreakdownRow[] {
  return breakdown(ctx, f, 'p', 'provider');
}

/**
 * Most frequent failures by (error type, endpoint). The error type is the logged one, else
 * "HTTP <status>", else "error". Reads raw rows through a partial index on failed calls.
 */
export function topErrors(ctx: QueryContext, f: QueryFilter, limit = 10): ErrorRow[] {
  const cf = compileFilter(ctx.store, { ...f, status: undefined });
  if (!cf.ok || f.status === 'ok') return [];
  const rows = ctx.store.all(`SELECT coalesce(c.error_type, 'HTTP ' || c.status_code, 'error') AS et, c.endpoint_id, count(*), max(c.ts)
    FROM calls c WHERE c.success = 0 AND c.ts >= ? AND c.ts < ?${cf.raw} GROUP BY et, c.endpoint_id ORDER BY 3 DESC, 1 LIMIT ?`,
  [f.from, f.to, ...cf.params, limit]);
  return rows.map(r => ({ errorType: String(r[0]), endpoint: ctx.store.dimName('endpoint', Number(r[1])) ?? '(unknown)', count: Number(r[2]), lastTs: Number(r[3]) }));
}
