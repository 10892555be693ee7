import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { emptyRecord, OriginRecord } from '../../src/core/model';
import { CallStore, StoredCall } from '../../src/core/store/callStore';
import { aggregate, QueryContext } from '../../src/core/metrics/aggregate';
import { byEndpoint, seriesStats, windowStats } from '../../src/core/metrics/queries';
import { costTotals, dailyCost, tokenUsage } from '../../src/core/metrics/cost';
import { hourPieces } from '../../src/core/metrics/pieceCache';
import { nextDayStart, startOfDay } from '../../src/core/metrics/timeZone';
import { bucketValue, latencyBucket } from '../../src/core/store/rollups';
import { ExactDist, HistDist, kthOfRuns, RunsDist } from '../../src/core/metrics/percentile';

// Query pieces are kept across data changes until one of their hours changes (pieceCache.ts). Each
// step below changes the data of the store under test; its answers must include the change, and equal
// the answers of a second store that gets the same calls only at that step (nothing kept from before).

const wasm = fs.readFileSync(path.join(process.cwd(), 'node_modules/sql.js/dist/sql-wasm.wasm'));
const H = 3_600_000;
const DAY = 24 * H;
// now: 20 Jan 2026 12:30 UTC (not on an hour: ranges have raw edges at both ends)
const NOW = Date.UTC(2026, 0, 20, 12, 30);
const T = (mo: number, d: number, h: number, mi = 0): number => Date.UTC(2026, mo, d, h, mi);

let line = 0;
function rec(ts: number, endpoint: string, latency: number, cost: number, o: Partial<StoredCall & OriginRecord> = {}): StoredCall {
  line++;
  return {
    ...emptyRecord(ts, endpoint), offset: line, line, cost_estimated: false, price_version: null, cost_source: 'computed',
    model: 'm1', latency_ms: latency, cost_usd: cost, input_tokens: 10, output_tokens: 1, ...o,
  };
}

const r24 = { from: NOW - DAY, to: NOW };
const r30 = { from: NOW - 30 * DAY, to: NOW };

/** Everything the dashboard asks for, over the two ranges. */
function answers(ctx: QueryContext): unknown {
  return {
    w24: windowStats(ctx, r24), prev24: windowStats(ctx, { from: NOW - 2 * DAY, to: NOW - DAY }), e24: byEndpoint(ctx, r24), s24: seriesStats(ctx, r24),
    w30: windowStats(ctx, r30), e30: byEndpoint(ctx, r30), s30: seriesStats(ctx, r30), em30: [...aggregate(ctx, r30, ['e', 'm'])],
    totals: costTotals(ctx, NOW), daily: dailyCost(ctx, r30), tokens7: tokenUsage(ctx, { from: NOW - 7 * DAY, to: NOW + 1 }),
    tokens7err: tokenUsage(ctx, { from: NOW - 7 * DAY, to: NOW + 1, status: 'error' }),
  };
}

describe('query pieces kept across data changes', function () {
  this.timeout(20_000);
  let store: CallStore;
  let ctx: QueryContext;
  const all: [string, StoredCall][] = [];
  before(async () => {
    store = await CallStore.open({ wasmBinary: wasm, retentionDays: 400 });
    ctx = { store, timeZone: 'UTC' };
  });
  after(() => store.close());

  /** The same calls (per source) in a new store: nothing it answers comes from an earlier step. */
  async function fresh(): Promise<unknown> {
    const s = await CallStore.open({ wasmBinary: wasm, retentionDays: 400 });
    try {
      for (const src of new Set(all.map(x => x[0]))) s.insert(s.sourceId(src), all.filter(x => x[0] === src).map(x => ({ ...x[1] })));
      return answers({ store: s, timeZone: 'UTC' });
    } finally { s.close(); }
  }
  function add(src: string, calls: StoredCall[]): void {
    for (const c of calls) all.push([src, c]);
    store.insert(store.sourceId(src), calls.map(c => ({ ...c })));
  }

  it('the newest hour\'s latencies follow appends as now moves (the last run extended), and a call behind the last refresh is counted too', async () => {
    const s = await CallStore.open({ wasmBinary: wasm, retentionDays: 400 });
    const calls: StoredCall[] = [];
    const put = (xs: StoredCall[]): void => { calls.push(...xs); s.insert(s.sourceId('t'), xs.map(x => ({ ...x }))); };
    const lat = (st: CallStore, now: number): unknown[] => {
      const w = windowStats({ store: st, timeZone: 'UTC' }, { from: now - DAY, to: now });
      // the window before (as the Real-time KPIs ask): its last span also ends inside an hour, and has no calls
      const prev = windowStats({ store: st, timeZone: 'UTC' }, { from: now - 2 * DAY, to: now - DAY });
      assert.strictEqual(prev.calls, 0);
      return [w.calls, w.latency.p50, w.latency.p95, w.latency.p99];
    };
    const fresh = async (now: number): Promise<unknown[]> => {
      const f = await CallStore.open({ wasmBinary: wasm, retentionDays: 400 });
      try {
        f.insert(f.sourceId('t'), calls.map(x => ({ ...x })));
        return lat(f, now);
      } finally { f.close(); }
    };
    const S = 1000;
    try {
      put([rec(T(0, 20, 11, 50), '/a', 500, 1), rec(T(0, 20, 12, 1), '/a', 300, 1)]);
      // [300, 500]: p50 rank 1 -> 300, p95 and p99 rank 2 -> 500
      assert.deepStrictEqual(lat(s, T(0, 20, 12, 5)), [2, 300, 500, 500]);
      put([rec(T(0, 20, 12, 5) + S, '/a', 100, 1), rec(T(0, 20, 12, 5) + 2 * S, '/b', 900, 1)]);
      // [100, 300, 500, 900]: p50 rank 2 -> 300, p95 rank ceil(3.8) = 4 -> 900
      assert.deepStrictEqual(lat(s, T(0, 20, 12, 6)), [4, 300, 900, 900]);
      assert.deepStrictEqual(lat(s, T(0, 20, 12, 6)), await fresh(T(0, 20, 12, 6)));
      put([rec(T(0, 20, 12, 6) + S, '/a', 200, 1)]);
      // [100, 200, 300, 500, 900]: p50 rank 3 -> 300, p95 rank 5 -> 900
      assert.deepStrictEqual(lat(s, T(0, 20, 12, 7)), [5, 300, 900, 900]);
      assert.deepStrictEqual(lat(s, T(0, 20, 12, 7)), await fresh(T(0, 20, 12, 7)));
      // a late call at 12:02, before the end of the last refresh
      put([rec(T(0, 20, 12, 2), '/a', 50, 1)]);
      // [50, 100, 200, 300, 500, 900]: p50 rank 3 -> 200, p95 rank ceil(5.7) = 6 -> 900
      assert.deepStrictEqual(lat(s, T(0, 20, 12, 8)), [6, 200, 900, 900]);
      assert.deepStrictEqual(lat(s, T(0, 20, 12, 8)), await fresh(T(0, 20, 12, 8)));
      // a call after now is not counted until now passes it
      put([rec(T(0, 20, 12, 9), '/a', 10, 1)]);
      assert.deepStrictEqual(lat(s, T(0, 20, 12, 8) + S), [6, 200, 900, 900]);
      assert.deepStrictEqual(lat(s, T(0, 20, 12, 10)), [7, 200, 900, 900]);
      assert.deepStrictEqual(lat(s, T(0, 20, 12, 10)), await fresh(T(0, 20, 12, 10)));
      // the next hour: 12:00-13:00 is now closed (extended from the run up to 12:10 once), 13:00-13:05 starts afresh
      put([rec(T(0, 20, 12, 59), '/a', 700, 1), rec(T(0, 20, 13, 1), '/b', 20, 1)]);
      // [10, 20, 50, 100, 200, 300, 500, 700, 900]: p50 rank ceil(4.5) = 5 -> 200, p95 rank ceil(8.55) = 9 -> 900
      assert.deepStrictEqual(lat(s, T(0, 20, 13, 5)), [9, 200, 900, 900]);
      assert.deepStrictEqual(lat(s, T(0, 20, 13, 5)), await fresh(T(0, 20, 13, 5)));
    } finally { s.close(); }
  });

  it('cuts a span at whole hours', () => {
    assert.deepStrictEqual(hourPieces(T(0, 1, 10, 30), T(0, 1, 12, 15)), [[T(0, 1, 10, 30), T(0, 1, 11)], [T(0, 1, 11), T(0, 1, 12)], [T(0, 1, 12), T(0, 1, 12, 15)]]);
    assert.deepStrictEqual(hourPieces(T(0, 1, 11), T(0, 1, 12)), [[T(0, 1, 11), T(0, 1, 12)]]);
    assert.deepStrictEqual(hourPieces(5, 5), []);
  });

  it('an append to the newest hour, then to an old hour, a deleted source, a re-price', async () => {
    add('x', [
      rec(T(0, 19, 12, 40), '/a', 100, 1), // 24 h range's first raw edge
      rec(T(0, 19, 18), '/a', 200, 2),
      rec(T(0, 20, 11, 15), '/b', 300, 4),
      rec(T(0, 20, 12, 10), '/b', 400, 8), // the open hour
      rec(T(0, 5, 10), '/a', 250, 0.5), // a whole day of the 30-day range
      rec(T(-1, 21, 13, 10), '/b', 150, 0.25), // 21 Dec 2025: the 30-day range's first raw edge (from 12:30)
    ]);
    let w = windowStats(ctx, r24);
    // 24 h: 4 calls, $1 + 2 + 4 + 8 = 15; latencies 100..400: p50 rank ceil(0.5*4) = 2 -> 200, p95 rank ceil(3.8) = 4 -> 400
    assert.deepStrictEqual([w.calls, w.costUsd, w.latency.p50, w.latency.p95], [4, 15, 200, 400]);
    let e = byEndpoint(ctx, r24);
    assert.deepStrictEqual(e.map(r => [r.key, r.calls, r.costUsd, r.p95]), [['/a', 2, 3, 200], ['/b', 2, 12, 400]]);
    // 30 d: the 6 calls, $15.75
    assert.deepStrictEqual([windowStats(ctx, r30).calls, windowStats(ctx, r30).costUsd], [6, 15.75]);
    assert.deepStrictEqual(answers(ctx), await fresh());

    // a tail append in the open hour (20 Jan 12:20)
    add('x', [rec(T(0, 20, 12, 20), '/a', 50, 16)]);
    w = windowStats(ctx, r24);
    // 5 calls, 15 + 16 = 31; [50, 100, 200, 300, 400]: p50 rank ceil(2.5) = 3 -> 200, p95 rank ceil(4.75) = 5 -> 400
    assert.deepStrictEqual([w.calls, w.costUsd, w.latency.p50, w.latency.p95], [5, 31, 200, 400]);
    e = byEndpoint(ctx, r24);
    // /a: 3 calls, 1 + 2 + 16 = 19, [50, 100, 200] p95 rank ceil(2.85) = 3 -> 200
    assert.deepStrictEqual(e.map(r => [r.key, r.calls, r.costUsd, r.p95]), [['/a', 3, 19, 200], ['/b', 2, 12, 400]]);
    assert.deepStrictEqual(answers(ctx), await fresh());

    // a late call in a closed hour (19 Jan 18:30) from another source
    add('y', [rec(T(0, 19, 18, 30), '/b', 1000, 32, { success: false })]);
    w = windowStats(ctx, r24);
    // 6 calls, 31 + 32 = 63, 1 error; [50, 100, 200, 300, 400, 1000]: p50 rank 3 -> 200, p95 rank ceil(5.7) = 6 -> 1000
    assert.deepStrictEqual([w.calls, w.costUsd, w.errors, w.latency.p50, w.latency.p95], [6, 63, 1, 200, 1000]);
    e = byEndpoint(ctx, r24);
    // /b: 3 calls, 4 + 8 + 32 = 44; the late call is the most expensive, so /b's p95 is 1000
    assert.deepStrictEqual(e.map(r => [r.key, r.calls, r.costUsd, r.p95]), [['/a', 3, 19, 200], ['/b', 3, 44, 1000]]);
    const w30 = windowStats(ctx, r30);
    // 30 d: 8 calls, 15.75 + 16 + 32 = 63.75; approximate p99: rank ceil(7.92) = 8 -> 1000's bucket
    assert.deepStrictEqual([w30.calls, w30.costUsd, w30.latency.p99, w30.latency.method], [8, 63.75, bucketValue(latencyBucket(1000)), 'approx']);
    assert.deepStrictEqual(answers(ctx), await fresh());

    // a late call in the 30-day range's first raw edge (21 Dec 2025 13:40, older than the in-memory rows)
    add('y', [rec(T(-1, 21, 13, 40), '/a', 5000, 64)]);
    const w30b = windowStats(ctx, r30);
    // 9 calls, 63.75 + 64 = 127.75; p99 rank ceil(8.91) = 9 -> 5000's bucket
    assert.deepStrictEqual([w30b.calls, w30b.costUsd, w30b.latency.p99], [9, 127.75, bucketValue(latencyBucket(5000))]);
    assert.deepStrictEqual(answers(ctx), await fresh());

    // source y removed: back to the 6 + 1 calls of x
    store.deleteSource(store.sourceId('y'));
    all.splice(0, all.length, ...all.filter(x => x[0] !== 'y'));
    w = windowStats(ctx, r24);
    assert.deepStrictEqual([w.calls, w.costUsd, w.errors, w.latency.p95], [5, 31, 0, 400]);
    assert.deepStrictEqual([windowStats(ctx, r30).calls, windowStats(ctx, r30).costUsd], [7, 31.75]);
    assert.deepStrictEqual(answers(ctx), await fresh());

    // re-priced: every call now costs $1 (counts and latencies unchanged)
    store.reprice(() => ({ cost_usd: 1, cost_source: 'computed', estimated: false }), 'flat');
    for (const x of all) x[1].cost_usd = 1;
    w = windowStats(ctx, r24);
    assert.deepStrictEqual([w.calls, w.costUsd], [5, 5]);
    assert.deepStrictEqual(byEndpoint(ctx, r24).map(r => [r.key, r.costUsd]), [['/a', 3], ['/b', 2]]);
    assert.deepStrictEqual(windowStats(ctx, r30).costUsd, 7);
    assert.deepStrictEqual(answers(ctx), await fresh());

    // two appends before the next refresh, the first one to an older hour (20 Jan 02:10): both counted
    add('x', [rec(T(0, 20, 2, 10), '/b', 70, 256)]);
    add('x', [rec(T(0, 20, 12, 25), '/a', 60, 128)]);
    w = windowStats(ctx, r24);
    // 7 calls, 5 + 128 + 256 = 389; [50, 60, 70, 100, 200, 300, 400]: p50 rank ceil(3.5) = 4 -> 100, p95 rank ceil(6.65) = 7 -> 400
    assert.deepStrictEqual([w.calls, w.costUsd, w.errors, w.latency.p50, w.latency.p95], [7, 389, 0, 100, 400]);
    assert.deepStrictEqual(answers(ctx), await fresh());
  });

  it('raw rows deleted by retention leave the answers, their hour rollups stay', async () => {
    const s = await CallStore.open({ wasmBinary: wasm, retentionDays: 30 });
    try {
      const c = { store: s, timeZone: 'UTC' };
      const id = s.sourceId('z');
      // 21 Dec 2025 12:40 (the 30-day range's first edge, [12:30, 13:00), is read from minute rollups, which go
      // with the raw rows) and 20 Jan 11:00
      s.insert(id, [rec(T(-1, 21, 12, 40), '/a', 100, 1), rec(T(0, 20, 11), '/a', 200, 2)]);
      assert.deepStrictEqual([windowStats(c, r30).calls, byEndpoint(c, r30)[0].calls], [2, 2]);
      // retention at NOW + 1 h: cutoff 21 Dec 13:30 deletes the first call's raw row and minute rollup
      s.applyRetention(NOW + H);
      assert.deepStrictEqual([windowStats(c, r30).calls, windowStats(c, r30).costUsd], [1, 2]);
      assert.deepStrictEqual(byEndpoint(c, r30).map(r => [r.key, r.calls, r.costUsd]), [['/a', 1, 2]]);
    } finally { s.close(); }
  });
});

describe('day starts remembered by argument', () => {
  it('per zone, across a 23-hour day, asked twice', () => {
    const ts = Date.UTC(2026, 2, 29, 12);
    for (let round = 0; round < 2; round++) {
      // Paris on 29 Mar 2026 (clocks go forward at 02:00): the day starts 00:00 CET = 28 Mar 23:00Z and lasts 23 h
      assert.strictEqual(startOfDay(ts, 'Europe/Paris'), Date.UTC(2026, 2, 28, 23));
      assert.strictEqual(nextDayStart(Date.UTC(2026, 2, 28, 23), 'Europe/Paris'), Date.UTC(2026, 2, 29, 22));
      // the same instant in New York (EDT, UTC-4 since 8 Mar): 00:00 EDT = 04:00Z
      assert.strictEqual(startOfDay(ts, 'America/New_York'), Date.UTC(2026, 2, 29, 4));
      assert.strictEqual(startOfDay(ts, 'UTC'), Date.UTC(2026, 2, 29));
    }
  });
});

describe('percentiles remembered until a value is added', () => {
  it('exact and histogram distributions answer again after add and merge', () => {
    const e = new ExactDist();
    for (const v of [10, 20, 30, 40]) e.add(v);
    // nearest rank: p50 rank ceil(2) = 2 -> 20, asked twice
    assert.deepStrictEqual([e.quantile(50), e.quantile(50), e.quantile(95)], [20, 20, 40]);
    e.add(5);
    // [5, 10, 20, 30, 40]: p50 rank ceil(2.5) = 3 -> 20, p95 rank 5 -> 40, p1 rank 1 -> 5
    assert.deepStrictEqual([e.quantile(50), e.quantile(1)], [20, 5]);
    const more = new ExactDist();
    more.add(1); more.add(2);
    e.merge(more);
    // [1, 2, 5, 10, 20, 30, 40]: p50 rank ceil(3.5) = 4 -> 10
    assert.strictEqual(e.quantile(50), 10);
    // compact keeps the values: [1, 2, 5, 10, 20, 30, 40] + 50 -> p99 rank 8 -> 50
    e.compact();
    assert.strictEqual(e.quantile(50), 10);
    e.add(50);
    assert.deepStrictEqual([e.n, e.quantile(99)], [8, 50]);
    const h = new HistDist();
    h.add(10, 3);
    assert.strictEqual(h.quantile(50), bucketValue(10));
    h.add(20, 4);
    // 7 values: p50 rank 4 falls in bucket 20 (3 in bucket 10 before it)
    assert.strictEqual(h.quantile(50), bucketValue(20));
    const h2 = new HistDist();
    h2.add(5, 10);
    h.merge(h2);
    // 17 values: p50 rank ceil(8.5) = 9 is in bucket 5 (its 10 come first)
    assert.strictEqual(h.quantile(50), bucketValue(5));
  });
});

describe('percentiles of many values, asked in any order', () => {
  it('each selection searches only between earlier ones and answers as nearest rank on a sort', () => {
    // 1,000 values: 0..999 shuffled by a fixed step (7 is prime to 1,000)
    const e = new ExactDist();
    for (let i = 0; i < 1000; i++) e.add((i * 7) % 1000);
    // nearest rank on 0..999: p -> value ceil(p/100 * 1000) - 1
    const asked = [95, 50, 99, 1, 50.05, 75, 99.9, 100, 0.1];
    const want = asked.map(p => Math.ceil((p / 100) * 1000) - 1);
    assert.deepStrictEqual(asked.map(p => e.quantile(p)), want);
    // after another value the selections start over: 1,001 values 0..999 and 1,000; p50 rank ceil(500.5) = 501 -> 500
    e.add(1000);
    assert.deepStrictEqual([e.quantile(50), e.quantile(100), e.quantile(99)], [500, 1000, 990]);
  });
});

describe('percentiles across sorted runs', () => {
  it('k-th smallest of several ascending runs (repeats, an empty run) as in their sorted union', () => {
    const runs = [[1, 3, 3, 9], [], [2, 3, 4], [0, 10], [3]].map(r => Float64Array.from(r));
    // union sorted: 0 1 2 3 3 3 3 4 9 10
    const union = [0, 1, 2, 3, 3, 3, 3, 4, 9, 10];
    for (let k = 0; k < union.length; k++) assert.strictEqual(kthOfRuns(runs, k), union[k], `k = ${k}`);
    const d = new RunsDist(runs);
    // n = 10: p50 rank 5 -> 3, p95 rank ceil(9.5) = 10 -> 10, p10 rank 1 -> 0, p11 rank 2 -> 1
    assert.deepStrictEqual([d.n, d.quantile(50), d.quantile(95), d.quantile(10), d.quantile(11)], [10, 3, 10, 0, 1]);
    assert.strictEqual(new RunsDist([]).quantile(50), null);
  });

  it('many runs of shuffled values give what one sorted array gives', () => {
    // 25 runs of 0..399 stepped by 13 (prime to 400), shifted by run: values r*7 + (i*13 % 400)
    const runs: Float64Array[] = [];
    const all: number[] = [];
    for (let r = 0; r < 25; r++) {
      const e = new ExactDist();
      for (let i = 0; i < 400; i++) { const v = r * 7 + ((i * 13) % 400); e.add(v); all.push(v); }
      runs.push(e.sortedCopy());
    }
    all.sort((x, y) => x - y);
    const d = new RunsDist(runs);
    for (const p of [0.1, 1, 25, 50, 90, 95, 99, 99.9, 100]) {
      // nearest rank over 10,000 values: all[ceil(p * 100) - 1]
      assert.strictEqual(d.quantile(p), all[Math.ceil((p / 100) * 10_000) - 1], `p${p}`);
    }
  });
});
