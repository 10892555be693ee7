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

function measuresOf(r: RollRow, out: number[], sign: number): void {
  const cost = r.cost ?? 0;
  const nc = r.rc !== 1;
  out[0] += sign;
  if (r.latency !== null) { out[1] += sign; out[2] += sign * r.latency; }
  if (r.rc !== null) { out[3] += sign; if (r.rc === 1) out[4] += sign; }
  if (r.input !== null) { out[5] += sign; out[6] += sign * r.input; }
  out[7] += sign * (r.output ?? 0);
  out[8] += sign * r.cr; out[9] += sign * r.cw; out[10] += sign * r.cw1h; out[11] += sign * r.reas;
  out[12] += sign * cost;
  if (r.cost === null) out[13] += sign;
  if (r.retry > 0) { out[14] += sign; out[15] += sign * cost; }
  if (nc) { out[16] += sign; out[17] += sign * cost; if (r.cost === null) out[18] += sign; }
}

interface Entry { key: number[]; acc: number[] }

function entry(map: Map<string | number, Entry>, mapKey: string | number, nv: number, k0: number, k1: number, k2?: number, k3?: number, k4?: number): Entry {
  let e = map.get(mapKey);
  if (!e) {
    const key = k4 !== undefined ? [k0, k1, k2!, k3!, k4] : k3 !== undefined ? [k0, k1, k2!, k3] : [k0, k1];
    e = { key, acc: new Array<number>(nv).fill(0) };
    map.set(mapKey, e);
  }
  return e;
}

/** Pending changes to every rollup tier, written by flush(). */
export class RollupDelta {
  readonly minute = new Map<string | number, Entry>();
  readonly hour = new Map<string | number, Entry>();
  readonly day = new Map<string | number, Entry>();
  readonly histHour = new Map<string, Entry>();
  readonly histDay = new Map<string, Entry>();
  private negative = false;

  add(r: RollRow, sign: 1 | -1 = 1): void {
    if (sign < 0) this.negative = true;
    const minute = r.ts - (((r.ts % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
    const hour = r.ts - (((r.ts % HOUR_MS) + HOUR_MS) % HOUR_MS);
    const day = r.ts - (((r.ts % DAY_MS) + DAY_MS) % DAY_MS);
    const dims = `${r.e},${r.m},${r.p},${r.s}`;
    // minute + success as one number (ts multiples of 60,000 stay far below 2^53 when doubled)
    const nm = MEASURES.length;
    measuresOf(r, entry(this.minute, minute * 2 + r.s, nm, minute, r.s).acc, sign);
    measuresOf(r, entry(this.hour, `${hour},${dims}`, nm, hour, r.e, r.m, r.p, r.s).acc, sign);
    measuresOf(r, entry(this.day, `${day},${dims}`, nm, day, r.e, r.m, r.p, r.s).acc, sign);
    if (r.latency !== null) {
      const b = latencyBucket(r.latency);
      entry(this.histHour as Map<string | number, Entry>, `${hour},${b}`, 1, hour, b).acc[0] += sign;
      entry(this.histDay as Map<string | number, Entry>, `${day},${r.e},${r.m},${b}`, 1, day, r.e, r.m, b).acc[0] += sign;
    }
  }

  get size(): number { return this.minute.size; }

  /** Writes the pending changes; onHistHour sees each hour-histogram change (the store's in-memory mirror). */
  flush(db: Database, onHistHour?: (t: number, b: number, n: number) => void, onHour?: (t: number, s: number, acc: number[], m: number) => void,
    onHistDay?: (t: number, e: number, m: number, b: number, n: number) => void, prepared?: (sql: string) => Statement): void {
    if (onHistDay) for (const { key, acc } of this.histDay.values()) if (acc[0] !== 0) onHistDay(key[0], key[1], key[2], key[3], acc[0]);
    if (onHistHour) for (const { key, acc } of this.histHour.values()) if (acc[0] !== 0) onHistHour(key[0], key[1], acc[0]);
    if (onHour) for (const { key, acc } of this.hour.values()) onHour(key[0], key[4], acc, key[2]);
    const upd = MEASURES.map(m => `${m} = ${m} + excluded.${m}`).join(', ');
    const q = (n: number): string => new Array(n).fill('?').join(',');
    const tiers: [string, string[], Map<string | number, Entry>, string][] = [
      ['roll_minute', ['t', 's'], this.minute, `${MEASURES.join(',')}`],
      ['roll_hour', ['t', 'e', 'm', 'p', 's'], this.hour, `${MEASURES.join(',')}`],
      ['roll_day', ['t', 'e', 'm', 'p', 's'], this.day, `${MEASURES.join(',')}`],
      ['hist_hour', ['t', 'b'], this.histHour as Map<string | number, Entry>, 'n'],
      ['hist_day', ['t', 'e', 'm', 'b'], this.histDay as Map<string | number, Entry>, 'n'],
    ];
    for (const [table, keys, map, valueCols] of tiers) {
      if (!map.size) continue;
      const nv = valueCols === 'n' ? 1 : MEASURES.length;
      const set = valueCols === 'n' ? 'n = n + excluded.n' : upd;
      // a cached statement when the store offers one (preparing five upserts cost ~1/3 of a 1,000-line append)
      const sql = `INSERT INTO ${table} (${keys.join(',')},${valueCols}) VALUES (${q(keys.length + nv)})
        ON CONFLICT(${keys.join(',')}) DO UPDATE SET ${set}`;
      const st = prepared ? prepared(sql) : db.prepare(sql);
      const params = new Array<number>(keys.length + nv);
      try {
        for (const { key, acc } of map.values()) {
          if (acc[0] === 0 && nv === 1) continue;
          for (let i = 0; i < keys.length; i++) params[i] = key[i];
          for (let i = 0; i < nv; i++) params[keys.length + i] = acc[i];
          st.run(params);
        }
      } finally { if (!prepared) st.free(); }
      if (this.negative) db.run(`DELETE FROM ${table} WHERE ${valueCols === 'n' ? 'n' : 'calls'} <= 0`);
      map.clear();
    }
    this.negative = false;
  }
}
