// Rollups maintained in JS at ingest: a Map per tier keyed by small integers, then one upsert per
// key. Building them with INSERT ... SELECT ... GROUP BY costs ~70x more (shared/notes/performance.md).
// The same code subtracts (sign -1) when a source is deleted or a call re-priced, so rollups always
// equal the aggregates of the raw rows they were built from.
import type { Database, Statement } from 'sql.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Summable measures kept per rollup key, in column order. */
export const MEASURES = [
  'calls', 'lat_n', 'lat_sum', 'rc_known', 'rc_hits', 'usage_calls', 'input_tokens', 'output_tokens',
  'cache_read_tokens', 'cache_write_tokens', 'cache_write_1h_tokens', 'reasoning_tokens', 'cost_usd', 'unpriced',
  'retry_calls', 'retry_cost', 'nc_calls', 'nc_cost', 'nc_unpriced',
] as const;
export type Measure = typeof MEASURES[number];

/**
 * Latency histogram resolution: bucket b = round(ln(ms) * K) covers ln(ms) within ±0.5/K of b/K, so its
 * representative exp(b/K) is within e^(0.5/K) - 1 of any latency in it: K = 32 gives ≤ 1.57 % (the
 * project allows 2 %; K = 20 measured 2.8 %).
 */
export const HIST_K = 32;
/** Bucket of latencies ≤ 0 ms (ln undefined); its representative is 0. */
export const ZERO_BUCKET = -1_000_000;

export function latencyBucket(ms: number): number {
  return ms <= 0 ? ZERO_BUCKET : Math.round(Math.log(ms) * HIST_K);
}
export function bucketValue(b: number): number {
  return b === ZERO_BUCKET ? 0 : Math.exp(b / HIST_K);
}

/** The facts of one stored call that the rollups need (dimension ids, 0 = none). */
export interface RollRow {
  ts: number; e: number; m: number; p: number; s: number;
  latency: number | null; rc: number | null; input: number | null; output: number | null;
  cr: number; cw: number; cw1h: number; reas: number; cost: number | null; retry: number;
}

function measuresOf(out: number[], sign: number, latency: number | null, rc: number | null, input: number | null, output: number | null,
  cr: number, cw: number, cw1h: number, reas: number, cost: number | null, retry: number): void {
  const c = cost ?? 0;
  out[0] += sign;
  if (latency !== null) { out[1] += sign; out[2] += sign * latency; }
  if (rc !== null) { out[3] += sign; if (rc === 1) out[4] += sign; }
  if (input !== null) { out[5] += sign; out[6] += sign * input; }
  out[7] += sign * (output ?? 0);
  out[8] += sign * cr; out[9] += sign * cw; out[10] += sign * cw1h; out[11] += sign * reas;
  out[12] += sign * c;
  if (cost === null) out[13] += sign;
  if (retry > 0) { out[14] += sign; out[15] += sign * c; }
  if (rc !== 1) { out[16] += sign; out[17] += sign * c; if (cost === null) out[18] += sign; }
}

/** outer and inner: the two numbers the entry was found by (inner < 0: by its string key) */
interface Entry { key: number[]; acc: number[]; outer: number; inner: number }

/**
 * The entries of one tier, found by two numbers (a time and packed dimension ids): building a string
 * key per row and tier was a fifth of the bulk insert. Ids too large to pack use a string key.
 */
class Tier {
  readonly entries: Entry[] = [];
  private readonly byNum = new Map<number, Map<number, Entry>>();
  private readonly byStr = new Map<string, Entry>();
  private lastOuter = NaN;
  private lastMap: Map<number, Entry> | undefined;
  /**
   * True while entries are in ascending time (first key) order, as a log read in time order makes them:
   * then removeRange finds a range by bisection instead of testing every entry (a first dashboard query
   * after a 1M-call load took ~25 ms to test ~85k pending entries; a load's finish, one UTC day per step,
   * tested them all at every step).
   */
  private ordered = true;
  constructor(private readonly nv: number) {}
  get size(): number { return this.entries.length; }
  private make(outer: number, inner: number, k0: number, k1: number, k2?: number, k3?: number, k4?: number): Entry {
    const key = k4 !== undefined ? [k0, k1, k2!, k3!, k4] : k3 !== undefined ? [k0, k1, k2!, k3] : [k0, k1];
    const e = { key, acc: new Array<number>(this.nv).fill(0), outer, inner };
    this.push(e);
    return e;
  }
  private push(e: Entry): void {
    const n = this.entries.length;
    if (n && e.key[0] < this.entries[n - 1].key[0]) this.ordered = false;
    this.entries.push(e);
  }
  /** inner < 0: not packable, found by the string of the key parts instead */
  get(outer: number, inner: number, k0: number, k1: number, k2?: number, k3?: number, k4?: number): Entry {
    if (inner < 0) {
      const sk = `${k0},${k1},${k2},${k3},${k4}`;
      let e = this.byStr.get(sk);
      if (!e) { e = this.make(outer, inner, k0, k1, k2, k3, k4); this.byStr.set(sk, e); }
      return e;
    }
    // rows come mostly in time order: the same minute, hour or day as the previous row
    let m = outer === this.lastOuter ? this.lastMap : this.byNum.get(outer);
    if (!m) { m = new Map(); this.byNum.set(outer, m); }
    this.lastOuter = outer;
    this.lastMap = m;
    let e = m.get(inner);
    if (!e) { e = this.make(outer, inner, k0, k1, k2, k3, k4); m.set(inner, e); }
    return e;
  }
  /** The entry for another tier's entry of the same kind (see RollupDelta.mergeInto). */
  same(e: Entry): Entry {
    const k = e.key;
    return this.get(e.outer, e.inner, k[0], k[1], k[2], k[3], k[4]);
  }
  clear(): void {
    this.entries.length = 0; this.byNum.clear(); this.byStr.clear(); this.lastOuter = NaN; this.lastMap = undefined; this.ordered = true;
  }
  /** Takes out the entries whose time (first key) passes test, in their order. */
  remove(test: (t: number) => boolean): Entry[] {
    const out: Entry[] = [];
    let w = 0;
    for (const e of this.entries) {
      if (!test(e.key[0])) { this.entries[w++] = e; continue; }
      out.push(e);
      this.forget(e);
    }
    this.entries.length = w;
    this.removed();
    return out;
  }
  /** Takes out the entries whose time (first key) is in [a, b), in their order. */
  removeRange(a: number, b: number): Entry[] {
    if (!this.ordered) return this.remove(t => t >= a && t < b);
    const lo = this.firstAtOrAfter(a), hi = this.firstAtOrAfter(b);
    if (lo >= hi) return [];
    const out = this.entries.slice(lo, hi);
    this.entries.splice(lo, hi - lo);
    for (const e of out) this.forget(e);
    this.removed();
    return out;
  }
  /** The earliest time (first key) of the entries, NaN when there are none. */
  firstTime(): number {
    if (this.ordered) return this.entries.length ? this.entries[0].key[0] : NaN;
    let min = NaN;
    for (const e of this.entries) if (!(e.key[0] >= min)) min = e.key[0];
    return min;
  }
  /** Index of the first entry whose time is at least t (entries ordered). */
  private firstAtOrAfter(t: number): number {
    let lo = 0, hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid].key[0] < t) lo = mid + 1; else hi = mid;
    }
    return lo;
  }
  private forget(e: Entry): void {
    if (e.inner < 0) {
      const k = e.key;
      this.byStr.delete(`${k[0]},${k[1]},${k[2]},${k[3]},${k[4]}`);
    } else {
      const m = this.byNum.get(e.outer);
      m?.delete(e.inner);
      if (m && !m.size) this.byNum.delete(e.outer);
    }
  }
  private removed(): void {
    this.lastOuter = NaN;
    this.lastMap = undefined;
    if (!this.entries.length) this.ordered = true;
  }
  /** Puts in an entry taken out of a tier of the same kind (no entry with its key may be here). */
  adopt(e: Entry): void {
    if (e.inner < 0) {
      const k = e.key;
      this.byStr.set(`${k[0]},${k[1]},${k[2]},${k[3]},${k[4]}`, e);
    } else {
      let m = this.byNum.get(e.outer);
      if (!m) { m = new Map(); this.byNum.set(e.outer, m); }
      m.set(e.inner, e);
    }
    this.push(e);
  }
}

const P15 = 32_768, P20 = 1_048_576, P21 = 2_097_152;
/**
 * Small ids (the usual case: tens of endpoints and models) pack below 2^27, a small integer to V8 that
 * a Map hashes and compares without a heap number; larger ones pack above 2^27 (no two keys collide).
 */
const SMALL = 2 ** 27;
/** e, m, p, s as one number below 2^52, or -1 when an id is too large. */
function packDims(e: number, m: number, p: number, s: number): number {
  if (e >= 0 && e < 256 && m >= 0 && m < 256 && p >= 0 && p < 512) return ((e * 256 + m) * 512 + p) * 2 + s;
  return e >= 0 && e < P20 && m >= 0 && m < P15 && p >= 0 && p < P15 ? SMALL + ((e * P15 + m) * P15 + p) * 2 + s : -1;
}
/** e, m, latency bucket as one number below 2^53, or -1. */
function packHistDay(e: number, m: number, b: number): number {
  if (e >= 0 && e < 256 && m >= 0 && m < 256 && b >= -1024 && b < 1024) return (e * 256 + m) * 2048 + (b + 1024);
  return e >= 0 && e < 65_536 && m >= 0 && m < P15 && b >= -P20 && b < P20 ? SMALL + (e * P15 + m) * P21 + (b + P20) : -1;
}

function byKey(a: Entry, b: Entry): number {
  const x = a.key, y = b.key;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

function fillRow(params: number[], at: number, { key, acc }: Entry, nk: number, nv: number): void {
  for (let i = 0; i < nk; i++) params[at + i] = key[i];
  for (let i = 0; i < nv; i++) params[at + nk + i] = acc[i];
}

/** Pending changes to every rollup tier, written by flush(). */
export class RollupDelta {
  readonly minute = new Tier(MEASURES.length);
  readonly hour = new Tier(MEASURES.length);
  readonly day = new Tier(MEASURES.length);
  readonly histHour = new Tier(1);
  readonly histDay = new Tier(1);
  private negative = false;
  /** the minute, hour and day starts of the last call added (see addValues) */
  private lastMinute = NaN;
  private lastHour = NaN;
  private lastDay = NaN;
  private histTo: RollupDelta | null = null;
  private onHistHour?: (t: number, b: number, n: number) => void;
  private onHistDay?: (t: number, e: number, m: number, b: number, n: number) => void;

  /**
   * The histogram counts of add/addValues go straight into target and to the sinks (the store's in-memory
   * mirrors), not into this delta, which then has none to merge (mergeInto) or feed. They are integer
   * counts, so target and the mirrors sum to the same in any order, and their new keys come in the same
   * order as through a batch delta (first seen first). A 10k-call batch of a bulk load made ~8k histogram
   * entries (most of them new day x endpoint x model x bucket keys), each created, merged and fed once.
   */
  histogramsTo(target: RollupDelta, onHistHour?: (t: number, b: number, n: number) => void,
    onHistDay?: (t: number, e: number, m: number, b: number, n: number) => void): this {
    this.histTo = target;
    this.onHistHour = onHistHour;
    this.onHistDay = onHistDay;
    return this;
  }

  add(r: RollRow, sign: 1 | -1 = 1): void {
    this.addValues(r.ts, r.e, r.m, r.p, r.s, r.latency, r.rc, r.input, r.output, r.cr, r.cw, r.cw1h, r.reas, r.cost, r.retry, sign);
  }

  /** add() without a RollRow object (the bulk insert path: one object per call was a good part of its GC). */
  addValues(ts: number, e: number, m: number, p: number, s: number, latency: number | null, rc: number | null, input: number | null,
    output: number | null, cr: number, cw: number, cw1h: number, reas: number, cost: number | null, retry: number, sign: 1 | -1 = 1): void {
    if (sign < 0) this.negative = true;
    // calls come mostly in time order: the previous call's minute, hour and day usually hold this one
    // too (a % of a time in ms is a floating-point remainder, six of them per call)
    let minute = this.lastMinute, hour = this.lastHour, day = this.lastDay;
    if (!(ts >= minute && ts < minute + MINUTE_MS)) {
      this.lastMinute = minute = ts - (((ts % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
      if (!(ts >= hour && ts < hour + HOUR_MS)) {
        this.lastHour = hour = ts - (((ts % HOUR_MS) + HOUR_MS) % HOUR_MS);
        if (!(ts >= day && ts < day + DAY_MS)) this.lastDay = day = ts - (((ts % DAY_MS) + DAY_MS) % DAY_MS);
      }
    }
    const dims = packDims(e, m, p, s);
    measuresOf(this.minute.get(minute, s, minute, s).acc, sign, latency, rc, input, output, cr, cw, cw1h, reas, cost, retry);
    measuresOf(this.hour.get(hour, dims, hour, e, m, p, s).acc, sign, latency, rc, input, output, cr, cw, cw1h, reas, cost, retry);
    measuresOf(this.day.get(day, dims, day, e, m, p, s).acc, sign, latency, rc, input, output, cr, cw, cw1h, reas, cost, retry);
    if (latency !== null) this.addHist(hour, day, e, m, latency, sign);
  }

  /** The histogram counts of one call (hour and day: its UTC hour and day start), see histogramsTo. */
  addHist(hour: number, day: number, e: number, m: number, latency: number, sign: 1 | -1): void {
    const b = latencyBucket(latency);
    const to = this.histTo ?? this;
    if (sign < 0) to.negative = true;
    to.histHour.get(hour, b >= -P21 ? b + P21 : -1, hour, b).acc[0] += sign;
    to.histDay.get(day, packHistDay(e, m, b), day, e, m, b).acc[0] += sign;
    if (to !== this) {
      this.onHistHour?.(hour, b, sign);
      this.onHistDay?.(day, e, m, b, sign);
    }
  }

  get size(): number { return this.minute.size; }

  /** Adds every pending change of this delta to target (a bulk load gathers its batches' deltas into one). */
  mergeInto(target: RollupDelta): void {
    if (this.negative) target.negative = true;
    const pairs: [Tier, Tier][] = [[this.minute, target.minute], [this.hour, target.hour], [this.day, target.day],
      [this.histHour, target.histHour], [this.histDay, target.histDay]];
    for (const [from, to] of pairs) {
      for (const e of from.entries) {
        const dst = to.same(e).acc, acc = e.acc;
        for (let i = 0; i < acc.length; i++) dst[i] += acc[i];
      }
    }
  }

  /** Shows every pending change to the store's in-memory mirrors (the sinks of those that are loaded). */
  feed(onHistHour?: (t: number, b: number, n: number) => void, onHour?: (t: number, s: number, acc: number[], m: number) => void,
    onHistDay?: (t: number, e: number, m: number, b: number, n: number) => void, onDay?: (key: number[], acc: number[]) => void): void {
    if (onDay) for (const { key, acc } of this.day.entries) onDay(key, acc);
    if (onHistDay) for (const { key, acc } of this.histDay.entries) if (acc[0] !== 0) onHistDay(key[0], key[1], key[2], key[3], acc[0]);
    if (onHistHour) for (const { key, acc } of this.histHour.entries) if (acc[0] !== 0) onHistHour(key[0], key[1], acc[0]);
    if (onHour) for (const { key, acc } of this.hour.entries) onHour(key[0], key[4], acc, key[2]);
  }

  /**
   * Writes every pending change into empty rollup tables with plain multi-row INSERTs (a bulk load
   * into an empty store: no key can exist yet, and an upsert per key cost 3x as much). With only, just
   * that table's changes (the others stay pending).
   */
  insertInto(prepared: (sql: string) => Statement, only?: string): void {
    const rowsPer = 100;
    for (const [table, keys, tier] of this.tiers()) {
      if (only !== undefined && table !== only) continue;
      const nv = tier === this.histHour || tier === this.histDay ? 1 : MEASURES.length;
      const cols = `${keys.join(',')},${nv === 1 ? 'n' : MEASURES.join(',')}`;
      const width = keys.length + nv;
      const tuple = `(${new Array(width).fill('?').join(',')})`;
      // in primary-key order: each row then lands at the end of its WITHOUT ROWID b-tree
      const live = tier.entries.filter(e => nv !== 1 || e.acc[0] !== 0).sort(byKey);
      const multi = live.length >= rowsPer ? prepared(`INSERT INTO ${table} (${cols}) VALUES ${new Array(rowsPer).fill(tuple).join(',')}`) : undefined;
      const single = prepared(`INSERT INTO ${table} (${cols}) VALUES ${tuple}`);
      const params = new Array<number>(rowsPer * width);
      let i = 0;
      for (; multi && i + rowsPer <= live.length; i += rowsPer) {
        for (let r = 0; r < rowsPer; r++) fillRow(params, r * width, live[i + r], keys.length, nv);
        multi.run(params);
      }
      const one = new Array<number>(width);
      for (; i < live.length; i++) {
        fillRow(one, 0, live[i], keys.length, nv);
        single.run(one);
      }
      tier.clear();
    }
    if (!this.pendingTables().length) this.negative = false;
  }

  /**
   * Moves the changes of one table whose time (its first key) passes test into a new delta: the rest
   * stay here. A read of a few minutes of roll_minute then writes those minutes, not the whole load.
   */
  extract(table: string, test: (t: number) => boolean): RollupDelta {
    return this.take(table, tier => tier.remove(test));
  }

  /** extract() of the changes of table whose time is in [a, b), found by bisection while they are in time order. */
  extractRange(table: string, a: number, b: number): RollupDelta {
    return this.take(table, tier => tier.removeRange(a, b));
  }

  /** A new delta with the entries that remove takes out of table's tier. */
  private take(table: string, remove: (tier: Tier) => Entry[]): RollupDelta {
    const out = new RollupDelta();
    for (const [t, , tier] of this.tiers()) {
      if (t !== table) continue;
      const dst = out.tiers().find(x => x[0] === table)![2];
      for (const e of remove(tier)) dst.adopt(e);
    }
    out.negative = this.negative;
    return out;
  }

  /** The earliest time (first key) among the changes of table, or NaN when it has none. */
  firstTime(table: string): number {
    let min = NaN;
    for (const [t, , tier] of this.tiers()) {
      if (t !== table) continue;
      const f = tier.firstTime();
      if (f === f && !(f >= min)) min = f;
    }
    return min;
  }

  /** The rollup tables this delta has changes for. */
  pendingTables(): string[] {
    return this.tiers().filter(([, , tier]) => tier.size > 0).map(([table]) => table);
  }

  private tiers(): [string, string[], Tier][] {
    return [
      ['roll_minute', ['t', 's'], this.minute],
      ['roll_hour', ['t', 'e', 'm', 'p', 's'], this.hour],
      ['roll_day', ['t', 'e', 'm', 'p', 's'], this.day],
      ['hist_hour', ['t', 'b'], this.histHour],
      ['hist_day', ['t', 'e', 'm', 'b'], this.histDay],
    ];
  }

  /** Writes the pending changes; onHistHour sees each hour-histogram change (the store's in-memory mirror). */
  flush(db: Database, onHistHour?: (t: number, b: number, n: number) => void, onHour?: (t: number, s: number, acc: number[], m: number) => void,
    onHistDay?: (t: number, e: number, m: number, b: number, n: number) => void, prepared?: (sql: string) => Statement,
    onDay?: (key: number[], acc: number[]) => void, deferHistDay?: (t: number, e: number, m: number, b: number, n: number) => void,
    only?: string): void {
    this.feed(onHistHour, onHour, onHistDay, onDay);
    const upd = MEASURES.map(m => `${m} = ${m} + excluded.${m}`).join(', ');
    const q = (n: number): string => new Array(n).fill('?').join(',');
    const tiers = this.tiers().map(([t, k, tier]): [string, string[], Tier, string] =>
      [t, k, tier, tier === this.histHour || tier === this.histDay ? 'n' : MEASURES.join(',')]);
    if (deferHistDay && !this.negative) {
      // the caller writes these later, coalesced over many flushes (most of an append's upserts)
      for (const { key, acc } of this.histDay.entries) if (acc[0] !== 0) deferHistDay(key[0], key[1], key[2], key[3], acc[0]);
      this.histDay.clear();
    }
    for (const [table, keys, map, valueCols] of tiers) {
      if (!map.size || (only !== undefined && table !== only)) continue;
      const nv = valueCols === 'n' ? 1 : MEASURES.length;
      const set = valueCols === 'n' ? 'n = n + excluded.n' : upd;
      // a cached statement when the store offers one (preparing five upserts cost ~1/3 of a 1,000-line append);
      // 50-row multi-VALUES upserts measured slower than this, so rows go one by one
      const sql = `INSERT INTO ${table} (${keys.join(',')},${valueCols}) VALUES (${q(keys.length + nv)})
        ON CONFLICT(${keys.join(',')}) DO UPDATE SET ${set}`;
      const st = prepared ? prepared(sql) : db.prepare(sql);
      const params = new Array<number>(keys.length + nv);
      try {
        for (const e of map.entries) {
          if (e.acc[0] === 0 && nv === 1) continue;
          fillRow(params, 0, e, keys.length, nv);
          st.run(params);
        }
      } finally { if (!prepared) st.free(); }
      if (this.negative) db.run(`DELETE FROM ${table} WHERE ${valueCols === 'n' ? 'n' : 'calls'} <= 0`);
      map.clear();
    }
    if (!this.pendingTables().length) this.negative = false;
  }
}
