// Percentiles. Method (shown in the UI as "nearest rank"): the p-th percentile of n values sorted
// ascending is the value at 1-based rank ceil(p/100 * n), so it is always an observed latency.
// Example: [10, 20, 30, 40]: p50 -> rank ceil(2) = 2 -> 20; p95 -> rank ceil(3.8) = 4 -> 40.
import { bucketValue } from '../store/rollups';

export function nearestRank(sorted: ArrayLike<number>, p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
  return sorted[rank - 1];
}

/** A latency distribution: exact (all values) or a log-bucket histogram (approximate). */
export interface LatencyDist {
  readonly n: number;
  readonly approx: boolean;
  quantile(p: number): number | null;
}

export class ExactDist implements LatencyDist {
  readonly approx = false;
  private values: number[] = [];
  private sorted = true;
  add(v: number): void { this.values.push(v); this.sorted = false; }
  merge(o: ExactDist): void { for (const v of o.values) this.values.push(v); this.sorted = false; }
  get n(): number { return this.values.length; }
  quantile(p: number): number | null {
    if (!this.sorted) { this.values.sort((a, b) => a - b); this.sorted = true; }
    return nearestRank(this.values, p);
  }
}

/** Histogram over buckets b = round(ln(ms) * K); quantile = representative of the bucket holding the nearest rank. */
export class HistDist implements LatencyDist {
  readonly approx = true;
  private counts = new Map<number, number>();
  private total = 0;
  add(bucket: number, count: number): void {
    if (count <= 0) return;
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + count);
    this.total += count;
  }
  merge(o: HistDist): void { for (const [b, c] of o.counts) this.add(b, c); }
  get n(): number { return this.total; }
  quantile(p: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.min(this.total, Math.max(1, Math.ceil((p / 100) * this.total)));
    let seen = 0;
    for (const b of [...this.counts.keys()].sort((x, y) => x - y)) {
      seen += this.counts.get(b)!;
      if (seen >= rank) return bucketValue(b);
    }
    return null;
  }
}
