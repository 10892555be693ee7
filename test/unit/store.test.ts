import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CallRecord, CostSource, emptyRecord, OriginRecord, SourceStats } from '../../src/core/model';
import { CallKey, CallStore, R_COLS, RECORD_FROM, RECORD_SELECT, rowToRecord, STORE_SCHEMA, StoredCall } from '../../src/core/store/callStore';
import { AlertHistory } from '../../src/core/alerts/history';
import { AlertEngine } from '../../src/core/alerts/alertEngine';
import type { AlertRule } from '../../src/core/alerts/rules';
import { loadSqlJs } from '../../src/core/store/sqlJs';
import { aggregate, M, ERRORS, QueryContext, splitRange, WASTED } from '../../src/core/metrics/aggregate';
import { byEndpoint, byModel, topErrors, windowStats, seriesStats, bucketStarts } from '../../src/core/metrics/queries';
import { nearestRank } from '../../src/core/metrics/percentile';
import { HIST_K, RollupDelta, RollRow } from '../../src/core/store/rollups';
import { migrate, SCHEMA_SQL, SCHEMA_VERSION } from '../../src/core/store/schema';
import { dailyCost as dailyCostOf } from '../../src/core/metrics/cost';

const wasm = fs.readFileSync(path.join(process.cwd(), 'node_modules/sql.js/dist/sql-wasm.wasm'));
const MIN = 60_000, HOUR = 3_600_000, DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

let line = 0;
function rec(ts: number, endpoint: string, o: Partial<OriginRecord & StoredCall> = {}): StoredCall {
  line++;
  return { ...emptyRecord(ts, endpoint), offset: line * 100, line, cost_estimated: false, price_version: null, ...o };
}

/** The five calls every window test below works out by hand. */
function fiveCalls(): StoredCall[] {
  return [
    rec(T0, '/chat', { model: 'gpt-4o', provider: 'openai', latency_ms: 100, input_tokens: 1000, cache_read_tokens: 200, output_tokens: 50, cost_usd: 0.01, cost_source: 'computed', response_cache_hit: false }),
    rec(T0 + MIN, '/chat', { model: 'gpt-4o', provider: 'openai', latency_ms: 200, input_tokens: 500, output_tokens: 20, cost_usd: 0.02, cost_source: 'computed', response_cache_hit: true }),
    rec(T0 + 2 * MIN, '/chat', { model: 'claude', provider: 'anthropic', latency_ms: 300, success: false, error_type: 'timeout', status_code: 504, input_tokens: 300, cache_read_tokens: 100, response_cache_hit: false }),
    rec(T0 + 3 * MIN, '/embed', { latency_ms: 400 }),
    rec(T0 + 4 * MIN, '/embed', { success: false, status_code: 500, cost_usd: 0.005, cost_source: 'logged', retry_count: 1 }),
  ];
}

async function open(opts: Partial<Parameters<typeof CallStore.open>[0]> = {}): Promise<CallStore> {
  return CallStore.open({ wasmBinary: wasm, retentionDays: 30, ...opts });
}

describe('store and metrics', function () {
  // sql.js start-up and file reads are slow on a loaded 2-core machine; no timing is asserted
  this.timeout(20_000);
  let store: CallStore;
  let ctx: QueryContext;
  beforeEach(async () => {
    store = await open();
    ctx = { store, timeZone: 'UTC' };
  });
  afterEach(() => store.close());
  /** Every stored call as the store reads it back, by id, without the id (see the deferred-rows tests). */
  const all = (s: CallStore): unknown[] => s.all(`SELECT ${RECORD_SELECT} FROM ${RECORD_FROM} ORDER BY c.id`).map(r => r.slice(1));

  it('round-trips a record through insert and iterate-style read', () => {
    const sid = store.sourceId('/logs/a.jsonl');
    assert.strictEqual(store.insert(sid, fiveCalls()), 5);
    const w = windowStats(ctx, { from: T0, to: T0 + HOUR });
    assert.strictEqual(w.calls, 5);
    assert.deepStrictEqual(store.dimValues('endpoint'), ['/chat', '/embed']);
    assert.deepStrictEqual(store.dimValues('model'), ['claude', 'gpt-4o']);
  });

  it('window: counts, rates, nearest-rank percentiles, tokens and cost, worked by hand', () => {
    store.insert(store.sourceId('a'), fiveCalls());
    const w = windowStats(ctx, { from: T0, to: T0 + HOUR });
    assert.strictEqual(w.calls, 5);
    assert.strictEqual(w.errors, 2);
    assert.strictEqual(w.successRate, 3 / 5);
    assert.strictEqual(w.errorRate, 2 / 5);
    // latencies 100, 200, 300, 400 (one call has none): n = 4, avg = 1000 / 4
    assert.strictEqual(w.latency.n, 4);
    assert.strictEqual(w.latency.avg, 250);
    assert.strictEqual(w.latency.p50, 200); // rank ceil(0.50 * 4) = 2
    assert.strictEqual(w.latency.p95, 400); // rank ceil(0.95 * 4) = 4
    assert.strictEqual(w.latency.p99, 400);
    assert.strictEqual(w.latency.method, 'exact');
    assert.strictEqual(w.throughputPerMin, 5 / 60);
    // hit flag known on 3 calls, 1 hit
    assert.strictEqual(w.responseCacheHitRate, 1 / 3);
    assert.strictEqual(w.responseCacheHits, 1);
    assert.strictEqual(w.inputTokens, 1000 + 500 + 300);
    assert.strictEqual(w.promptCacheTokenShare, (200 + 100) / 1800);
    assert.strictEqual(w.outputTokens, 50 + 20);
    assert.ok(Math.abs(w.costUsd - (0.01 + 0.02 + 0.005)) < 1e-12);
    assert.strictEqual(w.unpricedCalls, 2);
    assert.ok(Math.abs(w.costPerHour! - 0.035) < 1e-12); // 1-hour window
  });

  it('window rates need a window of a minute or more: per-minute and per-hour figures of a shorter one are null', () => {
    store.insert(store.sourceId('a'), fiveCalls());
    // the first call alone (cost 0.01) in a 1 ms window: no rate, not 60,000 calls a minute or 36,000 USD an hour
    const one = windowStats(ctx, { from: T0, to: T0 + 1 });
    assert.deepStrictEqual([one.calls, one.throughputPerMin, one.costPerHour], [1, null, null]);
    assert.strictEqual(one.costUsd, 0.01);
    // 59.999 s: still too short; exactly 1 minute holds the same call: 1 call a minute, 0.01 x 60 = 0.6 USD an hour
    assert.deepStrictEqual([windowStats(ctx, { from: T0, to: T0 + MIN - 1 }).throughputPerMin], [null]);
    const minute = windowStats(ctx, { from: T0, to: T0 + MIN });
    assert.strictEqual(minute.throughputPerMin, 1);
    assert.ok(Math.abs(minute.costPerHour! - 0.6) < 1e-12);
  });

  it('window with no data gives nulls, not 0 or NaN', () => {
    store.insert(store.sourceId('a'), fiveCalls());
    const w = windowStats(ctx, { from: T0 - 2 * HOUR, to: T0 - HOUR });
    assert.strictEqual(w.calls, 0);
    assert.strictEqual(w.successRate, null);
    assert.strictEqual(w.errorRate, null);
    assert.strictEqual(w.latency.avg, null);
    assert.strictEqual(w.latency.p95, null);
    assert.strictEqual(w.throughputPerMin, null);
    assert.strictEqual(w.responseCacheHitRate, null);
    assert.strictEqual(w.promptCacheTokenShare, null);
    assert.strictEqual(w.costPerHour, null);
    const unknown = windowStats(ctx, { from: T0, to: T0 + HOUR, endpoint: '/nope' });
    assert.strictEqual(unknown.calls, 0);
    assert.strictEqual(unknown.successRate, null);
  });

  it('filters: endpoint, model, provider, status', () => {
    store.insert(store.sourceId('a'), fiveCalls());
    const r = { from: T0, to: T0 + HOUR };
    assert.strictEqual(windowStats(ctx, { ...r, endpoint: '/chat' }).calls, 3);
    assert.strictEqual(windowStats(ctx, { ...r, model: 'gpt-4o' }).calls, 2);
    assert.strictEqual(windowStats(ctx, { ...r, provider: 'anthropic' }).calls, 1);
    assert.strictEqual(windowStats(ctx, { ...r, status: 'error' }).calls, 2);
    const ok = windowStats(ctx, { ...r, status: 'ok' });
    assert.strictEqual(ok.calls, 3);
    assert.strictEqual(ok.latency.p50, 200); // 100, 200, 400: rank ceil(1.5) = 2
  });

  it('byEndpoint, byModel and topErrors', () => {
    store.insert(store.sourceId('a'), fiveCalls());
    const r = { from: T0, to: T0 + HOUR };
    const eps = byEndpoint(ctx, r);
    assert.deepStrictEqual(eps.map(e => [e.key, e.calls, e.errors, e.avgLatency, e.p95, e.unpricedCalls]), [
      ['/chat', 3, 1, (100 + 200 + 300) / 3, 300, 1], // p95 rank ceil(2.85) = 3
      ['/embed', 2, 1, 400, 400, 1],
    ]);
    assert.ok(Math.abs(eps[0].costUsd - 0.03) < 1e-12);
    const models = byModel(ctx, r);
    assert.deepStrictEqual(models.map(m => [m.key, m.calls]), [['(none)', 2], ['gpt-4o', 2], ['claude', 1]]);
    assert.deepStrictEqual(topErrors(ctx, r).map(e => [e.errorType, e.endpoint, e.count, e.lastTs]), [
      ['HTTP 500', '/embed', 1, T0 + 4 * MIN],
      ['timeout', '/chat', 1, T0 + 2 * MIN],
    ]);
  });

  it('fractional and out-of-order timestamps land in the same buckets raw and rolled up', () => {
    // 1.5 ms past the hour (from a µs timestamp) is stored as whole ms; an older call arrives last
    store.insert(store.sourceId('a'), [rec(T0 + 1.5, '/a', { latency_ms: 1 }), rec(T0 + 3 * HOUR + 0.25, '/a'), rec(T0 - 30 * HOUR, '/a')]);
    const f = { from: T0 - 2 * 86_400_000, to: T0 + 2 * 86_400_000 };
    const rolled = aggregate(ctx, f).get('')!, raw = aggregate(ctx, f, [], undefined, true).get('')!;
    assert.strictEqual(rolled[M.calls], 3);
    assert.deepStrictEqual(rolled, raw);
    assert.deepStrictEqual(store.all('SELECT ts FROM calls ORDER BY ts').map(r => r[0]), [T0 - 30 * HOUR, T0 + 1, T0 + 3 * HOUR]);
  });

  it('nearest rank on a known set', () => {
    const v = [15, 20, 35, 40, 50];
    assert.strictEqual(nearestRank(v, 5), 15); // ceil(0.25) = 1
    assert.strictEqual(nearestRank(v, 30), 20); // ceil(1.5) = 2
    assert.strictEqual(nearestRank(v, 40), 20); // ceil(2.0) = 2
    assert.strictEqual(nearestRank(v, 50), 35); // ceil(2.5) = 3
    assert.strictEqual(nearestRank(v, 100), 50);
    assert.strictEqual(nearestRank([], 50), null);
  });

  it('rollups equal raw aggregates over a long range with ragged edges', () => {
    const recs: StoredCall[] = [];
    // 3 days, one call every 7 minutes: latency cycles 10..1000, cost every other call, every 5th fails
    const start = Date.UTC(2026, 0, 1, 0, 0);
    for (let i = 0; i < (3 * DAY) / (7 * MIN); i++) {
      recs.push(rec(start + i * 7 * MIN, i % 3 ? '/a' : '/b', {
        model: i % 2 ? 'm1' : 'm2', provider: 'p', latency_ms: 10 + (i * 37) % 991, success: i % 5 !== 0,
        cost_usd: i % 2 ? 0.001 * (i % 7) : null, cost_source: i % 2 ? 'computed' : 'unpriced', input_tokens: i, cache_read_tokens: i % 4,
        response_cache_hit: i % 3 === 0 ? null : i % 3 === 1, retry_count: i % 11 === 0 ? 1 : 0,
      }));
    }
    store.insert(store.sourceId('a'), recs);
    const f = { from: start + 17 * MIN + 5, to: start + 2 * DAY + 5 * HOUR + 3 * MIN };
    const split = splitRange(f.from, f.to);
    assert.deepStrictEqual(split.day, [[start + DAY, start + 2 * DAY]]);
    const rolled = aggregate(ctx, f).get('')!;
    const raw = aggregate(ctx, f, [], undefined, true).get('')!;
    // the calls in range are those with index i where start + 7i min lies in [from, to): i from 3 to 445
    const first = Math.ceil((17 * MIN + 5) / (7 * MIN)), last = Math.ceil((2 * DAY + 5 * HOUR + 3 * MIN) / (7 * MIN)) - 1;
    assert.strictEqual(raw[M.calls], last - first + 1);
    for (let i = 0; i < raw.length; i++) assert.ok(Math.abs(rolled[i] - raw[i]) < 1e-9, `measure ${i}: ${rolled[i]} vs ${raw[i]}`);
    // under 24 h, unfiltered: minute totals plus raw edges; and per 15-minute slot
    const short = { from: start + 3 * HOUR + 17 * MIN + 5, to: start + 20 * HOUR + 3 * MIN + 7 };
    for (const [fl, grain] of [[short, undefined], [{ ...short, status: 'error' as const }, undefined], [short, 15 * MIN], [f, HOUR]] as [typeof f, number | undefined][]) {
      const a = aggregate(ctx, fl, [], grain), b = aggregate(ctx, fl, [], grain, true);
      assert.deepStrictEqual([...a.keys()].sort(), [...b.keys()].sort());
      for (const [k, v] of b) for (let i = 0; i < v.length; i++) assert.ok(Math.abs(a.get(k)![i] - v[i]) < 1e-9, `${k} measure ${i}`);
    }
    // the in-memory hour totals, once loaded, follow inserts and deletes
    const extra = store.sourceId('extra');
    store.insert(extra, [rec(start + DAY + 5 * HOUR + 1, '/a', { cost_usd: 3, cost_source: 'logged', success: false, latency_ms: 7 })]);
    const check = (): void => {
      for (const fl of [f, { ...f, status: 'error' as const }]) {
        const a = aggregate(ctx, fl, [], HOUR), b = aggregate(ctx, fl, [], HOUR, true);
        for (const [k, v] of b) for (let i = 0; i < v.length; i++) assert.ok(Math.abs(a.get(k)![i] - v[i]) < 1e-9, `${k} measure ${i}`);
        const w1 = aggregate(ctx, fl).get('')!, w2 = aggregate(ctx, fl, [], undefined, true).get('')!;
        for (let i = 0; i < w1.length; i++) assert.ok(Math.abs(w1[i] - w2[i]) < 1e-9);
      }
    };
    check();
    assert.strictEqual(aggregate(ctx, f).get('')![M.calls], last - first + 2);
    store.deleteSource(extra);
    check();
    const byEp = aggregate(ctx, { ...f, model: 'm1' }, ['e']);
    const byEpRaw = aggregate(ctx, { ...f, model: 'm1' }, ['e'], undefined, true);
    assert.deepStrictEqual([...byEp.keys()].sort(), [...byEpRaw.keys()].sort());
    for (const [k, v] of byEpRaw) assert.strictEqual(byEp.get(k)![M.calls], v[M.calls]);
    assert.strictEqual(byEp.get(String(store.dimId('endpoint', '/b')))![ERRORS], byEpRaw.get(String(store.dimId('endpoint', '/b')))![ERRORS]);
  });

  it('long-range percentiles come from histograms within 2 % and are marked approx', () => {
    const start = Date.UTC(2026, 0, 1);
    const recs: StoredCall[] = [];
    // 200 calls over 2 days with latencies 1..200 ms (each once), in a shuffled order
    for (let i = 0; i < 200; i++) recs.push(rec(start + i * 14 * MIN, '/x', { latency_ms: ((i * 73) % 200) + 1 }));
    store.insert(store.sourceId('a'), recs);
    const w = windowStats(ctx, { from: start, to: start + 2 * DAY + 30 * MIN });
    assert.strictEqual(w.latency.method, 'approx');
    assert.strictEqual(w.latency.n, 200);
    // exact nearest rank: p50 -> 100, p95 -> 190, p99 -> 198; error bound e^(0.5/K) - 1
    const bound = Math.exp(0.5 / HIST_K) - 1;
    assert.ok(bound <= 0.02);
    for (const [got, want] of [[w.latency.p50!, 100], [w.latency.p95!, 190], [w.latency.p99!, 198]]) {
      assert.ok(Math.abs(got - want) / want <= bound + 1e-12, `${got} vs ${want}`);
    }
    assert.strictEqual(w.latency.avg, 201 / 2); // exact from sums: (1 + ... + 200) / 200
    const exact = windowStats(ctx, { from: start, to: start + DAY });
    assert.strictEqual(exact.latency.method, 'exact');
    // the in-memory histogram mirror follows later inserts and deletes
    const other = store.sourceId('b');
    store.insert(other, [0, 1, 2, 3].map(i => rec(start + DAY + i * HOUR, '/x', { latency_ms: 5000 })));
    const more = windowStats(ctx, { from: start, to: start + 2 * DAY + 30 * MIN });
    assert.strictEqual(more.latency.n, 204);
    assert.ok(Math.abs(more.latency.p99! - 5000) / 5000 <= bound); // rank ceil(0.99 * 204) = 202 > 200: one of the 5000 ms calls
    // grouped or filtered by endpoint, long ranges read the day histograms (also mirrored in memory)
    const longRange = { from: start, to: start + 2 * DAY + 30 * MIN };
    const eps = byEndpoint(ctx, longRange);
    assert.strictEqual(eps.length, 1);
    // 1..200 ms plus four 5000 ms calls: p95 rank ceil(0.95 * 204) = 194 -> 194 ms
    assert.ok(Math.abs(eps[0].p95! - 194) / 194 <= bound);
    store.deleteSource(other);
    const epsBack = byEndpoint(ctx, longRange);
    assert.ok(Math.abs(epsBack[0].p95! - 190) / 190 <= bound); // rank ceil(0.95 * 200) = 190 -> 190 ms
    const filtered = windowStats(ctx, { ...longRange, endpoint: '/x' });
    assert.strictEqual(filtered.latency.method, 'approx');
    assert.ok(Math.abs(filtered.latency.p50! - 100) / 100 <= bound);
    const back = windowStats(ctx, { from: start, to: start + 2 * DAY + 30 * MIN });
    assert.strictEqual(back.latency.n, 200);
    assert.ok(Math.abs(back.latency.p99! - 198) / 198 <= bound);
  });

  it('series buckets sum to the window total (minute, 15 min, hour, day)', () => {
    const recs: StoredCall[] = [];
    const start = Date.UTC(2026, 0, 1, 0, 0);
    for (let i = 0; i < 500; i++) recs.push(rec(start + i * 17 * MIN + 3, i % 2 ? '/a' : '/b', { latency_ms: i + 1, cost_usd: 0.5, cost_source: 'computed', success: i % 9 !== 0 }));
    store.insert(store.sourceId('a'), recs);
    for (const len of [HOUR, 20 * HOUR, 5 * DAY, 6 * DAY + 1, 8 * DAY]) {
      const f = { from: start + 31 * MIN, to: start + 31 * MIN + len };
      const s = seriesStats(ctx, f);
      const w = windowStats(ctx, f);
      assert.strictEqual(s.points.reduce((a, p) => a + p.calls, 0), w.calls, `len ${len}`);
      assert.strictEqual(s.points.reduce((a, p) => a + p.errors, 0), w.errors);
      assert.ok(Math.abs(s.points.reduce((a, p) => a + p.costUsd, 0) - w.costUsd) < 1e-9);
    }
    const hourly = seriesStats(ctx, { from: start, to: start + HOUR });
    assert.strictEqual(hourly.bucket, 'minute');
    assert.strictEqual(hourly.points.length, 60);
    // calls at 0:00, 0:17, 0:34, 0:51 (+3 ms): minutes 0, 17, 34, 51
    assert.deepStrictEqual(hourly.points.filter(p => p.calls).map(p => (p.t - start) / MIN), [0, 17, 34, 51]);
    assert.strictEqual(hourly.points[17].p50, 2); // second call, latency 2
    assert.strictEqual(hourly.points[1].p50, null);
    assert.strictEqual(seriesStats(ctx, { from: start, to: start + 8 * DAY }).bucket, 'day');
  });

  it('day buckets follow the display zone across midnight', () => {
    const nyCtx: QueryContext = { store, timeZone: 'America/New_York' };
    // 04:30Z on Jan 10 is 23:30 on Jan 9 in New York (UTC-5); 05:30Z is 00:30 on Jan 10
    store.insert(store.sourceId('a'), [rec(Date.UTC(2026, 0, 10, 4, 30), '/a'), rec(Date.UTC(2026, 0, 10, 5, 30), '/a')]);
    const f = { from: Date.UTC(2026, 0, 5), to: Date.UTC(2026, 0, 14) };
    const s = seriesStats(nyCtx, f);
    assert.strictEqual(s.bucket, 'day');
    const nonEmpty = s.points.filter(p => p.calls > 0);
    assert.deepStrictEqual(nonEmpty.map(p => [p.t, p.calls]), [[Date.UTC(2026, 0, 9, 5), 1], [Date.UTC(2026, 0, 10, 5), 1]]);
    // the same range in UTC puts both calls on Jan 10
    const utc = seriesStats(ctx, f).points.filter(p => p.calls > 0);
    assert.deepStrictEqual(utc.map(p => [p.t, p.calls]), [[Date.UTC(2026, 0, 10), 2]]);
    // a DST change: New York days around 8 March 2026 are 23 h long
    const starts = bucketStarts(Date.UTC(2026, 2, 7, 12), Date.UTC(2026, 2, 10), 'day', DAY, 'America/New_York');
    assert.deepStrictEqual(starts.map(t => new Date(t).toISOString()), ['2026-03-07T05:00:00.000Z', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
  });

  it('recent raw rows kept in memory follow inserts, move forward with the newest call, and reload after a delete', () => {
    const sid = store.sourceId('a');
    store.insert(sid, fiveCalls());
    const r = { from: T0, to: T0 + HOUR };
    // first query loads the rows of the 49 h before the newest call (T0 + 4 min)
    assert.strictEqual(windowStats(ctx, r).calls, 5);
    assert.strictEqual(store.recentRows().from, T0 + 4 * MIN - 49 * HOUR);
    assert.strictEqual(store.recentRows().n, 5);
    store.insert(sid, [rec(T0 + 10 * MIN, '/chat', { latency_ms: 500, cost_usd: 0.04, cost_source: 'computed', success: false, retry_count: 2 })]);
    assert.strictEqual(store.recentRows().n, 6);
    const w = windowStats(ctx, r);
    assert.strictEqual(w.calls, 6);
    assert.strictEqual(w.errors, 3);
    assert.strictEqual(w.latency.p95, 500); // 100..500: rank ceil(0.95 * 5) = 5
    assert.ok(Math.abs(w.costUsd - (0.01 + 0.02 + 0.005 + 0.04)) < 1e-12);
    const chat = byEndpoint(ctx, r).find(e => e.key === '/chat')!;
    assert.deepStrictEqual([chat.calls, chat.errors, chat.avgLatency, chat.p95], [4, 2, (100 + 200 + 300 + 500) / 4, 500]);
    // a call 3 days later: the window moves to its 49 h (3 d - 49 h = 23 h after T0), the first six leave memory
    store.insert(sid, [rec(T0 + 3 * DAY, '/chat', { latency_ms: 7 })]);
    assert.strictEqual(store.recentRows().from, T0 + 3 * DAY - 49 * HOUR);
    assert.strictEqual(store.recentRows().n, 1);
    // ...and are read from the table again, same figures
    const again = windowStats(ctx, r);
    assert.deepStrictEqual([again.calls, again.errors, again.latency.p95], [6, 3, 500]);
    assert.strictEqual(windowStats(ctx, { from: T0 + 3 * DAY - MIN, to: T0 + 3 * DAY + MIN }).latency.p50, 7);
    store.deleteSource(sid);
    assert.strictEqual(windowStats(ctx, { from: T0 + 3 * DAY - MIN, to: T0 + 3 * DAY + MIN }).calls, 0);
    assert.strictEqual(store.recentRows().n, 0);
  });

  it('recent rows move forward by dropping the calls before the window and keeping the rest in order', () => {
    const sid = store.sourceId('a');
    store.insert(sid, [rec(T0, '/a', { latency_ms: 1 }), rec(T0 + 10 * HOUR, '/a', { latency_ms: 2 }), rec(T0 + 20 * HOUR, '/a', { latency_ms: 3 })]);
    assert.strictEqual(store.recentRows().n, 3); // from T0 + 20 h - 49 h
    // newest T0 + 60 h: the window starts at T0 + 11 h (40 h later than before, past the 12 h slack), T0 and T0 + 10 h leave
    store.insert(sid, [rec(T0 + 60 * HOUR, '/a', { latency_ms: 4 }), rec(T0 + 59 * HOUR, '/a', { latency_ms: 5 })]);
    const rows = store.recentRows();
    assert.strictEqual(rows.from, T0 + 11 * HOUR);
    assert.deepStrictEqual(Array.from({ length: rows.n }, (_, i) => rows.rows[i * R_COLS]), [T0 + 20 * HOUR, T0 + 59 * HOUR, T0 + 60 * HOUR]);
  });

  it('recent rows inserted out of order are found by a ts range', () => {
    const sid = store.sourceId('a');
    store.insert(sid, fiveCalls());
    assert.strictEqual(windowStats(ctx, { from: T0, to: T0 + HOUR }).calls, 5); // loads the recent rows
    store.insert(sid, [rec(T0 + 30 * MIN, '/a', { latency_ms: 9 }), rec(T0 + 90 * 1000, '/a', { latency_ms: 50 })]);
    // [T0 + 1 min, T0 + 2 min) holds T0 + 1 min (200 ms) and the late T0 + 90 s (50 ms): p50 rank 1 = 50
    const w = windowStats(ctx, { from: T0 + MIN, to: T0 + 2 * MIN });
    assert.deepStrictEqual([w.calls, w.latency.p50, w.latency.p99], [2, 50, 200]);
    assert.strictEqual(windowStats(ctx, { from: T0 + 29 * MIN, to: T0 + 31 * MIN }).latency.p50, 9);
    // a second late batch after that read: merged into the sorted rows
    store.insert(sid, [rec(T0 + 150 * 1000, '/a', { latency_ms: 60 }), rec(T0 + 30 * 1000, '/a', { latency_ms: 70 })]);
    // [T0 + 20 s, T0 + 100 s): T0 + 30 s (70), T0 + 60 s (200), T0 + 90 s (50): p50 rank ceil(1.5) = 2 of 50, 70, 200
    const late = windowStats(ctx, { from: T0 + 20 * 1000, to: T0 + 100 * 1000 });
    assert.deepStrictEqual([late.calls, late.latency.p50], [3, 70]);
    // [T0, T0 + 3 min): 100, 70, 200, 50, 300, 60 -> sorted 50, 60, 70, 100, 200, 300, p50 rank 3 = 70
    const all = windowStats(ctx, { from: T0, to: T0 + 3 * MIN });
    assert.deepStrictEqual([all.calls, all.latency.p50, all.latency.p99], [6, 70, 300]);
  });

  it('rollup keys: ids too large to pack into a number are kept apart by a string key', () => {
    const d = new RollupDelta();
    const row = (e: number, latency: number): RollRow => ({ ts: T0 + 5 * MIN, e, m: 1, p: 0, s: 1, latency, rc: null, input: null, output: null,
      cr: 0, cw: 0, cw1h: 0, reas: 0, cost: null, retry: 0 });
    // 2^21 and 2^21 + 1 are past the 2^20 endpoint ids packDims takes; 3 packs
    for (const e of [2 ** 21, 2 ** 21, 2 ** 21 + 1, 3]) d.add(row(e, 0.5)); // 0.5 ms: bucket round(ln(0.5) * 32) = -22
    d.flush(store.db);
    const hours = store.all('SELECT e, calls FROM roll_hour ORDER BY e').map(r => r.map(Number));
    assert.deepStrictEqual(hours, [[3, 1], [2 ** 21, 2], [2 ** 21 + 1, 1]]);
    const hist = store.all('SELECT e, b, n FROM hist_day ORDER BY e').map(r => r.map(Number));
    assert.deepStrictEqual(hist, [[3, -22, 1], [2 ** 21, -22, 2], [2 ** 21 + 1, -22, 1]]);
    assert.deepStrictEqual(store.all('SELECT b, n FROM hist_hour').map(r => r.map(Number)), [[-22, 4]]);
  });

  it('rollup tiers: each call in its own minute, hour and day, in time order or not', () => {
    const d = new RollupDelta();
    const row = (ts: number): RollRow => ({ ts, e: 1, m: 1, p: 0, s: 1, latency: 10, rc: null, input: null, output: null,
      cr: 0, cw: 0, cw1h: 0, reas: 0, cost: null, retry: 0 });
    // T0 is 12:00:00 UTC
    for (const ts of [T0 + 59_999, T0 + 60_000, T0 - 1, T0 + HOUR, T0 + 12 * HOUR - 1, T0 + 12 * HOUR, T0 + 30_000, T0 - DAY]) d.add(row(ts));
    d.flush(store.db);
    const col = (sql: string): number[][] => store.all(sql).map(r => r.map(Number));
    assert.deepStrictEqual(col('SELECT t, calls FROM roll_minute ORDER BY t'), [[T0 - DAY, 1], [T0 - MIN, 1], [T0, 2], [T0 + MIN, 1], [T0 + HOUR, 1],
      [T0 + 12 * HOUR - MIN, 1], [T0 + 12 * HOUR, 1]]);
    assert.deepStrictEqual(col('SELECT t, calls FROM roll_hour ORDER BY t'), [[T0 - DAY, 1], [T0 - HOUR, 1], [T0, 3], [T0 + HOUR, 1],
      [T0 + 11 * HOUR, 1], [T0 + 12 * HOUR, 1]]);
    assert.deepStrictEqual(col('SELECT t, calls FROM roll_day ORDER BY t'), [[T0 - 12 * HOUR - DAY, 1], [T0 - 12 * HOUR, 6], [T0 + 12 * HOUR, 1]]);
    assert.deepStrictEqual(col('SELECT t, sum(n) FROM hist_day GROUP BY t ORDER BY t'), [[T0 - 12 * HOUR - DAY, 1], [T0 - 12 * HOUR, 6], [T0 + 12 * HOUR, 1]]);
  });

  it('pending rollup changes of a time range come out the same whether they were added in time order or not', () => {
    const row = (ts: number): RollRow => ({ ts, e: 1, m: 1, p: 0, s: 1, latency: 10, rc: null, input: null, output: null,
      cr: 0, cw: 0, cw1h: 0, reas: 0, cost: null, retry: 0 });
    // one call in each of the hours T0 - 1 h .. T0 + 3 h, two more in T0 + 1 h: calls per hour 1, 1, 3, 1, 1
    const times = [T0 - HOUR, T0, T0 + HOUR, T0 + HOUR + MIN, T0 + HOUR + 2 * MIN, T0 + 2 * HOUR, T0 + 3 * HOUR];
    type Peek = { hour: { entries: { key: number[]; acc: number[] }[] } };
    const hours = (d: RollupDelta): number[][] => (d as unknown as Peek).hour.entries.map(e => [e.key[0], e.acc[0]]).sort((x, y) => x[0] - y[0]);
    for (const order of [times, [...times].reverse()]) {
      const d = new RollupDelta();
      for (const ts of order) d.add(row(ts));
      // [T0, T0 + 2 h): the hours T0 (1 call) and T0 + 1 h (3 calls)
      const part = d.extractRange('roll_hour', T0, T0 + 2 * HOUR);
      assert.deepStrictEqual(hours(part), [[T0, 1], [T0 + HOUR, 3]]);
      assert.deepStrictEqual(hours(d), [[T0 - HOUR, 1], [T0 + 2 * HOUR, 1], [T0 + 3 * HOUR, 1]]);
      assert.strictEqual(d.firstTime('roll_hour'), T0 - HOUR);
      // an empty range takes nothing; then the earliest hour goes and the next is the first
      assert.deepStrictEqual(hours(d.extractRange('roll_hour', T0, T0 + HOUR)), []);
      assert.deepStrictEqual(hours(d.extractRange('roll_hour', T0 - HOUR, T0)), [[T0 - HOUR, 1]]);
      assert.strictEqual(d.firstTime('roll_hour'), T0 + 2 * HOUR);
      // the entries left are still found by their key: one more call in T0 + 2 h adds to its entry
      d.add(row(T0 + 2 * HOUR + MIN));
      assert.deepStrictEqual(hours(d), [[T0 + 2 * HOUR, 2], [T0 + 3 * HOUR, 1]]);
      // the other tables' changes were not touched: 7 + 1 calls in roll_minute
      const minutes = (d as unknown as { minute: { entries: { acc: number[] }[] } }).minute.entries.reduce((n, e) => n + e.acc[0], 0);
      assert.strictEqual(minutes, 8);
    }
  });

  it('rollup keys: small ids packed as small integers never meet larger ids packed as big numbers', () => {
    const d = new RollupDelta();
    const row = (e: number, m: number, latency: number): RollRow => ({ ts: T0 + 5 * MIN, e, m, p: 0, s: 0, latency, rc: null, input: null, output: null,
      cr: 0, cw: 0, cw1h: 0, reas: 0, cost: null, retry: 0 });
    // without an offset between the two packings, (75, 0) packs as (0, 300) does, and (2, 0, bucket 976) as (0, 0, bucket 2000)
    d.add(row(75, 0, 1)); d.add(row(0, 300, 1));
    d.add(row(2, 0, Math.exp(976 / HIST_K))); d.add(row(0, 0, Math.exp(2000 / HIST_K)));
    d.flush(store.db);
    assert.deepStrictEqual(store.all('SELECT e, m, calls FROM roll_hour ORDER BY e, m').map(r => r.map(Number)), [[0, 0, 1], [0, 300, 1], [2, 0, 1], [75, 0, 1]]);
    assert.deepStrictEqual(store.all('SELECT e, m, b, n FROM hist_day ORDER BY e, m').map(r => r.map(Number)),
      [[0, 0, 2000, 1], [0, 300, 0, 1], [2, 0, 976, 1], [75, 0, 0, 1]]);
  });

  it('a failed insert leaves no histogram count behind (they go straight to the pending changes and the mirrors)', () => {
    const a = store.sourceId('a');
    store.insert(a, [rec(T0, '/x', { latency_ms: 100 }), rec(T0 + MIN, '/x', { latency_ms: 300 })]);
    assert.deepStrictEqual(windowStats(ctx, { from: T0, to: T0 + HOUR }).latency.p50, 100);
    // the block of both records fails to write after their rollups were added
    const st = store as unknown as { writeBlock: () => void };
    const write = st.writeBlock;
    st.writeBlock = (): void => { throw new Error('disk full'); };
    try {
      assert.throws(() => store.insert(a, [rec(T0 + 2 * MIN, '/y', { latency_ms: 100 }), rec(T0 + 3 * MIN, '/x', { latency_ms: 300 })]), /disk full/);
    } finally { st.writeBlock = write; }
    assert.deepStrictEqual(store.all('SELECT count(*) FROM calls')[0], [2]);
    assert.deepStrictEqual(store.all('SELECT n FROM hist_hour ORDER BY b'), [[1], [1]]);
    assert.deepStrictEqual(store.all('SELECT sum(n) FROM hist_day'), [[2]]);
    let days = 0;
    store.eachDayHistogram(T0 - DAY, T0 + DAY, (_d, _e, _m, _b, n) => { days += n; });
    let hours = 0;
    store.eachHourHistogram(T0 - DAY, T0 + DAY, (_h, _b, n) => { hours += n; });
    assert.deepStrictEqual([days, hours], [2, 2]);
  });

  it('a failed insert keeps none of its rows, also those of blocks written before the failure (the store schema has a rollback journal)', async () => {
    // rows written inside the insert, not behind it (see WRITE_BEHIND_MS)
    store.close();
    store = await open({ writeBehindMs: 0 });
    ctx = { store, timeZone: 'UTC' };
    const a = store.sourceId('a');
    store.insert(a, [rec(T0, '/x', { latency_ms: 100 })]);
    // 150 calls: the first block of 100 is written, then the block of the other 50 fails
    const st = store as unknown as { runBlock: (...a: unknown[]) => void };
    const run = st.runBlock;
    let blocks = 0;
    st.runBlock = function (this: unknown, ...args: unknown[]): void {
      if (++blocks > 1) throw new Error('disk full');
      run.apply(this, args);
    };
    try {
      assert.throws(() => store.insert(a, Array.from({ length: 150 }, (_, i) => rec(T0 + (i + 1) * 1000, '/x', { latency_ms: 10 }))), /disk full/);
    } finally { st.runBlock = run; }
    assert.strictEqual(blocks, 2);
    // only the first call: 1 row, 1 call in the rollups
    assert.deepStrictEqual(store.one('SELECT count(*) FROM calls'), [1]);
    assert.deepStrictEqual(store.one('SELECT sum(calls) FROM roll_hour'), [1]);
    assert.strictEqual(windowStats(ctx, { from: T0, to: T0 + HOUR }).calls, 1);
  });

  it('a bulk load into an empty store fills the in-memory mirrors and recent rows as it goes: same figures as loading them from the tables', async () => {
    const records = (): StoredCall[] => [...fiveCalls(), rec(T0 - 2 * DAY + 30 * MIN, '/embed', { latency_ms: 40, cost_usd: 0.5, cost_source: 'logged', model: 'gpt-4o' })];
    store.beginBulk();
    store.insert(store.sourceId('a'), records());
    store.endBulk();
    const other = await open();
    try {
      other.insert(other.sourceId('a'), records());
      const octx: QueryContext = { store: other, timeZone: 'UTC' };
      const long = { from: T0 - 3 * DAY + 17 * MIN, to: T0 + DAY + 5 * MIN };
      const pick = (c: QueryContext): unknown[] => [windowStats(c, long), seriesStats(c, long), byEndpoint(c, long), dailyCostOf(c, long),
        windowStats(c, { from: T0 - 7 * MIN, to: T0 + 3 * MIN + 30_000 })];
      assert.deepStrictEqual(pick(ctx), pick(octx));
      const w = windowStats(ctx, long);
      assert.strictEqual(w.calls, 6);
      assert.ok(Math.abs(w.costUsd - (0.01 + 0.02 + 0.005 + 0.5)) < 1e-12);
      // [T0 - 7 min, T0 + 3.5 min) holds T0 .. T0 + 3 min: latencies 100, 200, 300, 400 -> p50 rank 2 = 200
      assert.strictEqual(windowStats(ctx, { from: T0 - 7 * MIN, to: T0 + 3 * MIN + 30_000 }).latency.p50, 200);
    } finally { other.close(); }
  });

  it('a bulk load gathers its batches\' rollups and writes them once: same tables as batch by batch, also across a reset of a source', async () => {
    const batch = (k: number): StoredCall[] => [0, 1, 2].map(i => rec(T0 + (k * 3 + i) * 20 * MIN, `/e${i}`, {
      latency_ms: 100 * (i + 1), model: i ? 'gpt-4o' : null, cost_usd: 0.25 * i, cost_source: 'logged', success: i !== 2,
    }));
    const load = (s: CallStore): void => {
      s.insert(s.sourceId('a'), batch(0));
      s.insert(s.sourceId('b'), batch(1));
      s.insert(s.sourceId('a'), batch(2));
      // a reset in the middle of the load: source b's rows and their share of the rollups go
      s.deleteSource(s.sourceId('b'));
      s.insert(s.sourceId('b'), batch(3));
    };
    store.beginBulk();
    load(store);
    store.endBulk();
    const other = await open();
    try {
      load(other);
      for (const t of ['roll_minute', 'roll_hour', 'roll_day', 'hist_hour', 'hist_day']) {
        const q = `SELECT * FROM ${t} ORDER BY ${t === 'hist_hour' ? '1, 2' : '1, 2, 3'}`;
        assert.deepStrictEqual(store.all(q), other.all(q), t);
      }
      // batches 0, 2 and 3 remain: 9 calls, 6 successes, cost 3 x (0 + 0.25 + 0.5) = 2.25
      assert.deepStrictEqual(store.one('SELECT sum(calls), sum(cost_usd) FROM roll_day'), [9, 2.25]);
      assert.deepStrictEqual(store.one('SELECT sum(calls) FROM roll_day WHERE s = 1'), [6]);
    } finally { other.close(); }
  });

  it('a bulk load into an empty store leaves its raw rows and rollup tables for later: a read of a table writes that table, a query of calls writes the rows, persist or the timer does the rest', async () => {
    const idx = (s: CallStore): string[] => (s.db.exec(`SELECT name FROM ${STORE_SCHEMA}.sqlite_master WHERE type = 'index' AND name LIKE 'idx_calls_%' ORDER BY 1`)[0]?.values ?? []).map(r => String(r[0]));
    // straight from the database: no pending work done first
    const raw = (s: CallStore, t: string): number => Number(s.db.exec(`SELECT count(*) FROM ${t}`)[0].values[0][0]);
    const load = (s: CallStore): void => {
      s.beginBulk();
      s.insert(s.sourceId('a'), fiveCalls());
      s.insert(s.sourceId('a'), [rec(T0 - 2 * DAY + 30 * MIN, '/embed', { latency_ms: 40, cost_usd: 0.5, cost_source: 'logged' })]);
      s.endBulk();
    };
    load(store);
    // calls is clustered by (ts, id): no ts index to build; the two partial indexes stay through the load
    const partial = ['idx_calls_err', 'idx_calls_hash'];
    assert.deepStrictEqual(idx(store), partial);
    assert.strictEqual(raw(store, 'calls'), 0);
    for (const t of ['roll_minute', 'roll_hour', 'roll_day', 'hist_hour', 'hist_day']) assert.strictEqual(raw(store, t), 0, t);
    // known without a query: first and last call, not empty
    assert.deepStrictEqual(store.tsBounds(), { min: T0 - 2 * DAY + 30 * MIN, max: T0 + 4 * MIN });
    assert.strictEqual(store.isEmpty(), false);
    // whole-day figures come from the mirrors: still nothing written
    assert.strictEqual(windowStats(ctx, { from: T0 - 3 * DAY, to: T0 - DAY }).calls, 1);
    assert.strictEqual(raw(store, 'roll_minute'), 0);
    // a read of two minutes of roll_minute writes those two rows (T0 and T0 + 1 min, both succeeded) and no other
    assert.deepStrictEqual(store.all('SELECT t, calls FROM roll_minute WHERE t >= ? AND t < ?', [T0, T0 + 2 * MIN]), [[T0, 1], [T0 + MIN, 1]]);
    assert.strictEqual(raw(store, 'roll_minute'), 2);
    // a call stored later in one of those minutes is added to its row when the rest is written (below)
    const late = (): StoredCall[] => [rec(T0 + 30_000, '/chat', { latency_ms: 50 })];
    store.insert(store.sourceId('a'), late());
    assert.deepStrictEqual(store.all('SELECT t, calls FROM roll_minute WHERE t >= ? AND t < ?', [T0, T0 + 2 * MIN]), [[T0, 2], [T0 + MIN, 1]]);
    // a read of roll_day writes roll_day (2 days x endpoint/model/provider/status keys), and only it
    assert.deepStrictEqual(store.one('SELECT sum(calls), sum(cost_usd) FROM roll_day'), [7, 0.01 + 0.02 + 0.005 + 0.5]);
    assert.strictEqual(raw(store, 'roll_minute'), 2);
    assert.strictEqual(raw(store, 'hist_day'), 0);
    // a query of calls writes the deferred rows first (5 + 1 + 1 late calls, 2 failed)
    assert.strictEqual(Number(store.one('SELECT count(*) FROM calls WHERE success = 0')[0]), 2);
    assert.strictEqual(raw(store, 'calls'), 7);
    // the tables equal those of the same calls inserted one batch at a time, once read
    const other = await open();
    try {
      other.insert(other.sourceId('a'), fiveCalls());
      other.insert(other.sourceId('a'), [rec(T0 - 2 * DAY + 30 * MIN, '/embed', { latency_ms: 40, cost_usd: 0.5, cost_source: 'logged' })]);
      other.insert(other.sourceId('a'), late());
      for (const t of ['roll_minute', 'roll_hour', 'roll_day', 'hist_hour', 'hist_day']) {
        const q = `SELECT * FROM ${t} ORDER BY ${t === 'hist_hour' ? '1, 2' : '1, 2, 3'}`;
        assert.deepStrictEqual(store.all(q), other.all(q), t);
      }
    } finally { other.close(); }

    // export writes everything left; the timer does it on its own (here after 1 ms)
    const a = await open();
    const b = await open({ finishDelayMs: 1 });
    try {
      load(a);
      load(b);
      const bytes = a.export();
      const reopened = new (await loadSqlJs(wasm)).Database(bytes);
      try {
        assert.deepStrictEqual(reopened.exec(`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'idx_calls_%' ORDER BY 1`)[0].values.map(r => r[0]),
          partial);
        assert.strictEqual(Number(reopened.exec('SELECT sum(calls) FROM roll_hour')[0].values[0][0]), 6);
        assert.strictEqual(Number(reopened.exec('SELECT sum(n) FROM hist_day')[0].values[0][0]), 5);
      } finally { reopened.close(); }
      for (let i = 0; i < 200 && b.finishing; i++) await new Promise(r => setTimeout(r, 10));
      assert.strictEqual(b.finishing, false);
      assert.deepStrictEqual(idx(b), partial);
      assert.strictEqual(raw(b, 'calls'), 6);
      // the timer wrote each table a UTC day per step (two days here): the same rows as inserts without a bulk load
      const plain = await open();
      try {
        plain.insert(plain.sourceId('a'), fiveCalls());
        plain.insert(plain.sourceId('a'), [rec(T0 - 2 * DAY + 30 * MIN, '/embed', { latency_ms: 40, cost_usd: 0.5, cost_source: 'logged' })]);
        for (const t of ['roll_minute', 'roll_hour', 'roll_day', 'hist_hour', 'hist_day']) {
          const q = `SELECT * FROM ${t} ORDER BY ${t === 'hist_hour' ? '1, 2' : '1, 2, 3'}`;
          assert.deepStrictEqual(b.db.exec(q.replace(t, `${STORE_SCHEMA}.${t}`))[0].values, plain.all(q), t);
        }
      } finally { plain.close(); }
      for (const t of ['roll_minute', 'roll_hour', 'roll_day']) assert.ok(raw(b, t) > 0, t);
      // 6 calls, 5 with a latency: 5 in the histograms
      assert.strictEqual(Number(b.db.exec('SELECT sum(n) FROM hist_hour')[0].values[0][0]), 5);
    } finally { a.close(); b.close(); }
  });

  it('a bulk load into an empty store defers its raw rows: any reader of calls writes them first, in insert order, with every column; the timer writes them in slices', async () => {
    // straight from the database: no pending work done first
    const raw = (s: CallStore): number => Number(s.db.exec('SELECT count(*) FROM calls')[0].values[0][0]);
    // 250 calls: two full blocks of 100 and a partial one of 50; a few rows with text and rare columns
    const recs = (): StoredCall[] => {
      const out: StoredCall[] = [];
      for (let i = 0; i < 250; i++) out.push(rec(T0 + i * 1000, `/e${i % 3}`, { latency_ms: 100 + i, cost_usd: i % 2 ? 0.25 : null, cost_source: i % 2 ? 'logged' : 'unpriced' }));
      Object.assign(out[7], { method: 'POST', request_id: 'r-7', retry_count: 2, price_version: 'prices 1' });
      Object.assign(out[149], { error_type: 'timeout', success: false, status_code: 504, ttft_ms: 12.5 });
      Object.assign(out[201], { request_hash: 'h-201', trace_id: 't-201', zone_assumed: true });
      return out;
    };
    const plain = await open();
    try {
      // the same records into both (rec() numbers lines as it goes)
      const r = recs();
      plain.insert(plain.sourceId('a'), r);
      store.beginBulk();
      // two inserts of one source, 100 + 150 rows
      store.insert(store.sourceId('a'), r.slice(0, 100));
      store.insert(store.sourceId('a'), r.slice(100));
      store.endBulk();
      assert.strictEqual(store.hasDeferredRows, true);
      assert.strictEqual(raw(store), 0);
      // the dashboard's figures come from memory: 250 calls, 125 priced at 0.25 = 31.25 USD
      const w = windowStats(ctx, { from: T0 - HOUR, to: T0 + HOUR });
      assert.deepStrictEqual([w.calls, w.costUsd], [250, 31.25]);
      assert.strictEqual(raw(store), 0);
      assert.strictEqual(store.isEmpty(), false);
      // a query of calls writes them all first, in the order inserted: ids 1..250, same rows as a plain insert
      assert.deepStrictEqual(all(store), all(plain));
      assert.strictEqual(store.hasDeferredRows, false);
      assert.deepStrictEqual(store.one('SELECT min(id), max(id), count(*) FROM calls'), [1, 250, 250]);
      assert.deepStrictEqual(store.one('SELECT method, request_id, retry_count FROM calls WHERE line = ?', [r[7].line]), ['POST', 'r-7', 2]);
    } finally { plain.close(); }

    // the timer writes them on its own, in slices; a tail insert while rows wait goes behind them
    const b = await open({ finishDelayMs: 1 });
    try {
      b.beginBulk();
      b.insert(b.sourceId('a'), recs());
      b.endBulk();
      b.insert(b.sourceId('t'), [rec(T0 + 300_000, '/tail', { latency_ms: 5 })]);
      assert.strictEqual(raw(b), 0);
      for (let i = 0; i < 200 && b.hasDeferredRows; i++) await new Promise(res => setTimeout(res, 5));
      assert.strictEqual(b.hasDeferredRows, false);
      // 250 + 1 rows, the tail row last (id 251)
      assert.strictEqual(raw(b), 251);
      assert.deepStrictEqual(b.one('SELECT id, ts FROM calls WHERE endpoint_id = (SELECT id FROM endpoints WHERE name = ?)', ['/tail']), [251, T0 + 300_000]);
    } finally { b.close(); }

    // persist writes them (in slices) before the copy: the file has every row
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimon-deferred-'));
    const file = path.join(dir, 'store.sqlite');
    const c = await open({ file, finishDelayMs: 60_000 });
    try {
      c.beginBulk();
      c.insert(c.sourceId('a'), recs());
      c.endBulk();
      assert.strictEqual(raw(c), 0);
      await c.persist();
      assert.strictEqual(c.hasDeferredRows, false);
    } finally { c.close(); }
    const d = await open({ file });
    try {
      assert.deepStrictEqual(d.one('SELECT count(*), min(id), max(id) FROM calls'), [250, 1, 250]);
    } finally { d.close(); fs.rmSync(dir, { recursive: true, force: true }); }
  });

  it('deferred rows spanning several slabs are written with every value, in insert order', async () => {
    // 5,000 calls in blocks of 100. Each block keeps its bound columns' values (about 20 a row here) in a
    // slab of 32,768 doubles: 32,768 / (100 x ~20) = ~16 blocks a slab, so the load spans 3-4 slabs and
    // blocks start at every offset a slab can have; a block never spans two.
    const recs = (): StoredCall[] => {
      const out: StoredCall[] = [];
      for (let i = 0; i < 5000; i++) {
        out.push(rec(T0 + i * 1000, `/e${i % 7}`, { latency_ms: i, input_tokens: 3 * i, output_tokens: i % 11,
          cost_usd: i % 3 ? i / 1e6 : null, cost_source: i % 3 ? 'logged' : 'unpriced' }));
      }
      // text in one row of the first slab and one of the last
      Object.assign(out[17], { method: 'POST', request_id: 'r-17' });
      Object.assign(out[4990], { error_type: 'timeout', success: false, trace_id: 't-4990' });
      return out;
    };
    const plain = await open();
    try {
      // the same records into both (rec() numbers lines as it goes)
      const r = recs();
      plain.insert(plain.sourceId('a'), r);
      store.beginBulk();
      store.insert(store.sourceId('a'), r);
      store.endBulk();
      const blocks = (store as unknown as { deferred: { nums: number[]; at: number }[] }).deferred;
      assert.strictEqual(blocks.length, 50);
      const slabs = new Set(blocks.map(b => b.nums));
      assert.ok(slabs.size >= 3, `${slabs.size} slabs`);
      // each new slab starts at 0
      for (let k = 1; k < blocks.length; k++) if (blocks[k].nums !== blocks[k - 1].nums) assert.strictEqual(blocks[k].at, 0);
      assert.deepStrictEqual(all(store), all(plain));
      // sums worked out by hand: latencies 0..4999 sum to 4999 x 5000 / 2 = 12,497,500
      assert.deepStrictEqual(store.one('SELECT count(*), sum(latency_ms), max(input_tokens) FROM calls'), [5000, 12_497_500, 14_997]);
      assert.deepStrictEqual(store.one('SELECT request_id FROM calls WHERE latency_ms = 17'), ['r-17']);
      assert.deepStrictEqual(store.one('SELECT trace_id, error_type FROM calls WHERE latency_ms = 4990'), ['t-4990', 'timeout']);
    } finally { plain.close(); }
  });

  it('a tail insert writes its rows into calls behind it: queries see them at once, the timer writes them, appends close together share one write', async () => {
    const raw = (s: CallStore): number => Number(s.db.exec('SELECT count(*) FROM calls')[0].values[0][0]);
    const s = await open({ writeBehindMs: 30 });
    try {
      const a = s.sourceId('a');
      // two appends 0 ms apart: 3 calls (latencies 100, 200, 300) then 2 (400, 500), costs 0.5 each
      s.insert(a, [1, 2, 3].map(i => rec(T0 + i * 1000, '/x', { latency_ms: i * 100, cost_usd: 0.5 })));
      s.insert(a, [4, 5].map(i => rec(T0 + i * 1000, '/x', { latency_ms: i * 100, cost_usd: 0.5 })));
      assert.strictEqual(raw(s), 0);
      assert.strictEqual(s.finishing, true);
      // the timer writes both appends' rows, in the order inserted
      for (let i = 0; i < 200 && s.hasDeferredRows; i++) await new Promise(res => setTimeout(res, 5));
      assert.strictEqual(s.hasDeferredRows, false);
      assert.deepStrictEqual(s.db.exec('SELECT id, latency_ms FROM calls ORDER BY id')[0].values, [[1, 100], [2, 200], [3, 300], [4, 400], [5, 500]]);
      // the timer stops once they are written (the pending rollups wait for TAIL_ROLLUP_RECORDS or a read)
      assert.strictEqual(s.finishing, false);
      // a query does not wait for the timer: it sees the next append's call, whose row is written first
      s.insert(a, [rec(T0 + 6000, '/x', { latency_ms: 600, cost_usd: 0.5 })]);
      assert.strictEqual(raw(s), 5);
      // 6 calls, 6 x 0.5 = 3 USD, latencies 100..600: p50 = rank ceil(0.5 x 6) = 3 -> 300 ms, p95 = rank 6 -> 600 ms
      const w = windowStats({ store: s, timeZone: 'UTC' }, { from: T0, to: T0 + HOUR });
      assert.deepStrictEqual([w.calls, w.costUsd, w.latency.p50, w.latency.p95], [6, 3, 300, 600]);
      assert.deepStrictEqual(s.one('SELECT count(*), max(latency_ms) FROM calls'), [6, 600]);
    } finally { s.close(); }
    // writeBehindMs 0: written inside the insert
    const now = await open({ writeBehindMs: 0 });
    try {
      now.insert(now.sourceId('a'), [rec(T0, '/x', { latency_ms: 1 })]);
      assert.strictEqual(raw(now), 1);
      assert.strictEqual(now.hasDeferredRows, false);
    } finally { now.close(); }
  });

  it('deferred raw rows: a failed insert takes back what it queued; past the cap the oldest rows are written as new ones come', async () => {
    const raw = (s: CallStore): number => Number(s.db.exec('SELECT count(*) FROM calls')[0].values[0][0]);
    const calls = (n: number, from: number): StoredCall[] => Array.from({ length: n }, (_, i) => rec(T0 + (from + i) * 1000, '/x', { latency_ms: 10 }));
    const s = await open({ maxDeferredRows: 200 });
    try {
      s.beginBulk();
      s.insert(s.sourceId('a'), calls(150, 0));
      // 150 queued (blocks of 100 and 50), none written
      assert.strictEqual(raw(s), 0);
      // 100 more: 250 > 200, so the oldest block (100 rows) is written before the new one is queued
      s.insert(s.sourceId('a'), calls(100, 150));
      assert.strictEqual(raw(s), 100);
      // an insert that fails after queueing (and writing old rows for room) leaves the queue as it was
      const st = s as unknown as { recentSlot: (...a: unknown[]) => number };
      const slot = st.recentSlot;
      let seen = 0;
      st.recentSlot = function (this: unknown, ...a: unknown[]): number {
        if (++seen > 150) throw new Error('out of memory');
        return slot.apply(this, a);
      };
      try {
        assert.throws(() => s.insert(s.sourceId('a'), calls(200, 250)), /out of memory/);
      } finally { st.recentSlot = slot; }
      s.endBulk();
      // what reached calls: the 250 calls of the two good inserts, none of the failed one
      s.finishBulk();
      assert.deepStrictEqual(s.one('SELECT count(*), min(ts), max(ts) FROM calls'), [250, T0, T0 + 249_000]);
    } finally { s.close(); }
  });

  it('tail appends write the rollup tables behind, and any read of a rollup table sees every insert first', () => {
    const a = store.sourceId('a');
    // three appends of 2 calls each: 6 calls, cost 3 x (0.5 + 0.25) = 2.25
    for (let k = 0; k < 3; k++) {
      store.insert(a, [rec(T0 + k * MIN, '/x', { latency_ms: 100, cost_usd: 0.5, cost_source: 'logged' }),
        rec(T0 + k * MIN + 1000, '/y', { latency_ms: 300, cost_usd: 0.25, cost_source: 'logged' })]);
    }
    // the tables have not been written yet (20k records gather first); a query naming one writes them
    assert.deepStrictEqual(store.all('SELECT count(*) FROM calls')[0], [6]);
    assert.deepStrictEqual(store.one('SELECT sum(calls), sum(cost_usd) FROM roll_day'), [6, 2.25]);
    assert.deepStrictEqual(store.one('SELECT sum(calls) FROM roll_minute'), [6]);
    // latencies 100 (x3) and 300 (x3): two buckets of 3 in hist_hour and hist_day
    assert.deepStrictEqual(store.all('SELECT n FROM hist_hour ORDER BY b'), [[3], [3]]);
    assert.deepStrictEqual(store.all('SELECT sum(n) FROM hist_day'), [[6]]);
    // the queries over the mirrors agree
    assert.strictEqual(windowStats(ctx, { from: T0, to: T0 + HOUR }).calls, 6);
  });

  it('the in-memory day rollups follow inserts and deletes (dimensioned panels over whole days)', () => {
    const a = store.sourceId('a'), b = store.sourceId('b');
    const start = Date.UTC(2026, 0, 1);
    store.insert(a, [0, 1, 2].map(i => rec(start + i * DAY + HOUR, '/a', { latency_ms: 10, cost_usd: 1, cost_source: 'logged' })));
    store.insert(b, [0, 1].map(i => rec(start + i * DAY + 2 * HOUR, '/b', { success: false, cost_usd: 2, cost_source: 'logged' })));
    // 3 whole days plus 30 min either side: the days come from the day rollups
    const f = { from: start - 30 * MIN, to: start + 3 * DAY + 30 * MIN };
    const rows = (): unknown[] => byEndpoint(ctx, f).map(r => [r.key, r.calls, r.errors, r.costUsd]);
    assert.deepStrictEqual(rows(), [['/a', 3, 0, 3], ['/b', 2, 2, 4]]);
    store.insert(b, [rec(start + 2 * DAY + 3 * HOUR, '/b', { cost_usd: 0.5, cost_source: 'logged' })]);
    assert.deepStrictEqual(rows(), [['/a', 3, 0, 3], ['/b', 3, 2, 4.5]]);
    store.deleteSource(a);
    assert.deepStrictEqual(rows(), [['/b', 3, 2, 4.5]]);
    // wasted = failed calls' cost (2 + 2) + retried ones (none)
    assert.strictEqual(aggregate(ctx, { ...f, endpoint: '/b' }).get('')![WASTED], 2 + 2);
  });

  it('deleteSource removes raw rows and their share of the rollups', () => {
    const a = store.sourceId('a'), b = store.sourceId('b');
    const start = Date.UTC(2026, 0, 1);
    store.insert(a, [0, 1, 2, 3].map(i => rec(start + i * DAY + HOUR, '/a', { latency_ms: 10, cost_usd: 1, cost_source: 'logged' })));
    store.insert(b, [0, 1, 2].map(i => rec(start + i * DAY + 2 * HOUR, '/b', { latency_ms: 20 })));
    const f = { from: start, to: start + 4 * DAY };
    assert.strictEqual(windowStats(ctx, f).calls, 7);
    assert.strictEqual(store.deleteSource(a), 4);
    const w = windowStats(ctx, f);
    assert.strictEqual(w.calls, 3);
    assert.strictEqual(w.costUsd, 0);
    assert.strictEqual(w.latency.avg, 20);
    assert.strictEqual(Number(store.one('SELECT count(*) FROM roll_day WHERE e = ?', [store.dimId('endpoint', '/a')!])[0]), 0);
    assert.strictEqual(Number(store.one('SELECT count(*) FROM hist_day WHERE e = ?', [store.dimId('endpoint', '/a')!])[0]), 0);
  });

  it('retention deletes old raw rows, keeps rollups, and a re-read does not double count', () => {
    const s = store.sourceId('a');
    const start = Date.UTC(2026, 0, 1);
    const recs = [0, 10, 20, 40, 45].map(d => rec(start + d * DAY, '/a', { cost_usd: 2, cost_source: 'logged' }));
    store.insert(s, recs);
    const now = start + 50 * DAY;
    // cutoff = day 20: calls on days 0 and 10 go
    assert.strictEqual(store.applyRetention(now), 2);
    assert.strictEqual(Number(store.one('SELECT count(*) FROM calls')[0]), 3);
    const all = windowStats(ctx, { from: start, to: now });
    assert.strictEqual(all.calls, 5); // rollups still know the old days
    assert.strictEqual(all.costUsd, 10);
    // a reset and a re-read of the same file: the old records are below the floor and skipped
    store.deleteSource(s);
    assert.strictEqual(store.insert(s, recs), 3);
    assert.strictEqual(windowStats(ctx, { from: start, to: now }).calls, 5);
  });

  it('retention skips its check until the oldest call can have expired; an older insert brings the check back', () => {
    const s = store.sourceId('a');
    const start = Date.UTC(2026, 0, 1);
    store.insert(s, [rec(start + 10 * DAY, '/a'), rec(start + 20 * DAY, '/a')]);
    // nothing older than 30 days at day 35; at day 40 + 1 ms the call of day 10 is
    assert.strictEqual(store.applyRetention(start + 35 * DAY), 0);
    assert.strictEqual(store.applyRetention(start + 40 * DAY), 0);
    // a call of day 2 stored later: due at day 32, so the next check deletes it
    store.insert(s, [rec(start + 2 * DAY, '/a')]);
    assert.strictEqual(store.applyRetention(start + 35 * DAY), 1);
    assert.strictEqual(store.applyRetention(start + 40 * DAY + 1), 1);
    assert.strictEqual(Number(store.one('SELECT count(*) FROM calls')[0]), 1);
    // day rollups are kept 400 days: the one of day 2 goes after day 402
    assert.strictEqual(Number(store.one('SELECT count(*) FROM roll_day WHERE t = ?', [start + 2 * DAY])[0]), 1);
    assert.strictEqual(store.applyRetention(start + 402 * DAY), 1);
    assert.strictEqual(Number(store.one('SELECT count(*) FROM roll_day WHERE t = ?', [start + 2 * DAY])[0]), 1);
    assert.strictEqual(store.applyRetention(start + 402 * DAY + 1), 0);
    assert.strictEqual(Number(store.one('SELECT count(*) FROM roll_day WHERE t = ?', [start + 2 * DAY])[0]), 0);
    assert.strictEqual(Number(store.one('SELECT count(*) FROM roll_day')[0]), 2);
  });

  it('source states are kept in memory and written to the sources table with the rows they describe (persist, export), across renames and removals', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimon-'));
    const file = path.join(dir, 'store.sqlite');
    const row = (s: CallStore, p: string): unknown[] => s.one('SELECT format, stats, checkpoint FROM sources WHERE path = ?', [p]);
    const stats = (p: string, records: number): SourceStats => ({ path: p, format: 'jsonl', records, skipped: 1, zoneAssumed: 0, problems: [], lastReadAt: null, bytesRead: 10 * records });
    const s1 = await open({ file });
    const a = s1.sourceId('a'), b = s1.sourceId('b'), c = s1.sourceId('c');
    assert.deepStrictEqual([s1.sourceId('a'), s1.sourceId('b')], [a, b]);
    s1.setSourceState(a, { format: 'jsonl', stats: stats('a', 2), checkpoint: { path: 'a', offset: 20 } });
    s1.setSourceState(b, { format: 'jsonl', stats: stats('b', 3), checkpoint: { path: 'b', offset: 30 } });
    s1.setSourceState(c, { stats: stats('c', 4) });
    // read back at once; the table has them only once the store is copied out
    assert.deepStrictEqual(s1.sourceState('a'), { id: a, path: 'a', format: 'jsonl', stats: stats('a', 2), checkpoint: { path: 'a', offset: 20 } });
    assert.deepStrictEqual(row(s1, 'a'), ['unknown', null, null]);
    s1.export();
    assert.deepStrictEqual(row(s1, 'a'), ['jsonl', JSON.stringify(stats('a', 2)), JSON.stringify({ path: 'a', offset: 20 })]);
    // b's file moved to a (a's rows and stats go with it), c is forgotten, a new state for a after that
    s1.setSourceState(b, { checkpoint: { path: 'b', offset: 35 } });
    s1.renameSource('b', 'a');
    s1.removeSource(c);
    assert.deepStrictEqual(s1.sourceStates().map(s => [s.path, s.stats?.records]), [['a', 5]]);
    s1.setSourceState(a, { checkpoint: { path: 'a', offset: 50 } });
    await s1.persist();
    s1.close();
    const s2 = await open({ file });
    assert.deepStrictEqual(s2.sourceStates().map(s => [s.id, s.path, s.format, s.stats?.records, s.checkpoint]), [[a, 'a', 'jsonl', 5, { path: 'a', offset: 50 }]]);
    s2.close();
    fs.rmSync(dir, { recursive: true });
  });

  it('persists atomically and reopens with the same figures; a corrupt file is rebuilt', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimon-'));
    const file = path.join(dir, 'store.sqlite');
    const s1 = await open({ file });
    s1.insert(s1.sourceId('a'), fiveCalls());
    s1.setSourceState(s1.sourceId('a'), { checkpoint: { path: 'a', offset: 42 } });
    await s1.persist();
    s1.close();
    assert.deepStrictEqual(fs.readdirSync(dir), ['store.sqlite']); // no temp file left behind
    const s2 = await open({ file });
    const w = windowStats({ store: s2 }, { from: T0, to: T0 + HOUR });
    assert.strictEqual(w.calls, 5);
    assert.strictEqual(w.latency.p50, 200);
    assert.deepStrictEqual(s2.sourceState('a')!.checkpoint, { path: 'a', offset: 42 });
    s2.insert(s2.sourceId('a'), [rec(T0 + 5 * MIN, '/new')]); // statements work after reopen
    assert.strictEqual(windowStats({ store: s2 }, { from: T0, to: T0 + HOUR }).calls, 6);
    s2.close();

    fs.writeFileSync(file, 'this is not a database, just text that is long enough to look like a header....');
    const messages: string[] = [];
    const s3 = await open({ file, log: m => messages.push(m) });
    assert.strictEqual(windowStats({ store: s3 }, { from: T0, to: T0 + HOUR }).calls, 0);
    assert.strictEqual(messages.length, 1);
    assert.match(messages[0], /corrupt/);
    s3.close();
    fs.rmSync(dir, { recursive: true });
  });

  it('keeps its tables in the attached in-memory schema and persists them (with the alert history) as a plain SQLite file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimon-'));
    const file = path.join(dir, 'store.sqlite');
    // one page per slice: the small test store is copied out in several slices, as a large one is
    const s1 = await open({ file, persistPagesPerStep: 1 });
    // main (sql.js's MEMFS file) stays empty: every table is in the attached schema
    assert.deepStrictEqual(s1.all("SELECT count(*) FROM main.sqlite_master")[0], [0]);
    assert.ok(s1.all(`SELECT 1 FROM ${STORE_SCHEMA}.sqlite_master WHERE name = 'calls'`).length === 1);
    const history = new AlertHistory(s1.db, STORE_SCHEMA);
    const rule: AlertRule = {
      id: 'err', metric: 'errorRate', scope: { kind: 'all' }, comparison: 'above', warning: 5, windowMinutes: 5, forMinutes: 0,
      minCalls: 1, cooldownMinutes: 10, severity: 'error', enabled: true,
    };
    // one round with an error rate of 8 % > 5 %: the rule fires, one transition and one episode
    history.recordAll(new AlertEngine().evaluateAll([rule], () => ({ value: 8, calls: 30 }), T0).transitions, [rule]);
    assert.deepStrictEqual(s1.all("SELECT count(*) FROM main.sqlite_master")[0], [0]);
    s1.insert(s1.sourceId('a'), fiveCalls());
    // persist() copies pages in slices with yields; an insert made between two slices is in the file too
    const saving = s1.persist();
    s1.insert(s1.sourceId('a'), [rec(T0 + 5 * MIN, '/during')]);
    await saving;
    s1.close();
    // the file is an ordinary SQLite database whose main schema holds the tables
    const SQL = await loadSqlJs(wasm);
    const raw = new SQL.Database(fs.readFileSync(file));
    // one transition (fired) and one episode, written through the store's connection
    // 5 calls + the one inserted while saving = 6
    assert.deepStrictEqual(raw.exec('SELECT count(*) FROM calls')[0].values[0], [6]);
    assert.strictEqual(raw.exec('SELECT count(*) FROM alert_transitions')[0].values[0][0], 1);
    raw.close();
    const s2 = await open({ file });
    assert.strictEqual(windowStats({ store: s2 }, { from: T0, to: T0 + HOUR }).calls, 6);
    assert.deepStrictEqual(new AlertHistory(s2.db, STORE_SCHEMA).openEpisodes().map(e => [e.id, e.value]), [[`err@${T0}`, 8]]);
    s2.close();
    fs.rmSync(dir, { recursive: true });
  });

  it('schema version: a newer version is rebuilt, an empty database is migrated', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimon-'));
    const file = path.join(dir, 'store.sqlite');
    const s1 = await open({ file });
    s1.insert(s1.sourceId('a'), fiveCalls());
    s1.db.run("UPDATE meta SET value = ? WHERE key = 'schema_version'", [String(SCHEMA_VERSION + 1)]);
    await s1.persist();
    s1.close();
    const messages: string[] = [];
    const s2 = await open({ file, log: m => messages.push(m) });
    assert.match(messages[0], /schema version/);
    assert.strictEqual(windowStats({ store: s2 }, { from: T0, to: T0 + HOUR }).calls, 0);
    assert.strictEqual(s2.one("SELECT value FROM meta WHERE key = 'schema_version'")[0], String(SCHEMA_VERSION));
    s2.close();
    fs.rmSync(dir, { recursive: true });
  });

  it('an insert binds only the columns its rows use, and every value reads back (blocks of 100 rows and the rest one by one)', () => {
    // 150 calls: rows 0-99 go in one 100-row statement, rows 100-149 one by one. Most columns stay at
    // their default; a few rows set one optional column each, so the column sets differ per block.
    const recs: StoredCall[] = [];
    for (let i = 0; i < 150; i++) recs.push(rec(T0 + i * 1000, `/e${i % 3}`, { latency_ms: 100 + i }));
    Object.assign(recs[7], { method: 'POST', retry_count: 2, price_version: 'prices 1' });
    Object.assign(recs[99], { batch: true, reasoning_tokens: 40, cost_usd: 0.5, cost_source: 'computed' });
    Object.assign(recs[120], { request_id: 'r-120', trace_id: 't-120', zone_assumed: true, price_version: 'prices 2', ttft_ms: 12.5 });
    Object.assign(recs[149], { error_type: 'timeout', success: false, status_code: 504, cache_write_split_known: true, cache_write_1h_tokens: 9 });
    assert.strictEqual(store.insert(store.sourceId('a'), recs), 150);
    const back = store.all(`SELECT ${RECORD_SELECT} FROM ${RECORD_FROM} ORDER BY c.id`).map(rowToRecord);
    assert.strictEqual(back.length, 150);
    const pick = (r: StoredCall): unknown[] => [r.ts, r.endpoint, r.latency_ms, r.method, r.retry_count, r.price_version, r.batch, r.reasoning_tokens,
      r.cost_usd, r.request_id, r.trace_id, r.zone_assumed, r.ttft_ms, r.error_type, r.success, r.status_code, r.cache_write_split_known,
      r.cache_write_1h_tokens, r.offset, r.line];
    for (let i = 0; i < 150; i++) assert.deepStrictEqual(pick(back[i]), pick(recs[i]), `row ${i}`);
    // spot checks of the values set above, written out
    assert.deepStrictEqual(pick(back[7]).slice(0, 8), [T0 + 7000, '/e1', 107, 'POST', 2, 'prices 1', false, 0]);
    assert.deepStrictEqual(pick(back[120]).slice(9, 13), ['r-120', 't-120', true, 12.5]);
    assert.deepStrictEqual(pick(back[149]).slice(13, 18), ['timeout', false, 504, true, 9]);
    // price versions are stored once each, by id
    assert.deepStrictEqual(store.all('SELECT name FROM price_versions ORDER BY id'), [['prices 1'], ['prices 2']]);
  });

  it('migrates a version 1 file: calls rebuilt with defaults, price versions by id', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimon-'));
    const file = path.join(dir, 'store.sqlite');
    const SQL = await loadSqlJs(wasm);
    const v1 = new SQL.Database();
    // version 1: the same tables, calls with price_version TEXT and no defaults, no price_versions table
    v1.exec(SCHEMA_SQL);
    v1.exec(`DROP TABLE calls; DROP TABLE price_versions;
      CREATE TABLE calls (id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL, offset INTEGER NOT NULL, line INTEGER NOT NULL,
      ts INTEGER NOT NULL, endpoint_id INTEGER NOT NULL, model_id INTEGER NOT NULL, provider_id INTEGER NOT NULL,
      function_id INTEGER NOT NULL, method TEXT, status_code INTEGER, success INTEGER NOT NULL, error_type TEXT,
      request_id TEXT, trace_id TEXT, retry_count INTEGER NOT NULL, priority TEXT, latency_ms REAL, ttft_ms REAL,
      input_tokens INTEGER, output_tokens INTEGER, cache_read_tokens INTEGER NOT NULL, cache_write_tokens INTEGER NOT NULL,
      cache_write_1h_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL, cache_write_split_known INTEGER NOT NULL,
      response_cache_hit INTEGER, cost_usd REAL, logged_cost_usd REAL, cost_source INTEGER NOT NULL, cost_estimated INTEGER NOT NULL,
      price_version TEXT, batch INTEGER NOT NULL, request_hash TEXT, zone_assumed INTEGER NOT NULL);
      INSERT INTO meta (key, value) VALUES ('schema_version', '1');
      INSERT INTO sources (id, path) VALUES (1, 'a.jsonl');
      INSERT INTO endpoints (id, name) VALUES (1, '/chat');
      INSERT INTO calls VALUES (1, 1, 0, 1, ${T0}, 1, 0, 0, 0, 'POST', 200, 1, NULL, 'r1', NULL, 0, NULL, 250, NULL, 10, 5,
        0, 0, 0, 0, 0, NULL, 0.25, NULL, 1, 0, 'genai-prices 0.1.8', 0, NULL, 0);
      INSERT INTO calls VALUES (2, 1, 100, 2, ${T0 + MIN}, 1, 0, 0, 0, NULL, 500, 0, 'server', NULL, NULL, 1, NULL, 900, NULL, NULL, NULL,
        0, 0, 0, 0, 0, NULL, NULL, NULL, 2, 0, NULL, 0, NULL, 0);
      WITH RECURSIVE n(i) AS (SELECT 3 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
      INSERT INTO calls SELECT i, 1, i * 100, i, ${T0 + 2 * HOUR} + i, 1, 0, 0, 0, NULL, 200, 1, NULL, NULL, NULL, 0, NULL, 100, NULL,
        NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, 2, 0, NULL, 0, NULL, 0 FROM n;`);
    fs.writeFileSync(file, v1.export());
    v1.close();
    const s = await open({ file });
    assert.strictEqual(s.one("SELECT value FROM meta WHERE key = 'schema_version'")[0], String(SCHEMA_VERSION));
    // the pages of the dropped version 1 table (2,000 rows, more pages than the new indexes take) were given back
    assert.deepStrictEqual(s.one(`PRAGMA ${STORE_SCHEMA}.freelist_count`), [0]);
    const back = s.all(`SELECT ${RECORD_SELECT} FROM ${RECORD_FROM} WHERE c.id <= 2 ORDER BY c.id`).map(rowToRecord);
    assert.deepStrictEqual(back.map(r => [r.ts, r.endpoint, r.method, r.status_code, r.success, r.request_id, r.latency_ms, r.cost_usd, r.cost_source, r.price_version, r.retry_count]), [
      [T0, '/chat', 'POST', 200, true, 'r1', 250, 0.25, 'computed', 'genai-prices 0.1.8', 0],
      [T0 + MIN, '/chat', null, 500, false, null, 900, null, 'unpriced', null, 1],
    ]);
    // an insert after the migration may leave the defaulted columns out
    s.insert(s.sourceId('a.jsonl'), [rec(T0 + 2 * MIN, '/chat', { latency_ms: 50 })]);
    // 2 + 1,998 version 1 rows + 1 new one
    assert.deepStrictEqual(s.one('SELECT count(*), sum(retry_count), sum(batch) FROM calls'), [2001, 1, 0]);
    s.close();
    // a store that is already current is left alone by migrate
    const cur = new SQL.Database();
    cur.exec(SCHEMA_SQL);
    cur.run("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", [String(SCHEMA_VERSION)]);
    assert.strictEqual(migrate(cur), true);
    cur.close();
    fs.rmSync(dir, { recursive: true });
  });

  it('migrates a version 2 file: calls clustered by (ts, id), rows and ids kept, the ts index gone; new ids continue from the largest, also after a persist', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimon-'));
    const file = path.join(dir, 'store.sqlite');
    const SQL = await loadSqlJs(wasm);
    const v2 = new SQL.Database();
    v2.exec(SCHEMA_SQL);
    // version 2: calls a rowid table with three ts indexes (columns as in schema.ts)
    v2.exec(`DROP TABLE calls;
      CREATE TABLE calls (id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL, offset INTEGER NOT NULL, line INTEGER NOT NULL,
      ts INTEGER NOT NULL, endpoint_id INTEGER NOT NULL, model_id INTEGER NOT NULL DEFAULT 0, provider_id INTEGER NOT NULL DEFAULT 0,
      function_id INTEGER NOT NULL DEFAULT 0, method TEXT, status_code INTEGER, success INTEGER NOT NULL, error_type TEXT,
      request_id TEXT, trace_id TEXT, retry_count INTEGER NOT NULL DEFAULT 0, priority TEXT, latency_ms REAL, ttft_ms REAL,
      input_tokens INTEGER, output_tokens INTEGER, cache_read_tokens INTEGER NOT NULL DEFAULT 0,
      cache_write_tokens INTEGER NOT NULL DEFAULT 0, cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0,
      reasoning_tokens INTEGER NOT NULL DEFAULT 0, cache_write_split_known INTEGER NOT NULL DEFAULT 0,
      response_cache_hit INTEGER, cost_usd REAL, logged_cost_usd REAL, cost_source INTEGER NOT NULL,
      cost_estimated INTEGER NOT NULL DEFAULT 0, price_version_id INTEGER, batch INTEGER NOT NULL DEFAULT 0, request_hash TEXT,
      zone_assumed INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX idx_calls_ts ON calls(ts);
      INSERT INTO meta (key, value) VALUES ('schema_version', '2');
      INSERT INTO sources (id, path) VALUES (1, 'a.jsonl');
      INSERT INTO endpoints (id, name) VALUES (1, '/chat');
      INSERT INTO calls (id, source_id, offset, line, ts, endpoint_id, success, latency_ms, cost_source)
        VALUES (1, 1, 0, 1, ${T0 + MIN}, 1, 1, 100, 2), (2, 1, 50, 2, ${T0}, 1, 0, 200, 2), (7, 1, 90, 3, ${T0}, 1, 1, 300, 2);`);
    fs.writeFileSync(file, v2.export());
    v2.close();
    const s = await open({ file });
    try {
      assert.strictEqual(s.one("SELECT value FROM meta WHERE key = 'schema_version'")[0], String(SCHEMA_VERSION));
      assert.deepStrictEqual(s.all(`SELECT name FROM ${STORE_SCHEMA}.sqlite_master WHERE type = 'index' AND name LIKE 'idx_calls_%' ORDER BY 1`), [['idx_calls_err'], ['idx_calls_hash']]);
      // the table's own order is (ts, id): T0 with ids 2 and 7, then T0 + 1 min with id 1
      assert.deepStrictEqual(s.all('SELECT id, ts, latency_ms FROM calls'), [[2, T0, 200], [7, T0, 300], [1, T0 + MIN, 100]]);
      // a range of time is a range of the key, no index
      const plan = s.all('EXPLAIN QUERY PLAN SELECT count(*) FROM calls WHERE ts >= ? AND ts < ?', [T0, T0 + HOUR]).map(r => String(r[3])).join(' ');
      assert.match(plan, /SEARCH calls USING PRIMARY KEY \(ts>\? AND ts<\?\)/);
      // new calls get ids after the largest (7), found by a scan: this file has no next_call_id
      s.insert(s.sourceId('a.jsonl'), [rec(T0, '/chat', { latency_ms: 400 })]);
      assert.deepStrictEqual(s.all('SELECT id, latency_ms FROM calls WHERE ts = ?', [T0]), [[2, 200], [7, 300], [8, 400]]);
      await s.persist();
    } finally { s.close(); }
    // the file keeps the next id (9): the next call is 9, in insert order after 8 at the same ms
    const t = await open({ file });
    try {
      assert.deepStrictEqual(t.one("SELECT value FROM meta WHERE key = 'next_call_id'"), ['9']);
      t.insert(t.sourceId('a.jsonl'), [rec(T0, '/chat', { latency_ms: 500 })]);
      assert.deepStrictEqual(t.all('SELECT id, latency_ms FROM calls WHERE ts = ?', [T0]), [[2, 200], [7, 300], [8, 400], [9, 500]]);
    } finally { t.close(); fs.rmSync(dir, { recursive: true }); }
  });

  it('reprice replaces computed costs, keeps logged ones, and rollups follow', () => {
    store.insert(store.sourceId('a'), fiveCalls());
    // new table: every call with a model costs $1; logged costs are kept. Pages of 2 calls: 5 calls -> 3 pages.
    const price = (r: CallRecord): { cost_usd: number | null; cost_source: CostSource; estimated: boolean } => (r.cost_source === 'logged' ? { cost_usd: r.cost_usd, cost_source: 'logged', estimated: false }
      : r.model ? { cost_usd: 1, cost_source: 'computed', estimated: false } : { cost_usd: null, cost_source: 'unpriced', estimated: false });
    let n = 0, pages = 0;
    let after: CallKey | null = null;
    for (;;) {
      const page = store.reprice(price, 'v2', after, 2);
      n += page.changed; after = page.last; pages++;
      if (page.done) break;
    }
    assert.strictEqual(pages, 3);
    // gpt-4o 0.01 -> 1, gpt-4o 0.02 -> 1, claude unpriced -> 1: three calls changed
    assert.strictEqual(n, 3);
    const w = windowStats(ctx, { from: T0, to: T0 + HOUR });
    assert.ok(Math.abs(w.costUsd - (1 + 1 + 1 + 0.005)) < 1e-12); // 3 calls with a model, 1 logged
    assert.strictEqual(w.unpricedCalls, 1); // the /embed call with neither
    const long = windowStats(ctx, { from: T0 - 2 * DAY, to: T0 + HOUR }); // through the rollups
    assert.ok(Math.abs(long.costUsd - 3.005) < 1e-12);
  });
});
