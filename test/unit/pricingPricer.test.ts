import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { emptyRecord } from '../../src/core/model';
import type { CallRecord } from '../../src/core/model';
import { createPricer } from '../../src/core/pricing/pricer';
import { GENAI_PRICES_VERSION, nameVariants } from '../../src/core/pricing/priceTable';
import { formatUsd } from '../../src/core/pricing/format';
import { calcPrice } from '@pydantic/genai-prices';

const T = Date.UTC(2025, 9, 1, 12); // 2025-10-01, after every start-date change used below

function rec(model: string | null, fields: Partial<CallRecord> = {}): CallRecord {
  return { ...emptyRecord(T, '/chat'), model, ...fields };
}
const close = (a: number | null, b: number, msg?: string): void => {
  assert.ok(a !== null, msg ?? 'expected a number, got null');
  assert.ok(Math.abs(a - b) < 1e-12, `${msg ?? ''} ${a} != ${b}`);
};

describe('pricing: price table (bundled @pydantic/genai-prices data)', () => {
  const pricer = createPricer();

  it('states the installed library version', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join('node_modules', '@pydantic', 'genai-prices', 'package.json'), 'utf8'));
    assert.strictEqual(GENAI_PRICES_VERSION, pkg.version);
    assert.ok(pricer.version.startsWith(`genai-prices@${pkg.version}+data.`));
    assert.deepStrictEqual(pricer.warnings, []);
  });

  it('reads the bundled prices per million tokens (values as in the library data)', () => {
    const p = pricer.table.pricesAt(pricer.lookup('gpt-4o')!.entry, T);
    assert.deepStrictEqual([p.input, p.output, p.cacheRead, p.cacheWrite5m, p.batchDiscount], [2.5, 10, 1.25, null, 0.5]);
    const h = pricer.table.pricesAt(pricer.lookup('claude-haiku-4-5')!.entry, T);
    assert.deepStrictEqual([h.input, h.output, h.cacheRead, h.cacheWrite5m, h.cacheWrite1h], [1, 5, 0.1, 1.25, 2]);
  });

  it('matches dated and prefixed names; a longer known name beats a shorter one', () => {
    const id = (m: string, p?: string): string | null => pricer.lookup(m, p)?.entry.model ?? null;
    assert.strictEqual(id('gpt-4o-mini-2024-07-18'), 'gpt-4o-mini');
    assert.strictEqual(id('gpt-4o-2024-11-20'), 'gpt-4o');
    assert.strictEqual(id('GPT-4o-Mini'), 'gpt-4o-mini');
    assert.strictEqual(id('openai/gpt-4o-mini'), 'gpt-4o-mini');
    assert.strictEqual(id('azure/gpt-4o', 'azure'), 'gpt-4o');
    assert.strictEqual(id('claude-sonnet-4-5-20250929'), 'claude-sonnet-4-5');
    assert.strictEqual(id('anthropic/claude-3-5-sonnet-20241022'), 'claude-3-5-sonnet');
    assert.strictEqual(id('bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0'), 'claude-3-5-sonnet');
    assert.strictEqual(id('us.anthropic.claude-3-5-sonnet-20241022-v2:0', 'bedrock'), 'claude-3-5-sonnet');
    assert.strictEqual(id('claude-sonnet-4-5@20250929', 'vertex_ai'), 'claude-sonnet-4-5');
    assert.strictEqual(id('gemini-1.5-pro-002'), 'gemini-1.5-pro');
    assert.strictEqual(id('gpt-3.5-turbo-0125'), 'gpt-3.5-turbo');
    // a dated model the library prices apart keeps its own row ($5 input, not gpt-4o's $2.50)
    assert.strictEqual(id('gpt-4o-2024-05-13'), 'gpt-4o-2024-05-13');
  });

  it('tries longer variants first', () => {
    const v = nameVariants('bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0');
    assert.strictEqual(v[0], 'bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0');
    assert.ok(v.indexOf('claude-3-5-sonnet-20241022') < v.indexOf('claude-3-5-sonnet'));
    for (let i = 1; i < v.length; i++) assert.ok(v[i - 1].length >= v[i].length);
  });

  it('prices gpt-4o-mini-2024-07-18 as gpt-4o-mini', () => {
    // 1000 in x $0.15/M + 1000 out x $0.60/M = (150 + 600) / 1e6 = 0.00075 (gpt-4o would be 0.0125)
    const r = pricer.price(rec('gpt-4o-mini-2024-07-18', { input_tokens: 1000, output_tokens: 1000 }));
    close(r.cost_usd, 0.00075);
    assert.strictEqual(r.cost_source, 'computed');
    assert.strictEqual(r.estimated, false);
  });

  it('OpenAI cached input: cached tokens are inside input_tokens, priced once at the cache rate', () => {
    // gpt-4o: input 10,000 of which 4,000 cached, output 500
    // (10000-4000) x 2.5 + 4000 x 1.25 + 500 x 10 = 15000 + 5000 + 5000 = 25000 / 1e6 = 0.025
    const r = pricer.price(rec('gpt-4o', { provider: 'openai', input_tokens: 10_000, cache_read_tokens: 4000, output_tokens: 500 }));
    close(r.cost_usd, 0.025);
  });

  it('Anthropic cache reads and 5-minute writes: each part of the normalised input priced once', () => {
    // claude-haiku-4-5: uncached 2,000 + read 10,000 + write 3,000 = input 15,000; output 400
    // 2000 x 1 + 10000 x 0.1 + 3000 x 1.25 + 400 x 5 = 2000 + 1000 + 3750 + 2000 = 8750 / 1e6
    const r = pricer.price(rec('claude-haiku-4-5-20251001', {
      provider: 'anthropic', input_tokens: 15_000, cache_read_tokens: 10_000, cache_write_tokens: 3000, output_tokens: 400,
    }));
    close(r.cost_usd, 0.00875);
    assert.strictEqual(r.estimated, false);
  });

  it('Anthropic 1-hour writes at their own rate; unknown split at the 5m rate, estimated', () => {
    // write 3,000 of which 1,000 for 1 hour: 2000 x 1.25 + 1000 x 2 = 4500
    // total 2000 (uncached) + 1000 (reads) + 4500 + 2000 (output) = 9500 / 1e6
    const base = { provider: 'anthropic', input_tokens: 15_000, cache_read_tokens: 10_000, cache_write_tokens: 3000, output_tokens: 400 };
    const r = pricer.price(rec('claude-haiku-4-5', { ...base, cache_write_1h_tokens: 1000 }));
    close(r.cost_usd, 0.0095);
    const u = pricer.price(rec('claude-haiku-4-5', { ...base, cache_write_1h_tokens: 0, cache_write_split_known: false }));
    close(u.cost_usd, 0.00875); // all 3000 at 1.25, as in the 5-minute case
    assert.strictEqual(u.estimated, true);
  });

  it('reasoning tokens are inside output and not priced twice', () => {
    // o3-mini: 1000 in x 1.1 + 3000 out (2500 of them reasoning) x 4.4 = 1100 + 13200 = 14300 / 1e6
    const r = pricer.price(rec('o3-mini', { input_tokens: 1000, output_tokens: 3000, reasoning_tokens: 2500 }));
    close(r.cost_usd, 0.0143);
  });

  it('long-context tier: base price at the threshold, the whole request at tier rates above it', () => {
    // claude-sonnet-4-5: tier when the prompt is above 200,000 tokens: input 3 -> 6, output 15 -> 22.5
    const at = pricer.price(rec('claude-sonnet-4-5', { input_tokens: 200_000, output_tokens: 1000 }));
    close(at.cost_usd, (200_000 * 3 + 1000 * 15) / 1e6); // 0.615
    const above = pricer.price(rec('claude-sonnet-4-5', { input_tokens: 200_001, output_tokens: 1000 }));
    close(above.cost_usd, (200_001 * 6 + 1000 * 22.5) / 1e6); // 1.222506
    const b = pricer.breakdown(rec('claude-sonnet-4-5', { input_tokens: 200_001, output_tokens: 1000 }))!;
    assert.strictEqual(b.tierAbove, 200_000);
  });

  it('batch calls get the provider batch discount (50 % for OpenAI)', () => {
    // gpt-4o: (1000 x 2.5 + 1000 x 10) x 0.5 = 6250 / 1e6
    close(pricer.price(rec('gpt-4o', { input_tokens: 1000, output_tokens: 1000, batch: true })).cost_usd, 0.00625);
  });

  it('prices by the call time when the library has start-date prices', () => {
    // o3: input 10 before 2025-06-10, 2 from then on; 1000 input tokens
    close(pricer.price({ ...rec('o3', { input_tokens: 1000, output_tokens: 0 }), ts: Date.UTC(2025, 0, 1) }).cost_usd, 0.01);
    close(pricer.price({ ...rec('o3', { input_tokens: 1000, output_tokens: 0 }), ts: Date.UTC(2025, 6, 1) }).cost_usd, 0.002);
  });

  it('the allocation-free hot path gives the same cost and flag as the detailed breakdown', () => {
    const cases: Partial<CallRecord>[] = [
      { model: 'claude-sonnet-4-5', input_tokens: 250_000, cache_read_tokens: 100_000, cache_write_tokens: 20_000, cache_write_1h_tokens: 5000, output_tokens: 900 },
      { model: 'claude-haiku-4-5', input_tokens: 5000, cache_write_tokens: 3000, cache_write_split_known: false, output_tokens: 10 },
      { model: 'gemini-1.5-pro', input_tokens: 5000, cache_read_tokens: 1000, output_tokens: 10 }, // no cache-read price
      { model: 'gpt-4o', input_tokens: 1000, output_tokens: -5, batch: true },
      { model: 'gpt-4o', input_tokens: 100, cache_read_tokens: 500, output_tokens: null }, // more reads than input: capped
    ];
    for (const c of cases) {
      const r = rec(c.model as string, c);
      const b = pricer.breakdown(r)!;
      const p = pricer.price(r);
      assert.strictEqual(p.cost_usd, b.total, c.model as string);
      assert.strictEqual(p.estimated, b.estimated, c.model as string);
    }
    // gemini-1.5-pro has no cache-read price: reads at the input rate, estimated
    assert.strictEqual(pricer.price(rec('gemini-1.5-pro', cases[2])).estimated, true);
    // reads capped at the input: 100 tokens all read at 1.25 = 125 / 1e6
    close(pricer.price(rec('gpt-4o', cases[4])).cost_usd, 0.000125);
  });

  it('applies off-peak (time-of-day, UTC) prices', () => {
    // deepseek-chat: 0.27 input from 00:30 to 16:30 UTC, 0.135 outside; 1,000,000 input tokens
    close(pricer.price({ ...rec('deepseek-chat', { input_tokens: 1e6, output_tokens: 0 }), ts: Date.UTC(2025, 2, 1, 10) }).cost_usd, 0.27);
    close(pricer.price({ ...rec('deepseek-chat', { input_tokens: 1e6, output_tokens: 0 }), ts: Date.UTC(2025, 2, 1, 20) }).cost_usd, 0.135);
  });

  it('agrees with the library\'s own calcPrice on the hand-worked cases above', () => {
    // the library takes the same normalised usage (input includes cache reads and writes)
    const cases: [string, Partial<CallRecord>, Record<string, number>][] = [
      ['gpt-4o', { input_tokens: 10_000, cache_read_tokens: 4000, output_tokens: 500 }, { input_tokens: 10_000, cache_read_tokens: 4000, output_tokens: 500 }],
      ['claude-haiku-4-5', { input_tokens: 15_000, cache_read_tokens: 10_000, cache_write_tokens: 3000, cache_write_1h_tokens: 1000, output_tokens: 400 },
        { input_tokens: 15_000, cache_read_tokens: 10_000, cache_write_tokens: 3000, cache_write_1h_tokens: 1000, output_tokens: 400 }],
      ['claude-sonnet-4-5', { input_tokens: 200_001, output_tokens: 1000 }, { input_tokens: 200_001, output_tokens: 1000 }],
      ['o3-mini', { input_tokens: 1000, output_tokens: 3000, reasoning_tokens: 2500 }, { input_tokens: 1000, output_tokens: 3000, output_reasoning_tokens: 2500 }],
    ];
    for (const [m, r, u] of cases) {
      const lib = calcPrice(u, m, { timestamp: new Date(T) });
      assert.ok(lib, m);
      assert.ok(Math.abs(pricer.price(rec(m, r)).cost_usd! - lib.total_price) < 1e-12, m);
    }
  });

  it('an unknown model is unpriced (null), never $0; no usage is unpriced', () => {
    assert.deepStrictEqual(pricer.price(rec('acme-llm-9000', { input_tokens: 100, output_tokens: 10 })),
      { cost_usd: null, cost_source: 'unpriced', estimated: false });
    assert.strictEqual(pricer.lookup('acme-llm-9000'), null);
    assert.strictEqual(pricer.price(rec('gpt-4o')).cost_source, 'unpriced');
    assert.strictEqual(pricer.price(rec(null, { input_tokens: 5, output_tokens: 5 })).cost_source, 'unpriced');
    // garbage from an untrusted log: unpriced, no throw
    assert.strictEqual(pricer.price(rec('', { input_tokens: 5, output_tokens: 5 })).cost_source, 'unpriced');
    assert.strictEqual(pricer.lookup('x'.repeat(100_000)), null);
    assert.strictEqual(pricer.lookup('////'), null);
    assert.strictEqual(pricer.price(rec('gpt-4o', { input_tokens: Number.NaN, output_tokens: 10 })).cost_usd, 0.0001); // 10 x 10 / 1e6
  });

  it('a logged cost wins by default, and not when preferLoggedCost is false', () => {
    const r = rec('gpt-4o', { input_tokens: 1000, output_tokens: 1000, cost_usd: 0.5, cost_source: 'logged' });
    assert.deepStrictEqual(pricer.price(r), { cost_usd: 0.5, cost_source: 'logged', estimated: false });
    const computed = createPricer({ preferLoggedCost: false }).price(r);
    close(computed.cost_usd, 0.0125); // 1000 x 2.5 + 1000 x 10 = 12500 / 1e6
    assert.strictEqual(computed.cost_source, 'computed');
    // without usage the logged figure is all there is, even then
    const noUsage = rec('gpt-4o', { cost_usd: 0.5 });
    assert.strictEqual(createPricer({ preferLoggedCost: false }).price(noUsage).cost_source, 'logged');
  });
});

describe('pricing: overrides', () => {
  it('settings add a model and override a bundled one; the workspace file wins over settings', () => {
    const p = createPricer({
      overrides: { 'my-model': { input: 1, output: 2 }, 'gpt-4o-mini': { input: 10, output: 20 } },
      workspaceOverridesText: JSON.stringify({ 'my-model': { input: 3, output: 4 } }),
    });
    assert.deepStrictEqual(p.warnings, []);
    // workspace: 1000 x 3 + 1000 x 4 = 7000 / 1e6
    close(p.price(rec('my-model-2025-01-01', { input_tokens: 1000, output_tokens: 1000 })).cost_usd, 0.007);
    // settings override reached through the dated name: 1000 x 10 + 1000 x 20 = 30000 / 1e6
    close(p.price(rec('gpt-4o-mini-2024-07-18', { input_tokens: 1000, output_tokens: 1000 })).cost_usd, 0.03);
    assert.strictEqual(p.lookup('my-model')!.entry.source, 'workspace');
  });

  it('version changes with the overrides', () => {
    const a = createPricer({ overrides: { m: { input: 1, output: 2 } } }).version;
    const b = createPricer({ overrides: { m: { input: 1, output: 3 } } }).version;
    assert.notStrictEqual(a, b);
    assert.ok(a.includes('+overrides.'));
    assert.ok(!createPricer().version.includes('+overrides.'));
  });

  it('bad rows and bad JSON are reported, not thrown', () => {
    const p = createPricer({ overrides: { x: { input: 'cheap', output: 1 }, y: 5, z: { output: 1 } }, workspaceOverridesText: '{ nope' });
    assert.strictEqual(p.warnings.length, 4);
    assert.ok(p.warnings[3].includes('not valid JSON'));
    assert.strictEqual(p.lookup('x'), null);
    assert.deepStrictEqual(createPricer({ overrides: [1, 2] }).warnings.length, 1);
  });

  it('flags a price that looks off by 1000 (per-token typed as per-million)', () => {
    const p = createPricer({ overrides: { 'gpt-4o': { input: 0.0000025, output: 0.00001 }, 'own-model': { input: 0.0000025, output: 1 } } });
    assert.strictEqual(p.warnings.length, 2);
    assert.ok(p.warnings[0].includes('"gpt-4o"') && p.warnings[0].includes('off by 1000'));
    assert.ok(p.warnings[1].includes('per million would be 2.5'));
    // per-thousand 0.0025 against the bundled 2.5 is 1/1000 too
    assert.strictEqual(createPricer({ overrides: { 'gpt-4o': { input: 0.0025, output: 0.01 } } }).warnings.length, 1);
    assert.strictEqual(createPricer({ overrides: { 'gpt-4o': { input: 2, output: 8 } } }).warnings.length, 0);
  });

  it('1,000 tiny calls sum exactly, unrounded; display shows <$0.01 and the precise value', () => {
    const p = createPricer({ overrides: { tiny: { input: 0.1, output: 0.1 } } });
    // each call: (10 + 10) x 0.1 / 1e6 = 0.000002; 1000 calls = 0.002
    let sum = 0;
    let roundedSum = 0;
    for (let i = 0; i < 1000; i++) {
      const c = p.price(rec('tiny', { input_tokens: 10, output_tokens: 10 })).cost_usd!;
      sum += c;
      roundedSum += Math.round(c * 100) / 100; // what rounding per call would do: 0 each
    }
    assert.ok(Math.abs(sum - 0.002) < 1e-15, String(sum));
    assert.strictEqual(roundedSum, 0);
    assert.strictEqual(formatUsd(sum), '<$0.01');
    assert.strictEqual(formatUsd(sum, { precise: true }), '$0.002');
    assert.strictEqual(formatUsd(0.000002, { precise: true }), '$0.000002');
  });
});

describe('pricing: formatUsd', () => {
  it('formats amounts, no data and tiny amounts', () => {
    assert.strictEqual(formatUsd(null), '—');
    assert.strictEqual(formatUsd(undefined), '—');
    assert.strictEqual(formatUsd(Number.NaN), '—');
    assert.strictEqual(formatUsd(0), '$0.00');
    assert.strictEqual(formatUsd(0.004), '<$0.01');
    assert.strictEqual(formatUsd(0.006), '$0.01');
    assert.strictEqual(formatUsd(1234.567), '$1,234.57');
    assert.strictEqual(formatUsd(-2.5), '-$2.50');
    assert.strictEqual(formatUsd(0.000156, { precise: true }), '$0.000156');
    assert.strictEqual(formatUsd(0.01234, { precise: true }), '$0.01234');
    assert.strictEqual(formatUsd(0.0000001, { precise: true }), '<$0.000001');
    assert.strictEqual(formatUsd(12.3456, { precise: true }), '$12.35');
  });
});
