// Host side of the dashboard protocol: UI state from the webview (untrusted), alert rule/alert views, and the
// pricing adapter (calculator, cache savings, budget projection) on a price override with round numbers.
import * as assert from 'assert';
import { sanitizeUiState, defaultUiState, sanitizeFilter } from '../../src/host/dashboard/uiState';
import { ruleToView, viewToRaw, newRuleId, eventToView } from '../../src/host/dashboard/alertViews';
import { calculatorRows, cacheSavingsRows, projectionView, cumulativePoints, type PricingDeps } from '../../src/host/dashboard/pricingAdapter';
import { whatIfFromCacheRows } from '../../src/host/dashboard/assemble';
import { validateAlertRule } from '../../src/core/alerts/rules';
import { createPricer } from '../../src/core/pricing/pricer';
import type { WindowStats, CacheRow } from '../../src/core/metrics/types';
import type { QueryFilter } from '../../src/core/model';

const H = 3_600_000;

function win(q: QueryFilter, p: Partial<WindowStats>): WindowStats {
  return {
    from: q.from, to: q.to, calls: 0, errors: 0, successRate: null, errorRate: null,
    latency: { n: 0, avg: null, p50: null, p95: null, p99: null, method: 'exact' },
    throughputPerMin: null, responseCacheHitRate: null, responseCacheHits: 0, promptCacheTokenShare: null,
    inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0,
    costUsd: 0, unpricedCalls: 0, costPerHour: null, ...p,
  };
}

function cacheRow(p: Partial<CacheRow>): CacheRow {
  return {
    endpoint: '/a', model: 'my-model', calls: 0, responseCacheKnown: 0, responseCacheHits: 0, responseCacheHitRate: null, nonCachedCalls: 0,
    nonCachedCostUsd: 0, nonCachedUnpricedCalls: 0, avgNonCachedCostUsd: null, inputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0,
    cacheWrite1hTokens: 0, cacheWrite5mTokens: 0, promptCacheTokenShare: null, ...p,
  };
}

describe('protocol host side', () => {
  it('sanitises UI state coming back from the webview', () => {
    const d = defaultUiState(true, 10);
    assert.deepStrictEqual(sanitizeUiState(null, d), d);
    assert.deepStrictEqual(sanitizeUiState({ tab: 'cost', filter: { range: '7d', endpoint: '/x' }, autoRefresh: false, refreshSeconds: 30, hiddenSeries: ['p99', 3] }, d),
      { tab: 'cost', filter: { range: '7d', endpoint: '/x' }, autoRefresh: false, refreshSeconds: 30, hiddenSeries: ['p99'] });
    // unknown tab, interval and range fall back
    assert.deepStrictEqual(sanitizeUiState({ tab: 'evil', refreshSeconds: 7, filter: { range: '2y' } }, d), { ...d, filter: { range: '1h' } });
    // a custom range without a valid from < to becomes 24 h
    assert.strictEqual(sanitizeFilter({ range: 'custom', from: 5, to: 1 }, { range: '1h' }).range, '24h');
    assert.deepStrictEqual(sanitizeFilter({ range: 'custom', from: 1, to: 5 }, { range: '1h' }), { range: 'custom', from: 1, to: 5 });
    assert.strictEqual(defaultUiState(true, 7).refreshSeconds, 10);
  });

  it('converts rules both ways and the result passes the alert validator', () => {
    const v = validateAlertRule({ id: 'slow', name: 'Slow', metric: 'p95Latency', scope: { kind: 'endpoint', value: '/v1/chat' },
      comparison: 'above', warning: 800, windowMinutes: 5, forMinutes: 1, minCalls: 10, cooldownMinutes: 30, severity: 'warning', enabled: true });
    assert.ok(v.rule, v.errors.join('; '));
    const view = ruleToView(v.rule);
    assert.strictEqual(view.scope, 'endpoint:/v1/chat');
    assert.strictEqual(view.critical, null);
    const raw = viewToRaw(view);
    assert.deepStrictEqual(raw.scope, { kind: 'endpoint', value: '/v1/chat' });
    assert.ok(!('critical' in raw));
    assert.deepStrictEqual(validateAlertRule(raw).rule, v.rule);
    assert.strictEqual(newRuleId('P95 high!', new Set()), 'p95-high');
    assert.strictEqual(newRuleId('P95 high!', new Set(['p95-high', 'p95-high-2'])), 'p95-high-3');
    assert.strictEqual(newRuleId('!!!', new Set()), 'rule');
    assert.strictEqual(eventToView({ id: 7, ruleId: 'r', ruleName: 'R', severity: 'error', from: 'pending', to: 'firing', ts: 5, value: 1,
      message: 'm', threshold: null, thresholdText: '—', acknowledged: false }).id, '7');
  });

  // Prices by override, per million tokens: input $1, output $10, cache read $0.10.
  const pricer = createPricer({ overrides: { 'my-model': { input: 1, output: 10, cacheRead: 0.1 } } });

  it('computes the calculator through the price table', () => {
    const deps: PricingDeps = { engine: {} as PricingDeps['engine'], pricer: () => pricer, budget: () => null, timeZone: () => 'UTC' };
    const [r, unknown] = calculatorRows(deps, { models: ['my-model', 'no-such-model'], requestsPerDay: 500, inputTokens: 1000, outputTokens: 100, cachedShare: 0 });
    // per request 1000 × $1/1e6 + 100 × $10/1e6 = $0.001 + $0.001 = $0.002; × 500 = $1/day; × 30 = $30/month
    assert.ok(Math.abs((r.perRequest as number) - 0.002) < 1e-12);
    assert.ok(Math.abs((r.perDay as number) - 1) < 1e-9);
    assert.ok(Math.abs((r.perMonth as number) - 30) < 1e-9);
    assert.strictEqual(unknown.perRequest, null);
    // half the input cached: 500 × $1/1e6 + 500 × $0.10/1e6 + $0.001 = $0.0005 + $0.00005 + $0.001 = $0.00155
    const [c] = calculatorRows(deps, { models: ['my-model'], requestsPerDay: 1, inputTokens: 1000, outputTokens: 100, cachedShare: 0.5 });
    assert.ok(Math.abs((c.perRequest as number) - 0.00155) < 1e-12);
  });

  it('computes cache savings and what-if inputs from the engine cache rows', () => {
    const rows = [cacheRow({ responseCacheKnown: 8, responseCacheHits: 3, nonCachedCalls: 5, nonCachedUnpricedCalls: 1, nonCachedCostUsd: 0.8, cacheReadTokens: 1_000_000 })];
    const deps: PricingDeps = { engine: { cacheStats: () => rows } as unknown as PricingDeps['engine'], pricer: () => pricer, budget: () => null, timeZone: () => 'UTC' };
    const s = cacheSavingsRows(deps, { from: 0, to: 1 })!.byEndpoint[0];
    // response cache: average non-cached priced call $0.8 / (5 - 1) = $0.20; 3 hits × $0.20 = $0.60
    assert.ok(Math.abs((s.responseUsd as number) - 0.6) < 1e-12);
    // prompt cache: 1,000,000 read tokens × ($1 - $0.10) / 1e6 = $0.90
    assert.ok(Math.abs((s.promptUsd as number) - 0.9) < 1e-12);
    // what-if: 3 hits of 8 known = 37.5 %; 8 calls in 1 day → 240 per 30 days; $0.20 per miss
    const w = whatIfFromCacheRows(rows, { from: 0, to: 24 * H });
    assert.deepStrictEqual([w.currentHitRate, w.callsPerMonth], [0.375, 240]);
    assert.ok(Math.abs((w.avgCostPerMissUsd as number) - 0.2) < 1e-12);
  });

  it('cache savings are "no data" when there is nothing to base them on, $0.00 only for a real zero', () => {
    const rows = [
      // no response-cache flag logged, no tokens: both savings unknown (the row shows "—" for its hit rate too)
      cacheRow({ endpoint: '/none', calls: 4, nonCachedCalls: 4, nonCachedCostUsd: 0.4 }),
      // 5 known misses and no hit: 0 hits x $0.10 = a real $0.00; 1,000 input tokens, none cached: 0 x ($1 - $0.10) = $0.00
      cacheRow({ endpoint: '/zero', calls: 5, responseCacheKnown: 5, responseCacheHitRate: 0, nonCachedCalls: 5, nonCachedCostUsd: 0.5, inputTokens: 1000 }),
    ];
    const deps: PricingDeps = { engine: { cacheStats: () => rows } as unknown as PricingDeps['engine'], pricer: () => pricer, budget: () => null, timeZone: () => 'UTC' };
    const by = new Map(cacheSavingsRows(deps, { from: 0, to: 1 })!.byEndpoint.map(s => [s.key, s]));
    assert.deepStrictEqual([by.get('/none')?.responseUsd ?? null, by.get('/none')?.promptUsd ?? null], [null, null]);
    assert.deepStrictEqual([by.get('/zero')?.responseUsd, by.get('/zero')?.promptUsd], [0, 0]);
  });

  it('projects a day budget from the recent hourly rate', () => {
    const now = Date.UTC(2026, 2, 15, 12);              // noon UTC: 12 hours left in the day
    const today = Date.UTC(2026, 2, 15);
    const engine = {
      window: (q: QueryFilter) => (q.from === today ? win(q, { calls: 10, costUsd: 2 })
        : q.to - q.from <= 3 * H + 1 ? win(q, { calls: 3, costUsd: 1.5, costPerHour: 0.5 }) : win(q, {})),
      dailyCost: () => [],
    } as unknown as PricingDeps['engine'];
    const p = projectionView({ engine, pricer: () => pricer, budget: () => ({ amount: 10, period: 'day' }), timeZone: () => 'UTC' }, now)!;
    // spent $2 by noon; $0.50/h for the 12 hours left: 2 + 0.5 × 12 = $8 = 80 % of $10
    assert.strictEqual(p.budgetUsd, 10);
    assert.strictEqual(p.spentUsd, 2);
    assert.ok(Math.abs((p.projectedUsd as number) - 8) < 1e-9);
    assert.ok(Math.abs((p.projectedShare as number) - 0.8) < 1e-9);
    assert.strictEqual(p.periodEnd, Date.UTC(2026, 2, 16));
    // no budget: the month's projection still shows, without a share
    const nb = projectionView({ engine, pricer: () => pricer, budget: () => null, timeZone: () => 'UTC' }, now)!;
    assert.strictEqual(nb.budgetUsd, null);
    assert.strictEqual(nb.projectedShare, null);
  });

  it('builds the cumulative spend points of the projection chart', () => {
    const D = 24 * H;
    // three complete days costing $1, $2, $3, then $0.50 today by 12:00 on day 4; $20 projected at day 10
    const pts = cumulativePoints(0, 10 * D, 3.5 * D, [{ start: 0, costUsd: 1 }, { start: D, costUsd: 2 }, { start: 2 * D, costUsd: 3 }], 6.5, 20);
    assert.deepStrictEqual(pts, [
      { t: 0, spent: 0, projected: null },
      { t: D, spent: 1, projected: null },
      { t: 2 * D, spent: 1 + 2, projected: null },
      { t: 3 * D, spent: 1 + 2 + 3, projected: null },
      { t: 3.5 * D, spent: 6.5, projected: 6.5 },
      { t: 10 * D, spent: null, projected: 20 },
    ]);
  });
});
