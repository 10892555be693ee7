// Display formatting shared by the HTML and Markdown reports. "No data" (null) reads "—", never 0.
import { formatUsd } from '../pricing/format';
import { IsoFormatter } from './isoTime';

export const NO_DATA = '—';

export function fmtUsd(x: number | null | undefined): string {
  return formatUsd(x);
}

const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
export function fmtInt(x: number | null | undefined): string {
  return typeof x === 'number' && Number.isFinite(x) ? intFmt.format(x) : NO_DATA;
}

/** a fraction (0.125) as "12.5 %" */
export function fmtPct(x: number | null | undefined): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : NO_DATA;
}

export function fmtMs(x: number | null | undefined): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${intFmt.format(Math.round(x))} ms` : NO_DATA;
}

export function fmtNum(x: number | null | undefined, digits = 2): string {
  return typeof x === 'number' && Number.isFinite(x) ? String(Number(x.toFixed(digits))) : NO_DATA;
}

/** "2025-03-01 09:00 +01:00" in the report's zone; falls back to UTC when the zone is unknown */
export function timeFormatter(timeZone: string): (ms: number | null | undefined) => string {
  let iso: IsoFormatter;
  try { iso = new IsoFormatter(timeZone); } catch { iso = new IsoFormatter('UTC'); }
  return ms => {
    if (typeof ms !== 'number' || !Number.isFinite(ms)) return NO_DATA;
    const s = iso.format(ms);
    return `${s.slice(0, 10)} ${s.slice(11, 16)} ${s.slice(23)}`;
  };
}

/** Metric the series charts show, the same as the KPI cards. */
/** A cost of calls none of which has a price is unknown (null, read "—"), not $0.00. */
const knownCost = (usd: number, calls: number, unpriced: number): number | null => (calls > 0 && unpriced >= calls ? null : usd);

export const KPI_ROWS: { k: string; label: string; get: (w: import('../metrics/types').WindowStats) => number | null; fmt: (x: number | null) => string }[] = [
  { k: 'calls', label: 'Calls', get: w => w.calls, fmt: fmtInt },
  { k: 'errors', label: 'Errors', get: w => w.errors, fmt: fmtInt },
  { k: 'errorRate', label: 'Error rate', get: w => w.errorRate, fmt: fmtPct },
  { k: 'successRate', label: 'Success rate', get: w => w.successRate, fmt: fmtPct },
  { k: 'avgLatency', label: 'Average latency', get: w => w.latency.avg, fmt: fmtMs },
  { k: 'p50', label: 'p50 latency', get: w => w.latency.p50, fmt: fmtMs },
  { k: 'p95', label: 'p95 latency', get: w => w.latency.p95, fmt: fmtMs },
  { k: 'p99', label: 'p99 latency', get: w => w.latency.p99, fmt: fmtMs },
  { k: 'latencyN', label: 'Calls with a latency (n)', get: w => w.latency.n, fmt: fmtInt },
  { k: 'throughput', label: 'Throughput (calls per minute over the range)', get: w => w.throughputPerMin, fmt: x => fmtNum(x) },
  { k: 'cost', label: 'Cost', get: w => knownCost(w.costUsd, w.calls, w.unpricedCalls), fmt: fmtUsd },
  { k: 'costPerHour', label: 'Cost per hour', get: w => (w.costPerHour === null ? null : knownCost(w.costPerHour, w.calls, w.unpricedCalls)), fmt: fmtUsd },
  { k: 'unpricedCalls', label: 'Unpriced calls (not in the cost)', get: w => w.unpricedCalls, fmt: fmtInt },
  { k: 'responseCacheHitRate', label: 'Response cache hit rate', get: w => w.responseCacheHitRate, fmt: fmtPct },
  { k: 'promptCacheTokenShare', label: 'Prompt cache share of input tokens', get: w => w.promptCacheTokenShare, fmt: fmtPct },
  { k: 'inputTokens', label: 'Input tokens', get: w => w.inputTokens, fmt: fmtInt },
  { k: 'outputTokens', label: 'Output tokens', get: w => w.outputTokens, fmt: fmtInt },
  { k: 'cacheReadTokens', label: 'Cache read tokens', get: w => w.cacheReadTokens, fmt: fmtInt },
  { k: 'cacheWriteTokens', label: 'Cache write tokens', get: w => w.cacheWriteTokens, fmt: fmtInt },
  { k: 'reasoningTokens', label: 'Reasoning tokens', get: w => w.reasoningTokens, fmt: fmtInt },
];

export const BREAKDOWN_COLUMNS: { k: string; label: string; get: (r: import('../metrics/types').BreakdownRow) => number | null; fmt: (x: number | null) => string }[] = [
  { k: 'calls', label: 'Calls', get: r => r.calls, fmt: fmtInt },
  { k: 'errors', label: 'Errors', get: r => r.errors, fmt: fmtInt },
  { k: 'successRate', label: 'Success', get: r => r.successRate, fmt: fmtPct },
  { k: 'avgLatency', label: 'Avg latency', get: r => r.avgLatency, fmt: fmtMs },
  { k: 'p95', label: 'p95', get: r => r.p95, fmt: fmtMs },
  { k: 'cost', label: 'Cost', get: r => knownCost(r.costUsd, r.calls, r.unpricedCalls), fmt: fmtUsd },
  { k: 'unpricedCalls', label: 'Unpriced', get: r => r.unpricedCalls, fmt: fmtInt },
  { k: 'responseCacheHitRate', label: 'Cache hits', get: r => r.responseCacheHitRate, fmt: fmtPct },
  { k: 'inputTokens', label: 'Input tokens', get: r => r.inputTokens, fmt: fmtInt },
  { k: 'outputTokens', label: 'Output tokens', get: r => r.outputTokens, fmt: fmtInt },
];

/** Models of the cost-per-day rows, biggest spend first (the stacking and legend order). */
export function modelsBySpend(rows: readonly { byModel: Record<string, number> }[]): string[] {
  const tot = new Map<string, number>();
  for (const r of rows) for (const [m, c] of Object.entries(r.byModel)) tot.set(m, (tot.get(m) ?? 0) + (typeof c === 'number' && Number.isFinite(c) ? c : 0));
  return [...tot].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(e => e[0]);
}

/** A model's cost in a day row; own keys only, since model names are untrusted ("constructor", "__proto__"). */
export function modelCost(byModel: Record<string, number>, model: string): number {
  if (!Object.prototype.hasOwnProperty.call(byModel, model)) return 0;
  const c = byModel[model];
  return typeof c === 'number' && Number.isFinite(c) ? c : 0;
}
