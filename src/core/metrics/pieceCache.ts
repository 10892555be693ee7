// Query pieces kept across data changes. A query is answered from pieces of its range (whole days from
// the day mirror, hour spans from roll_hour, raw edges, histogram spans...). The store's memo forgets
// everything at each change, but a tail append only touches the newest hour: a 30-day panel would
// re-read 30 days to learn about a few new calls. Here a piece of [a, b) stays valid until one of the
// hours it overlaps changes.
//
// What "changed" means: the store's in-memory hour totals (every measure, failed and succeeded apart,
// per hour) differ from the last ones seen. Every insert, delete and re-price that touches an hour
// changes its call count or its sums; a file reset that re-reads the same calls gives the same data.
// Raw rows (and minute rollups) also disappear by retention without their hour rollups changing: a
// raw piece is valid only while the oldest raw row is unchanged or not after the piece's start.
import type { CallStore } from '../store/callStore';
import { HOUR_MS } from '../store/rollups';

interface Entry {
  /** the change clock when computed */
  at: number;
  /** about how many numbers the value holds (the cache is bounded by their sum) */
  weight: number;
  /** the oldest raw row's ts when computed (raw pieces) */
  floor: number;
  value: unknown;
  /** the access count when last used (eviction drops the least recently used) */
  used: number;
}

interface State {
  gen: number;
  /** bumped at each sync that saw a change */
  clock: number;
  /** hour -> its totals as last seen (failed, then succeeded calls' measures) and the sync that last saw each half */
  hours: Map<number, { v: Float64Array; seen: number[] }>;
  /** syncs so far */
  syncs: number;
  /** [hour, clock] of every hour change, oldest first (bounded) */
  changes: number[][];
  /** entries computed before this clock are stale (changes before it were dropped) */
  validFrom: number;
  floor: number;
  entries: Map<string, Entry>;
  /** sum of the entries' weights */
  weight: number;
  /** access counter */
  uses: number;
}

/** Entries kept at most (a full refresh of every tab for one range uses ~200). */
const MAX_ENTRIES = 2048;
/**
 * Numbers kept at most (~16 MB): a range sliding with the clock makes new keys at every refresh; the
 * exact latencies of the last 49 h, per hour and endpoint, are ~150k values at 1M calls a month.
 */
const MAX_WEIGHT = 2_000_000;
const MAX_CHANGES = 8192;

const states = new WeakMap<CallStore, State>();

function sync(st: State, store: CallStore): void {
  // only the hours from the lowest call time inserted since the last sync can differ (a tail append:
  // the newest hour or two of ~720 at 30 days); any other change (or a first sync) compares them all
  const low = Number.isNaN(st.gen) ? -Infinity : store.changedSince(st.gen);
  const from = Number.isFinite(low) ? Math.floor(low / HOUR_MS) * HOUR_MS : low;
  st.gen = store.generation;
  st.syncs++;
  const changed: number[] = [];
  // compared in place: the copies are only written for the hours that changed (most syncs: one)
  store.eachHourTotal(from, Infinity, (t, s, m) => {
    let h = st.hours.get(t);
    if (!h) { h = { v: new Float64Array(2 * m.length), seen: [0, 0] }; st.hours.set(t, h); }
    h.seen[s ? 1 : 0] = st.syncs;
    const off = s ? m.length : 0;
    let same = h.v.length === 2 * m.length;
    for (let i = 0; same && i < m.length; i++) if (h.v[off + i] !== m[i]) same = false;
    if (same) return;
    if (h.v.length !== 2 * m.length) h.v = new Float64Array(2 * m.length);
    h.v.set(m, off);
    if (changed[changed.length - 1] !== t) changed.push(t);
  });
  // a half (failed or succeeded calls) not seen this time has no calls left
  for (const [t, h] of st.hours) {
    if (t < from) continue;
    for (const s of [0, 1]) {
      if (h.seen[s] === st.syncs) continue;
      const off = s * (h.v.length / 2);
      let zero = true;
      for (let i = off; i < off + h.v.length / 2; i++) if (h.v[i] !== 0) { zero = false; break; }
      if (!zero) { h.v.fill(0, off, off + h.v.length / 2); if (changed[changed.length - 1] !== t) changed.push(t); }
    }
    if (h.seen[0] !== st.syncs && h.seen[1] !== st.syncs) st.hours.delete(t);
  }
  const floor = store.tsBounds()?.min ?? Infinity;
  if (changed.length || floor !== st.floor) {
    st.clock++;
    for (const t of changed) st.changes.push([t, st.clock]);
    if (st.changes.length > MAX_CHANGES) {
      const drop = st.changes.length - MAX_CHANGES / 2;
      st.validFrom = st.changes[drop - 1][1] + 1;
      st.changes = st.changes.slice(drop);
    }
  }
  st.floor = floor;
}

function state(store: CallStore): State {
  let st = states.get(store);
  if (!st) {
    st = { gen: NaN, clock: 0, syncs: 0, hours: new Map(), changes: [], validFrom: 0, floor: Infinity, entries: new Map(), weight: 0, uses: 0 };
    states.set(store, st);
  }
  if (st.gen !== store.generation) sync(st, store);
  return st;
}

function valid(st: State, e: Entry, a: number, b: number, raw: boolean): boolean {
  if (e.at < st.validFrom) return false;
  if (raw && e.floor !== st.floor && a < st.floor) return false;
  const lo = Math.floor(a / HOUR_MS) * HOUR_MS, hi = b;
  for (let i = st.changes.length - 1; i >= 0; i--) {
    const [t, at] = st.changes[i];
    if (at <= e.at) break;
    if (t >= lo && t < hi) return false;
  }
  return true;
}

/**
 * compute() of the piece [a, b) named key, or its value from an earlier call if no hour it overlaps
 * has changed since (raw: the piece reads raw rows or minute rollups, which retention deletes). The
 * value is shared: callers must not change it. key must name everything compute() depends on besides
 * the data of [a, b).
 */
export function piece<T>(store: CallStore, key: string, a: number, b: number, raw: boolean, compute: () => T, weight: (v: T) => number = () => 1): T {
  const st = state(store);
  const e = st.entries.get(key);
  if (e && valid(st, e, a, b, raw)) {
    e.used = ++st.uses;
    return e.value as T;
  }
  const value = compute();
  if (e) { st.entries.delete(key); st.weight -= e.weight; }
  const w = Math.max(1, weight(value));
  st.entries.set(key, { at: st.clock, floor: st.floor, value, used: ++st.uses, weight: w });
  st.weight += w;
  if (st.entries.size > MAX_ENTRIES || st.weight > MAX_WEIGHT) evict(st);
  return value;
}

/** Drops the least recently used entries down to 3/4 of both bounds. */
function evict(st: State): void {
  const byUse = [...st.entries].sort((x, y) => x[1].used - y[1].used);
  for (const [k, e] of byUse) {
    if (st.entries.size <= MAX_ENTRIES * 0.75 && st.weight <= MAX_WEIGHT * 0.75) break;
    st.entries.delete(k);
    st.weight -= e.weight;
  }
}

/** [a, b) cut at whole hours: pieces that stay valid while newer hours change. */
export function hourPieces(a: number, b: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = a; s < b;) {
    const e = Math.min(b, Math.floor(s / HOUR_MS) * HOUR_MS + HOUR_MS);
    out.push([s, e]);
    s = e;
  }
  return out;
}
