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

/**
 * The k-th smallest (0-based) of a, reordering a in place (Hoare's FIND as Wirth writes it, middle
 * element as pivot: duplicates and already ordered runs stay O(n) on average).
 */
export function selectKth(a: Float64Array, k: number, lo = 0, hi = a.length - 1): number {
  // [lo, hi]: where to look, when the caller knows the k-th smallest is there and a[lo..hi] hold exactly
  // the values of those ranks (positions fixed by earlier selections around it)
  let l = lo, r = hi;
  while (l < r) {
    const x = a[(l + r) >> 1];
    let i = l, j = r;
    do {
      while (a[i] < x) i++;
      while (x < a[j]) j--;
      if (i <= j) { const t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    } while (i <= j);
    if (j < k) l = i;
    if (k < i) r = j;
  }
  return a[k];
}

/**
 * Percentile answers remembered while a distribution's count stays the same (values are only ever added):
 * a distribution kept across refreshes (pieceCache.ts) is asked for the same percentiles each time.
 */
class QuantileMemo {
  private known: Map<number, number | null> | undefined;
  private at = 0;
  get(count: number, p: number, select: (p: number) => number | null): number | null {
    if (this.known && this.at === count) {
      const v = this.known.get(p);
      if (v !== undefined) return v;
    } else {
      this.known = new Map();
      this.at = count;
    }
    const v = select(p);
    this.known.set(p, v);
    return v;
  }
}

/** A latency distribution: exact (all values) or a log-bucket histogram (approximate). */
export interface LatencyDist {
  readonly n: number;
  readonly approx: boolean;
  quantile(p: number): number | null;
}

export class ExactDist implements LatencyDist {
  readonly approx = false;
  // a typed array: its sort() is numeric without a comparator call per step (5-10x faster on 70k values)
  private values = new Float64Array(16);
  private count = 0;
  private sorted = true;
  add(v: number): void {
    if (this.count === this.values.length) this.grow(this.count + 1);
    this.values[this.count++] = v;
    this.sorted = false;
  }
  merge(o: ExactDist): void {
    this.grow(this.count + o.count);
    this.values.set(o.values.subarray(0, o.count), this.count);
    this.count += o.count;
    this.sorted = false;
  }
  /** The values in ascending order, in a new array of their exact length. */
  sortedCopy(): Float64Array {
    const v = this.values.slice(0, this.count);
    v.sort();
    return v;
  }
  /** Drops spare capacity (a distribution kept for long holds only its values). */
  compact(): void {
    if (this.values.length > this.count) this.values = this.values.slice(0, Math.max(this.count, 1));
  }
  private grow(need: number): void {
    if (need <= this.values.length) return;
    const next = new Float64Array(Math.max(need, this.values.length * 2));
    next.set(this.values.subarray(0, this.count));
    this.values = next;
  }
  get n(): number { return this.count; }
  quantile(p: number): number | null {
    return this.memo.get(this.count, p, q => this.select(q));
  }
  private readonly memo = new QuantileMemo();
  private select(p: number): number | null {
    const n = this.count;
    if (n === 0) return null;
    const v = this.values.subarray(0, n);
    if (this.sorted || n <= 256) {
      if (!this.sorted) { v.sort(); this.sorted = true; }
      return nearestRank(v, p);
    }
    // p50/p95/p99 of 100k values: three O(n) selections beat one O(n log n) sort by ~5x; each selection
    // leaves its position final with smaller values before it and larger after, so a later one only
    // searches between the nearest final positions around its rank (p95 after p50: half the values)
    const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
    const k = rank - 1;
    if (this.fixedAt !== n || !this.fixed) { this.fixed = []; this.fixedAt = n; }
    let l = 0, r = n - 1;
    for (const f of this.fixed) {
      if (f === k) return v[k];
      if (f < k) l = Math.max(l, f + 1); else r = Math.min(r, f - 1);
    }
    const x = selectKth(v, k, l, r);
    this.fixed.push(k);
    return x;
  }
  /** positions already selected (final) while the count was fixedAt */
  private fixed: number[] | undefined;
  private fixedAt = -1;
}

/** Buckets [-DENSE_OFF, DENSE_OFF) live in an array: ln(ms) * 32 within ±512 covers 1e-7 ms to 2.4 h. */
const DENSE_OFF = 512;

/** Histogram over buckets b = round(ln(ms) * K); quantile = representative of the bucket holding the nearest rank. */
export class HistDist implements LatencyDist {
  readonly approx = true;
  // a dense array for the usual buckets (adding 50k raw edge values to a Map was a hot spot at 1M calls)
  private dense = new Float64Array(2 * DENSE_OFF);
  /** buckets outside the dense range (the zero bucket, absurd latencies) */
  private other = new Map<number, number>();
  private total = 0;
  // the dense buckets in use are [lo, hi): merging and walking skip the empty rest (a series merges
  // ~720 hourly histograms of 1,024 buckets, of which latencies use ~200)
  private lo = 2 * DENSE_OFF;
  private hi = 0;
  add(bucket: number, count: number): void {
    if (count <= 0) return;
    const i = bucket + DENSE_OFF;
    if (i >= 0 && i < this.dense.length) {
      this.dense[i] += count;
      if (i < this.lo) this.lo = i;
      if (i >= this.hi) this.hi = i + 1;
    } else this.other.set(bucket, (this.other.get(bucket) ?? 0) + count);
    this.total += count;
  }
  merge(o: HistDist): void {
    const d = this.dense, od = o.dense;
    for (let i = o.lo; i < o.hi; i++) d[i] += od[i];
    if (o.lo < this.lo) this.lo = o.lo;
    if (o.hi > this.hi) this.hi = o.hi;
    for (const [b, c] of o.other) this.other.set(b, (this.other.get(b) ?? 0) + c);
    this.total += o.total;
  }
  get n(): number { return this.total; }
  quantile(p: number): number | null {
    return this.memo.get(this.total, p, q => this.select(q));
  }
  private readonly memo = new QuantileMemo();
  private select(p: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.min(this.total, Math.max(1, Math.ceil((p / 100) * this.total)));
    let seen = 0;
    const below: number[] = [], above: number[] = [];
    for (const b of this.other.keys()) (b < -DENSE_OFF ? below : above).push(b);
    below.sort((x, y) => x - y);
    above.sort((x, y) => x - y);
    for (const b of below) {
      seen += this.other.get(b)!;
      if (seen >= rank) return bucketValue(b);
    }
    for (let i = this.lo; i < this.hi; i++) {
      seen += this.dense[i];
      if (this.dense[i] > 0 && seen >= rank) return bucketValue(i - DENSE_OFF);
    }
    for (const b of above) {
      seen += this.other.get(b)!;
      if (seen >= rank) return bucketValue(b);
    }
    return null;
  }
}

/**
 * The k-th smallest (0-based) of the values of several ascending runs, without putting them together:
 * each step takes the middle of the largest run part still in play as pivot, counts the values below
 * and up to it in every run (binary searches) and keeps the side that holds rank k.
 */
export function kthOfRuns(runs: readonly Float64Array[], k: number): number {
  const m = runs.length;
  const lo = new Int32Array(m), hi = new Int32Array(m), below = new Int32Array(m), upTo = new Int32Array(m);
  for (let i = 0; i < m; i++) hi[i] = runs[i].length;
  for (;;) {
    let j = -1, widest = 0;
    for (let i = 0; i < m; i++) if (hi[i] - lo[i] > widest) { widest = hi[i] - lo[i]; j = i; }
    if (j < 0) return NaN;   // k beyond the values (callers ask for 0 <= k < n)
    const x = runs[j][(lo[j] + hi[j]) >> 1];
    let less = 0, notMore = 0;
    for (let i = 0; i < m; i++) {
      const r = runs[i];
      let a = lo[i], b = hi[i];
      while (a < b) { const mid = (a + b) >> 1; if (r[mid] < x) a = mid + 1; else b = mid; }
      below[i] = a;
      b = hi[i];
      while (a < b) { const mid = (a + b) >> 1; if (r[mid] <= x) a = mid + 1; else b = mid; }
      upTo[i] = a;
      less += below[i] - lo[i];
      notMore += upTo[i] - lo[i];
    }
    if (k < less) hi.set(below);
    else if (k < notMore) return x;
    else { k -= notMore; lo.set(upTo); }
  }
}

/**
 * Exact percentiles over ascending runs kept apart (the hours of a window, each sorted once when read):
 * nearest rank as ExactDist, found by kthOfRuns instead of copying every value into one array.
 */
export class RunsDist implements LatencyDist {
  readonly approx = false;
  readonly n: number;
  constructor(readonly runs: readonly Float64Array[]) {
    let n = 0;
    for (const r of runs) n += r.length;
    this.n = n;
  }
  quantile(p: number): number | null {
    if (this.n === 0) return null;
    const rank = Math.min(this.n, Math.max(1, Math.ceil((p / 100) * this.n)));
    return kthOfRuns(this.runs, rank - 1);
  }
}
