import * as assert from 'assert';
import type { QueryFilter } from '../../src/core/model';
import type { WindowStats, BreakdownRow, TimeSeries } from '../../src/core/metrics/types';
import type { RuleView } from '../../src/shared/protocol';
import {
  rangeBounds, previousBounds, relativeChange, buildKpis, bandFor, buildGauges, stackDaily, startOfDay, startOfMonth,
  dayStarts, whatIfInputs, assembleRealtime, assembleCost, zoneOffsetMs, type DashboardEngine,
} from '../../src/host/dashboard/assemble';

const H = 3_600_000;
const D = 24 * H;

function win(p: Partial<WindowStats> & { calls: number }): WindowStats {
  return {
    from: 0, to: H, errors: 0, successRate: null, errorRate: null,
    latency: { n: 0, avg: null, p50: null, p95: null, p99: null, method: 'exact' },
    throughputPerMin: null, responseCacheHitRate: null, responseCacheHits: 0, promptCacheTokenShare: null,
    inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0,
    costUsd: 0, unpricedCalls: 0, costPerHour: null, ...p,
  };
}
function row(key: string, costUsd: number, calls = 1): BreakdownRow {
  return { key, calls, errors: 0, successRate: 1, avgLatency: null, p95: null, costUsd, unpricedCalls: 0,
    responseCacheHitRate: null, promptCacheTokenShare: null, inputTokens: 0, outputTokens: 0 };
}
function rule(p: Partial<RuleView>): RuleView {
  return { id: 'r', name: 'r', enabled: true, metric: 'p95Latency', scope: 'all', comparison: 'above', warning: 800, critical: 1500,
    windowMinutes: 5, forMinutes: 0, minCalls: 0, cooldownMinutes: 30, severity: 'warning', ...p };
}

describe('protocol data assembly', () => {
  it('resolves ranges and the previous window', () => {
    const now = 10 * D;
    assert.deepStrictEqual(rangeBounds({ range: '1h' }, now), { from: now - H, to: now });
    assert.deepStrictEqual(rangeBounds({ range: 'custom', from: 100, to: 200 }, now), { from: 100, to: 200 });
    // reversed custom range falls back to the last 24 h
    assert.deepStrictEqual(rangeBounds({ range: 'custom', from: 200, to: 100 }, now), { from: now - D, to: now });
    assert.deepStrictEqual(previousBounds({ from: 1000, to: 1600 }), { from: 400, to: 1000 });
  });

  it('computes change against the previous window', () => {
    assert.strictEqual(relativeChange(120, 100), 0.2);        // (120-100)/100
    assert.strictEqual(relativeChange(75, 100), -0.25);       // (75-100)/100
    assert.strictEqual(relativeChange(null, 100), null);
    assert.strictEqual(relativeChange(5, null), null);
    assert.strictEqual(relativeChange(5, 0), null);           // undefined ratio
    assert.strictEqual(relativeChange(0, 0), 0);
  });

  it('builds KPIs with no data where a side has none', () => {
    const cur = win({ calls: 40, successRate: 0.9, costUsd: 2, unpricedCalls: 10, costPerHour: 2,
      latency: { n: 40, avg: 300, p50: 250, p95: 900, p99: 1200, method: 'exact' }, throughputPerMin: 40 / 60 });
    const prev = win({ calls: 0 });
    const k = Object.fromEntries(buildKpis(cur, prev).map(x => [x.id, x]));
    assert.strictEqual(k.calls.value, 40);
    assert.strictEqual(k.calls.change, null);           // 40 vs 0: undefined
    assert.strictEqual(k.successRate.change, null);      // previous has no success rate
    assert.strictEqual(k.cost.value, 2);                 // 30 priced calls of 40
    assert.strictEqual(k.cost.previous, null);           // no priced call before: no data, not $0
    const prev2 = win({ calls: 50, successRate: 0.8, costUsd: 1, costPerHour: 1,
      latency: { n: 50, avg: 400, p50: 300, p95: 1000, p99: 1500, method: 'exact' } });
    const k2 = Object.fromEntries(buildKpis(cur, prev2).map(x => [x.id, x]));
    assert.strictEqual(k2.calls.change, (40 - 50) / 50);               // -20 %
    assert.ok(Math.abs((k2.successRate.change as number) - 0.125) < 1e-12);  // (0.9-0.8)/0.8
    assert.strictEqual(k2.avgLatency.change, -0.25);                   // (300-400)/400
    assert.strictEqual(k2.cost.change, 1);                             // (2-1)/1 = +100 %
  });

  it('selects gauge bands from thresholds', () => {
    const t = { warning: 800, critical: 1500, comparison: 'above' as const };
    assert.strictEqual(bandFor(799, t), 'ok');
    assert.strictEqual(bandFor(800, t), 'ok');            // strictly above
    assert.strictEqual(bandFor(801, t), 'warning');
    assert.strictEqual(bandFor(1501, t), 'critical');
    assert.strictEqual(bandFor(null, t), null);
    assert.strictEqual(bandFor(900, null), null);
    assert.strictEqual(bandFor(0.9, { warning: 0.95, critical: 0.9, comparison: 'below' }), 'warning');
  });

  it('derives success-rate bands from error-rate rules', () => {
    const w = win({ calls: 100, successRate: 0.93, latency: { n: 100, avg: 500, p50: 400, p95: 1600, p99: 2000, method: 'exact' } });
    const rules = [rule({}), rule({ id: 'e', metric: 'errorRate', warning: 5, critical: 10 }),
      rule({ id: 'x', enabled: false, metric: 'errorRate', warning: 50, critical: 60 })];
    const [lat, suc] = buildGauges(w, rules, { range: '1h' });
    assert.strictEqual(lat.band, 'critical');                          // 1600 > 1500
    // error rate > 5 % / > 10 %  ⇔  success rate < 95 % / < 90 %; 93 % is below 95 %: warning
    assert.deepStrictEqual(suc.thresholds, { warning: 1 - 5 / 100, critical: 1 - 10 / 100, comparison: 'below' });
    assert.strictEqual(suc.band, 'warning');
    const none = buildGauges(w, [], { range: '1h' });
    assert.strictEqual(none[0].thresholds, null);
    assert.strictEqual(none[0].band, null);
    // a rule scoped to another endpoint does not apply, one scoped to the filtered endpoint wins
    const scoped = buildGauges(w, [rule({ scope: 'endpoint:/a', warning: 2000, critical: 3000 }), rule({})], { range: '1h', endpoint: '/a' });
    assert.strictEqual(scoped[0].band, 'ok');                          // 1600 < 2000
  });

  it('stacks daily cost with the top keys and an "other" bucket', () => {
    const days = [
      { label: 'd1', rows: [row('a', 5), row('b', 1), row('c', 0.5)] },
      { label: 'd2', rows: [row('a', 1), row('c', 2)] },
    ];
    // totals: a 6, c 2.5, b 1 → with 2 keys: a, other (= b + c)
    const s = stackDaily(days, 2);
    assert.deepStrictEqual(s.keys, ['a', 'other']);
    assert.deepStrictEqual(s.values, [[5, 1], [1.5, 2]]);
    assert.deepStrictEqual(stackDaily(days).keys, ['a', 'c', 'b']);
  });

  it('finds day and month starts in the display zone', () => {
    const ts = Date.UTC(2026, 2, 15, 3, 30);   // 2026-03-15 03:30 UTC
    assert.strictEqual(startOfDay(ts, 'UTC'), Date.UTC(2026, 2, 15));
    // New York is UTC-4 on 15 March 2026 (DST began 8 March): local 2026-03-14 23:30, day starts 14 March 04:00 UTC
    assert.strictEqual(zoneOffsetMs(ts, 'America/New_York'), -4 * H);
    assert.strictEqual(startOfDay(ts, 'America/New_York'), Date.UTC(2026, 2, 14, 4));
    // month start: 1 March local midnight, still UTC-5 then → 05:00 UTC
    assert.strictEqual(startOfMonth(ts, 'America/New_York'), Date.UTC(2026, 2, 1, 5));
    // the DST day 8 March is 23 hours long
    const days = dayStarts(Date.UTC(2026, 2, 7, 12), Date.UTC(2026, 2, 9, 12), 'America/New_York');
    assert.deepStrictEqual(days.map(d => d.label), ['2026-03-07', '2026-03-08', '2026-03-09']);
    assert.strictEqual(days[1].end - days[1].start, 23 * H);
  });

  it('computes what-if inputs', () => {
    // 1,000 calls over 1 day, 200 hits, 100 unpriced: priced misses = 1000-200-100 = 700; $14 / 700 = $0.02
    const w = win({ calls: 1000, from: 0, to: D, responseCacheHits: 200, responseCacheHitRate: 0.2, unpricedCalls: 100, costUsd: 14 });
    const r = whatIfInputs(w);
    assert.strictEqual(r.callsPerMonth, 30_000);     // 1000 × 30 days / 1 day
    assert.ok(Math.abs((r.avgCostPerMissUsd as number) - 0.02) < 1e-12);
    assert.strictEqual(whatIfInputs(win({ calls: 0 })).callsPerMonth, null);
  });

  it('tells unpriced calls without a model (plain HTTP calls) from those with one', () => {
    // every window has 7 unpriced calls; the (none) model row of the last 30 days has 3 of them → 3 without a model
    const byModelQueries: QueryFilter[] = [];
    const engine: DashboardEngine = {
      window: q => win({ calls: 10, from: q.from, to: q.to, unpricedCalls: 7, costUsd: 1 }),
      series: (): TimeSeries => ({ bucket: 'minute', bucketMs: 60_000, percentileMethod: 'exact', points: [] }),
      byEndpoint: () => [],
      byModel: q => { byModelQueries.push(q); return [row('m1', 1), { ...row('(none)', 3), unpricedCalls: 3 }]; },
    };
    const now = Date.UTC(2026, 2, 15, 12);
    const cost = assembleCost(engine, { range: '24h' }, now, 'UTC');
    assert.deepStrictEqual([cost.totals.unpricedCalls30d, cost.totals.unpricedNoModel30d], [7, 3]);
    // asked over the last 30 days: from 2026-02-14 00:00 (29 days before today) to now + 1 ms
    assert.ok(byModelQueries.some(q => q.from === Date.UTC(2026, 1, 14) && q.to === now + 1));
  });

  it('assembles the real-time and cost tabs from the engine', () => {
    const seen: QueryFilter[] = [];
    const engine: DashboardEngine = {
      window: q => { seen.push(q); return win({ calls: q.status === 'error' ? 2 : 10, from: q.from, to: q.to, costUsd: q.status === 'error' ? 0.5 : 3 }); },
      series: (): TimeSeries => ({ bucket: 'minute', bucketMs: 60_000, percentileMethod: 'exact', points: [] }),
      byEndpoint: () => [row('/a', 2), row('/b', 1)],
      byModel: q => [row('m1', (q.to - q.from) / D)],
    };
    const now = Date.UTC(2026, 2, 15, 12);
    const rt = assembleRealtime(engine, { range: '1h', endpoint: '/a' }, now, [], []);
    assert.deepStrictEqual(seen.slice(0, 2), [{ from: now - H, to: now, endpoint: '/a' }, { from: now - 2 * H, to: now - H, endpoint: '/a' }]);
    assert.strictEqual(rt.endpoints.length, 2);
    const cost = assembleCost(engine, { range: '24h' }, now, 'UTC');
    assert.strictEqual(cost.avgCostPerCall, 0.3);          // $3 / 10 priced calls
    assert.deepStrictEqual(cost.wasted, { failedUsd: 0.5, failedCalls: 2, retryUsd: null, totalUsd: 0.5 });
    // 7 days shown at least: 9 March .. 15 March; the last day is cut at now (12:00) → half a day of "cost"
    assert.strictEqual(cost.daily.days.length, 7);
    assert.strictEqual(cost.daily.days[6], '2026-03-15');
    assert.deepStrictEqual(cost.daily.values[0].slice(5), [1, 0.5]);
    assert.strictEqual(cost.projection, null);
  });
});
