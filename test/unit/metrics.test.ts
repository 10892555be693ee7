import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { emptyRecord, OriginRecord } from '../../src/core/model';
import { CallStore, StoredCall } from '../../src/core/store/callStore';
import type { QueryContext } from '../../src/core/metrics/aggregate';
import { cacheStats, costByModel, costSummary, costTotals, dailyCost, duplicateRequests, tokenUsage } from '../../src/core/metrics/cost';
import { startOfDay, startOfMonth } from '../../src/core/metrics/timeZone';
import { ExactDist, HistDist, selectKth } from '../../src/core/metrics/percentile';
import { latencyBucket } from '../../src/core/store/rollups';

const wasm = fs.readFileSync(path.join(process.cwd(), 'node_modules/sql.js/dist/sql-wasm.wasm'));
const Z = (mo: number, d: number, h: number, mi = 0): number => Date.UTC(2026, mo, d, h, mi);
const near = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;

let line = 0;
function rec(ts: number, endpoint: string, o: Partial<StoredCall & OriginRecord>): StoredCall {
  line++;
  return { ...emptyRecord(ts, endpoint), offset: line, line, cost_estimated: false, price_version: null, cost_source: o.cost_usd == null ? 'unpriced' : 'computed', ...o };
}

// Display zone Europe/Paris (UTC+1 in winter). now = 15 Jan 2026 11:00 local.
const NOW = Z(0, 15, 10);
const calls: StoredCall[] = [
  rec(Z(0, 14, 23, 30), '/a', { model: 'm1', cost_usd: 1, response_cache_hit: true, input_tokens: 400, cache_read_tokens: 100, cache_write_tokens: 50, cache_write_1h_tokens: 20, request_hash: 'h1' }), // A: 15 Jan 00:30 local
  rec(Z(0, 14, 22, 30), '/a', { model: 'm2', cost_usd: 2, response_cache_hit: false, input_tokens: 200, request_hash: 'h1' }), // B: 14 Jan 23:30 local
  rec(Z(0, 9, 0), '/b', { model: 'm1', cost_usd: 4, request_hash: 'h2' }), // C: 9 Jan 01:00 local
  rec(Z(0, 8, 22), '/b', { model: 'm2', cost_usd: 8 }), // D: 8 Jan 23:00 local
  rec(Date.UTC(2025, 11, 31, 23, 30), '/a', { model: 'm1', cost_usd: 16, success: false }), // E: 1 Jan 00:30 local
  rec(Date.UTC(2025, 11, 31, 22, 30), '/a', { model: 'm2', cost_usd: 32 }), // F: 31 Dec 23:30 local
  rec(Z(0, 15, 9), '/a', { model: 'm1', retry_count: 1, request_hash: 'h1' }), // G: unpriced retry, today
  rec(Z(0, 15, 9, 30), '/b', { model: 'm2', cost_usd: 0.5, retry_count: 1, success: false }), // H: failed retry, today
];

describe('cost and cache aggregates', function () {
  // sql.js start-up and file reads are slow on a loaded 2-core machine; no timing is asserted
  this.timeout(20_000);
  let store: CallStore;
  let ctx: QueryContext;
  before(async () => {
    store = await CallStore.open({ wasmBinary: wasm, retentionDays: 400 });
    store.insert(store.sourceId('x'), calls);
    ctx = { store, timeZone: 'Europe/Paris' };
  });
  after(() => store.close());

  it('local calendar helpers', () => {
    assert.strictEqual(startOfDay(NOW, 'Europe/Paris'), Z(0, 14, 23));
    assert.strictEqual(startOfMonth(NOW, 'Europe/Paris'), Date.UTC(2025, 11, 31, 23));
  });

  it('cost totals: today, 7 and 30 calendar days, month to date in the display zone', () => {
    const t = costTotals(ctx, NOW);
    // today (from 14 Jan 23:00Z): A 1 + G unpriced + H 0.5
    assert.deepStrictEqual([t.today.calls, t.today.costUsd, t.today.unpricedCalls], [3, 1.5, 1]);
    assert.strictEqual(t.today.from, Z(0, 14, 23));
    // 7 days = 9..15 Jan local: + B 2 + C 4
    assert.deepStrictEqual([t.last7d.calls, t.last7d.costUsd], [5, 7.5]);
    assert.strictEqual(t.last7d.from, Z(0, 8, 23));
    // 30 days = 17 Dec..15 Jan: + D 8 + E 16 + F 32
    assert.deepStrictEqual([t.last30d.calls, t.last30d.costUsd], [8, 63.5]);
    // month to date from 1 Jan local (31 Dec 23:00Z): all but F
    assert.deepStrictEqual([t.monthToDate.calls, t.monthToDate.costUsd], [7, 31.5]);
  });

  it('cost summary: average per priced call, failed, retries, wasted (each call once)', () => {
    const s = costSummary(ctx, { from: Date.UTC(2025, 11, 1), to: NOW + 1 });
    assert.strictEqual(s.calls, 8);
    assert.strictEqual(s.pricedCalls, 7);
    assert.strictEqual(s.unpricedCalls, 1);
    assert.ok(near(s.costUsd, 63.5));
    assert.ok(near(s.avgCostPerCall!, 63.5 / 7));
    assert.strictEqual(s.failedCalls, 2); // E, H
    assert.ok(near(s.failedCostUsd, 16 + 0.5));
    assert.strictEqual(s.retryCalls, 2); // G, H
    assert.ok(near(s.retryCostUsd, 0.5));
    assert.ok(near(s.wastedCostUsd, 16 + 0.5)); // E + H (a failed retry) + G (no cost)
    const none = costSummary(ctx, { from: Z(0, 1, 0), to: Z(0, 1, 1) });
    assert.strictEqual(none.avgCostPerCall, null);
  });

  it('cost by model with shares', () => {
    const rows = costByModel(ctx, { from: Date.UTC(2025, 11, 1), to: NOW + 1 });
    // m2: B 2 + D 8 + F 32 + H 0.5 = 42.5; m1: A 1 + C 4 + E 16 = 21 (+ G unpriced)
    assert.deepStrictEqual(rows.map(r => [r.key, r.calls, r.pricedCalls, r.costUsd]), [['m2', 4, 4, 42.5], ['m1', 4, 3, 21]]);
    assert.ok(near(rows[0].share!, 42.5 / 63.5));
    assert.ok(near(rows[1].avgCostPerCall!, 21 / 3));
  });

  it('daily cost by model in local days, empty days included', () => {
    const days = dailyCost(ctx, { from: Z(0, 12, 23), to: NOW + 1 });
    assert.deepStrictEqual(days.map(d => [d.day, d.calls, d.costUsd]), [[Z(0, 12, 23), 0, 0], [Z(0, 13, 23), 1, 2], [Z(0, 14, 23), 3, 1.5]]);
    assert.deepStrictEqual(days[2].byModel, [{ key: 'm1', costUsd: 1, calls: 2 }, { key: 'm2', costUsd: 0.5, calls: 1 }]);
    assert.strictEqual(days[2].unpricedCalls, 1);
  });

  it('daily cost: model filter, and the in-memory hour x model costs follow later inserts', () => {
    const f = { from: Z(0, 12, 23), to: NOW + 1 };
    assert.deepStrictEqual(dailyCost(ctx, { ...f, model: 'm2' }).map(d => d.costUsd), [0, 2, 0.5]); // B on the 14th, H today
    assert.deepStrictEqual(dailyCost(ctx, { ...f, endpoint: '/b' }).map(d => d.costUsd), [0, 0, 0.5]); // through SQL: H only
    const extra = store.sourceId('extra');
    store.insert(extra, [rec(Z(0, 15, 8), '/a', { model: 'm1', cost_usd: 10 })]); // today 09:00 local
    assert.deepStrictEqual(dailyCost(ctx, f).map(d => d.costUsd), [0, 2, 1.5 + 10]);
    store.deleteSource(extra);
    assert.deepStrictEqual(dailyCost(ctx, f).map(d => d.costUsd), [0, 2, 1.5]);
  });

  it('cache figures per endpoint', () => {
    const rows = cacheStats(ctx, { from: Date.UTC(2025, 11, 1), to: NOW + 1 });
    const a = rows.find(r => r.endpoint === '/a')!;
    // /a: A (hit), B (miss), E, F, G (unknown)
    assert.strictEqual(a.calls, 5);
    assert.strictEqual(a.responseCacheKnown, 2);
    assert.strictEqual(a.responseCacheHits, 1);
    assert.strictEqual(a.responseCacheHitRate, 0.5);
    assert.strictEqual(a.nonCachedCalls, 4); // B, E, F, G
    assert.strictEqual(a.nonCachedCostUsd, 2 + 16 + 32);
    assert.strictEqual(a.nonCachedUnpricedCalls, 1);
    assert.strictEqual(a.avgNonCachedCostUsd, 50 / 3);
    assert.deepStrictEqual([a.inputTokens, a.cacheReadTokens, a.cacheWriteTokens, a.cacheWrite1hTokens, a.cacheWrite5mTokens], [600, 100, 50, 20, 30]);
    assert.strictEqual(a.promptCacheTokenShare, 100 / 600);
    const perModel = cacheStats(ctx, { from: Date.UTC(2025, 11, 1), to: NOW + 1 }, true);
    assert.deepStrictEqual(perModel.filter(r => r.endpoint === '/a').map(r => [r.model, r.calls]).sort(), [['m1', 3], ['m2', 2]]);
  });

  it('repeated identical requests and tokens per (endpoint, model)', () => {
    const d = duplicateRequests(ctx, { from: Date.UTC(2025, 11, 1), to: NOW + 1 });
    // h1 on /a three times (costs 1, 2, unknown): 2 duplicates x average known cost 1.5
    assert.deepStrictEqual(d, [{ endpoint: '/a', repeatedHashes: 1, duplicateCalls: 2, duplicateCostUsd: 3 }]);
    const t = tokenUsage(ctx, { from: Date.UTC(2025, 11, 1), to: NOW + 1 });
    const am1 = t.find(r => r.endpoint === '/a' && r.model === 'm1')!;
    assert.deepStrictEqual([am1.calls, am1.usageCalls, am1.inputTokens, am1.costUsd, am1.unpricedCalls], [3, 1, 400, 17, 1]);
  });
});

describe('latency distributions', () => {
  it('histogram: zero bucket first, usual buckets, absurd latencies last; merge adds counts', () => {
    const h = new HistDist();
    h.add(latencyBucket(0), 1); // ZERO_BUCKET, representative 0
    h.add(latencyBucket(100), 2); // round(ln(100) * 32) = round(147.4) = 147
    const far = new HistDist();
    far.add(latencyBucket(1e9), 1); // round(ln(1e9) * 32) = 663, outside the dense ±512 range
    h.merge(far);
    assert.strictEqual(h.n, 4);
    assert.strictEqual(h.quantile(25), 0); // rank ceil(1) = 1: the zero bucket
    assert.strictEqual(h.quantile(50), Math.exp(147 / 32)); // rank 2: 98.8 ms, within 1.57 % of 100
    assert.ok(Math.abs(h.quantile(50)! - 100) / 100 < 0.0157);
    assert.strictEqual(h.quantile(75), Math.exp(147 / 32)); // rank 3
    assert.strictEqual(h.quantile(100), Math.exp(663 / 32)); // rank 4
    assert.strictEqual(new HistDist().quantile(50), null);
  });

  it('exact: nearest rank over added and merged values, in any order', () => {
    const a = new ExactDist(), b = new ExactDist();
    for (const v of [40, 10, 30]) a.add(v);
    for (let i = 0; i < 20; i++) b.add(1000 + i); // forces the buffer to grow past 16
    a.merge(b);
    assert.strictEqual(a.n, 23);
    assert.strictEqual(a.quantile(1), 10); // rank ceil(0.23) = 1
    assert.strictEqual(a.quantile(10), 40); // rank ceil(2.3) = 3 -> 10, 30, 40
    assert.strictEqual(a.quantile(50), 1008); // rank ceil(11.5) = 12 -> 9th of 1000.. = 1008
    assert.strictEqual(a.quantile(100), 1019);
    a.add(5);
    assert.strictEqual(a.quantile(1), 5); // re-sorted after a later add
  });
});

describe('selectKth', () => {
  it('gives the k-th smallest of shuffled, sorted and repeated values, as a sort would', () => {
    // 1,000 values: i mod 97 (repeats), a descending run, then a shuffle by a fixed LCG
    const make = (order: 'mod' | 'desc' | 'lcg'): Float64Array => {
      const a = new Float64Array(1000);
      let x = 12345;
      for (let i = 0; i < a.length; i++) {
        x = (x * 1103515245 + 12345) % 2147483648;
        a[i] = order === 'mod' ? i % 97 : order === 'desc' ? 1000 - i : x / 1e6;
      }
      return a;
    };
    for (const order of ['mod', 'desc', 'lcg'] as const) {
      const sorted = make(order).sort();
      for (const k of [0, 1, 499, 500, 949, 989, 999]) assert.strictEqual(selectKth(make(order), k), sorted[k], `${order} k=${k}`);
    }
    // i mod 97 for i < 1000 (= 10 * 97 + 30): 0..29 appear 11 times (330 values), 30..96 ten times, so the
    // 500th smallest (k = 499) is 29 + ceil((500 - 330) / 10) = 29 + 17 = 46
    assert.strictEqual(selectKth(make('mod'), 499), 46);
  });

  it('exact distribution above 256 values answers by selection, same as nearest rank on a sort', () => {
    const d = new ExactDist();
    for (let i = 1000; i >= 1; i--) d.add(i); // 1..1000 in descending order
    assert.strictEqual(d.quantile(50), 500); // rank ceil(500) = 500
    assert.strictEqual(d.quantile(95), 950);
    assert.strictEqual(d.quantile(99), 990);
    assert.strictEqual(d.quantile(99.95), 1000); // rank ceil(999.5) = 1000
  });
});
