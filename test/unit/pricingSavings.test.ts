import * as assert from 'assert';
import { createPricer } from '../../src/core/pricing/pricer';
import { calculate, compare } from '../../src/core/pricing/calculator';
import { promptCacheSavings, responseCacheSavings, savingsByEndpoint, whatIfHitRate } from '../../src/core/pricing/savings';
import { cheaperSiblings, recommend } from '../../src/core/pricing/recommendations';
import type { EndpointModelAggregate } from '../../src/core/pricing/recommendations';

const AT = Date.UTC(2025, 9, 1);
const table = createPricer().table;
const close = (a: number | null | undefined, b: number, eps = 1e-12): void => {
  assert.ok(a !== null && a !== undefined, 'expected a number, got null');
  assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);
};

describe('pricing: calculator', () => {
  it('cost per request, day and 30-day month for one model', () => {
    // gpt-4o, 2000 in (25 % cached), 500 out: 1500 x 2.5 + 500 x 1.25 + 500 x 10 = 3750 + 625 + 5000 = 9375 / 1e6
    const r = calculate({ model: 'gpt-4o', requestsPerDay: 1000, inputTokens: 2000, outputTokens: 500, cachedShare: 0.25, at: AT }, table);
    close(r.perRequest, 0.009375);
    close(r.perDay, 9.375, 1e-9);
    close(r.perMonth, 281.25, 1e-9); // 9.375 x 30
    assert.strictEqual(r.monthDays, 30);
    assert.strictEqual(r.resolvedModel, 'gpt-4o');
  });

  it('compares models side by side; an unknown model is unpriced, not 0', () => {
    const rows = compare(['gpt-4o', 'gpt-4o-mini', 'acme-llm'], { requestsPerDay: 1000, inputTokens: 2000, outputTokens: 500, cachedShare: 0.25, at: AT }, table);
    assert.deepStrictEqual(rows.map(r => r.model), ['gpt-4o', 'gpt-4o-mini', 'acme-llm']);
    // gpt-4o-mini: 1500 x 0.15 + 500 x 0.075 + 500 x 0.6 = 225 + 37.5 + 300 = 562.5 / 1e6
    close(rows[1].perRequest, 0.0005625);
    assert.strictEqual(rows[2].perRequest, null);
    assert.strictEqual(rows[2].perMonth, null);
    assert.strictEqual(rows[2].resolvedModel, null);
  });
});

describe('pricing: cache savings', () => {
  it('response cache: hits x average cost of non-cached calls; null with nothing to learn from', () => {
    const s = responseCacheSavings([
      { endpoint: '/a', model: 'gpt-4o', hits: 10, nonCachedPricedCalls: 4, nonCachedCostUsd: 0.2 },
      { endpoint: '/b', model: 'gpt-4o', hits: 3, nonCachedPricedCalls: 0, nonCachedCostUsd: 0 },
    ]);
    close(s[0].avgNonCachedCost, 0.05); // 0.2 / 4
    close(s[0].savedUsd, 0.5); // 10 x 0.05
    assert.strictEqual(s[1].savedUsd, null);
  });

  it('prompt cache: read discount minus 5m and 1h write surcharges', () => {
    const s = promptCacheSavings([
      // claude-haiku-4-5: input 1, read 0.1, write 5m 1.25, write 1h 2
      // 1,000,000 x (1 - 0.1) - 100,000 x (1.25 - 1) - 50,000 x (2 - 1) = 900,000 - 25,000 - 50,000 = 825,000 / 1e6
      { endpoint: '/a', model: 'claude-haiku-4-5', cacheReadTokens: 1_000_000, cacheWrite5mTokens: 100_000, cacheWrite1hTokens: 50_000 },
      // gpt-4o: 1,000,000 x (2.5 - 1.25) = 1.25 (no write price: writes cost the input rate, no surcharge)
      { endpoint: '/b', model: 'gpt-4o', cacheReadTokens: 1_000_000, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0 },
      { endpoint: '/b', model: 'acme-llm', cacheReadTokens: 5, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0 },
    ], table, AT);
    close(s[0].savedUsd, 0.825);
    close(s[0].writeSurchargeUsd, 0.075);
    close(s[1].savedUsd, 1.25);
    assert.strictEqual(s[2].savedUsd, null);
    const byEp = savingsByEndpoint(responseCacheSavings([{ endpoint: '/a', model: 'claude-haiku-4-5', hits: 2, nonCachedPricedCalls: 1, nonCachedCostUsd: 0.3 }]), s);
    // /b: 1.25 prompt; /a: 0.6 response (2 x 0.3) + 0.825 prompt = 1.425
    assert.deepStrictEqual(byEp.map(e => e.endpoint), ['/a', '/b']);
    close(byEp[0].responseCacheSavedUsd, 0.6);
    close(byEp[0].promptCacheSavedUsd, 0.825);
    assert.strictEqual(byEp[1].responseCacheSavedUsd, null);
    assert.strictEqual(byEp[1].unknownRows, 1);
  });

  it('what-if: raising the hit rate from 10 % to 30 %', () => {
    // 1000 calls in 10 days = 3000 a month; 20 % more hits = 600 x $0.05 = $30
    const w = whatIfHitRate({ calls: 1000, hits: 100, avgNonCachedCost: 0.05, windowDays: 10, targetHitRate: 0.3 });
    close(w.currentHitRate, 0.1);
    close(w.extraHitsPerMonth, 600, 1e-9);
    close(w.monthlySavingsUsd, 30, 1e-9);
    assert.strictEqual(whatIfHitRate({ calls: 0, hits: 0, avgNonCachedCost: 0.05, windowDays: 10, targetHitRate: 0.3 }).monthlySavingsUsd, null);
    assert.strictEqual(whatIfHitRate({ calls: 10, hits: 1, avgNonCachedCost: null, windowDays: 10, targetHitRate: 0.3 }).monthlySavingsUsd, null);
  });
});

describe('pricing: recommendations', () => {
  const row = (r: Partial<EndpointModelAggregate>): EndpointModelAggregate => ({
    endpoint: '/x', model: null, provider: null, calls: 0, pricedCalls: 0, costUsd: 0, failedCalls: 0, failedCostUsd: 0, usageCalls: 0,
    inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, duplicateCalls: 0, duplicateCostUsd: 0, ...r,
  });

  it('finds cheaper siblings in the same family', () => {
    const ids = (m: string): string[] => cheaperSiblings(table.lookup(m)!.entry, table, AT).map(e => e.model).sort();
    assert.ok(ids('gpt-4o').includes('gpt-4o-mini'));
    assert.ok(ids('claude-sonnet-4-5').includes('claude-haiku-4-5'));
    assert.ok(!ids('claude-sonnet-4-5').some(id => id.includes('opus')));
    assert.deepStrictEqual(ids('gpt-4o-mini'), []);
  });

  it('each recommendation carries a savings figure from the data, sorted by savings', () => {
    const recs = recommend({
      windowDays: 10, // x 3 to a 30-day month
      at: AT,
      rows: [
        // gpt-4o, 100 calls averaging 2000 in / 500 out: cost 200,000 x 2.5 + 50,000 x 10 = $1.00
        row({ endpoint: '/chat', model: 'gpt-4o', provider: 'openai', calls: 100, pricedCalls: 100, usageCalls: 100, costUsd: 1,
          inputTokens: 200_000, outputTokens: 50_000, duplicateCalls: 20, duplicateCostUsd: 0.5, failedCalls: 5, failedCostUsd: 0.1 }),
        // claude-sonnet-4-5, 10 calls, 80 % of input read from cache: prompt caching already used
        row({ endpoint: '/summarize', model: 'claude-sonnet-4-5', provider: 'anthropic', calls: 10, pricedCalls: 10, usageCalls: 10,
          inputTokens: 100_000, outputTokens: 10_000, cacheReadTokens: 80_000 }),
        // unknown model: only the billed failures can be used
        row({ endpoint: '/legacy', model: 'acme-llm', calls: 4, failedCalls: 2, failedCostUsd: 0.2 }),
      ],
    }, table);
    const got = recs.map(r => [r.kind, r.endpoint, Math.round(r.monthlySavingsUsd * 1e6) / 1e6]);
    assert.deepStrictEqual(got, [
      // gpt-4o-mini on the same tokens: 200,000 x 0.15 + 50,000 x 0.6 = $0.06; (1.00 - 0.06) x 3 = 2.82
      ['cheaper-model', '/chat', 2.82],
      // duplicates cost 0.5 x 3
      ['response-cache', '/chat', 1.5],
      // failures 0.2 x 3
      ['failures', '/legacy', 0.6],
      // sonnet: 20,000 x 3 + 80,000 x 0.3 + 10,000 x 15 = 0.234; haiku: 20,000 x 1 + 80,000 x 0.1 + 10,000 x 5 = 0.078
      // (0.234 - 0.078) x 3 = 0.468
      ['cheaper-model', '/summarize', 0.468],
      // half of 200,000 uncached input read at 1.25 instead of 2.5: 100,000 x 1.25 / 1e6 = 0.125; x 3
      ['prompt-cache', '/chat', 0.375],
      ['failures', '/chat', 0.3],
    ]);
    assert.ok(recs[4].basis.includes('50 %'));
    assert.ok(recs[0].title.includes('gpt-4o-mini'));
    for (const r of recs) assert.ok(r.basis.length > 0 && r.detail.length > 0);
    assert.deepStrictEqual(recommend({ windowDays: 0, rows: [] }, table), []);
  });

  it('texts: counts with separators and the right singular/plural; titles name the model when an endpoint has several', () => {
    const recs = recommend({
      windowDays: 1, // x 30 to a month
      at: AT,
      rows: [
        // 2 calls, 25,330 input tokens: 12,665 on average (>= 1,024, so prompt caching applies), nothing read from cache
        row({ endpoint: '/api/search/answer', model: 'gpt-4o', provider: 'openai', calls: 2, pricedCalls: 2, usageCalls: 2,
          inputTokens: 25_330, outputTokens: 1_000, failedCalls: 1, failedCostUsd: 1234.5 }),
        // the same endpoint on a second model: 30,000 / 2 = 15,000 on average
        row({ endpoint: '/api/search/answer', model: 'claude-sonnet-4-5', provider: 'anthropic', calls: 2, pricedCalls: 2, usageCalls: 2,
          inputTokens: 30_000, outputTokens: 1_000 }),
        // one model only: its titles stay short
        row({ endpoint: '/other', model: 'acme-llm', calls: 1500, duplicateCalls: 1200, duplicateCostUsd: 0.004 }),
      ],
    }, table);
    const of = (kind: string): { title: string; detail: string; basis: string; monthlySavingsUsd: number }[] => recs.filter(r => r.kind === kind);
    assert.deepStrictEqual(of('prompt-cache').map(r => r.title).sort(), [
      'Use prompt caching on /api/search/answer (claude-sonnet-4-5)',
      'Use prompt caching on /api/search/answer (gpt-4o)',
    ]);
    const gpt = of('prompt-cache').find(r => r.title.endsWith('(gpt-4o)'))!;
    assert.strictEqual(gpt.detail, 'Calls average 12,665 input tokens and only 0.0 % are read from the provider cache.');
    // 50 % of the 25,330 uncached tokens at 2.5 - 1.25: 12,665 x 1.25 / 1e6 = 0.01583125 a day; x 30 = 0.4749375
    assert.ok(gpt.basis.startsWith('assumes 50 % of the uncached input (25,330 tokens over the last 1 day, scaled to 30 days)'), gpt.basis);
    close(gpt.monthlySavingsUsd, 0.4749375, 1e-9);
    const [fail] = of('failures');
    assert.deepStrictEqual([fail.title, fail.detail],
      ['Failing calls to /api/search/answer (gpt-4o) cost money', '1 failed call was billed $1,234.50.']);
    const [dup] = of('response-cache');
    // $0.004 is under a cent: "<$0.01", not "$0.00"
    assert.deepStrictEqual([dup.title, dup.detail], ['Cache repeated requests to /other',
      '1,200 of 1,500 calls repeated an identical earlier request (same request hash) and cost <$0.01.']);
    // cheaper-model titles name both models already
    assert.ok(of('cheaper-model').every(r => / instead of .* on \/api\/search\/answer$/.test(r.title)));
  });
});
