// Cost of one call. Called for every record at ingest (a million times), so the name resolution is
// cached in the table and the arithmetic below allocates nothing on the hot path except the result.
import type { CallRecord } from '../model';
import { createPriceTable } from './priceTable';
import type { PriceTable } from './priceTable';
import type { CostBreakdown, ModelPrices, PriceMatch, PricerOptions, PriceResult, Rate, TokenUsage } from './types';

const PER_MTOK = 1e6;

/** The rate that applies to a request with `promptTokens` total input tokens. */
export function rateFor(r: Rate, promptTokens: number): number {
  if (typeof r === 'number') return r;
  let p = r.base;
  for (const t of r.tiers) if (promptTokens > t.start) p = t.price;
  return p;
}

/** The tier threshold in force for a prompt size, null when the base price applies. */
function tierAbove(p: ModelPrices, promptTokens: number): number | null {
  let above: number | null = null;
  for (const r of [p.input, p.output, p.cacheRead, p.cacheWrite5m, p.cacheWrite1h]) {
    if (r === null || typeof r === 'number') continue;
    for (const t of r.tiers) if (promptTokens > t.start && (above === null || t.start > above)) above = t.start;
  }
  return above;
}

/**
 * Cost of token usage at a set of prices. input includes cache reads and writes (CallRecord
 * convention), so the uncached part is input - reads - writes, each part priced once. Output
 * includes reasoning and is priced once. Long-context tiers: once the prompt (all input tokens)
 * passes the threshold, the whole request is priced at the tier rates, as the providers bill it.
 * For summed usage of many requests the tier is decided on the sum: pass per-request usage when
 * tiers matter.
 */
export function costOfUsage(p: ModelPrices, u: TokenUsage): CostBreakdown {
  const assumptions: string[] = [];
  const n = (x: number): number => (Number.isFinite(x) && x > 0 ? x : 0);
  const input = n(u.input);
  const read = Math.min(n(u.cacheRead), input);
  const write = Math.min(n(u.cacheWrite), input - read);
  const write1h = u.cacheWriteSplitKnown ? Math.min(n(u.cacheWrite1h), write) : 0;
  const write5m = write - write1h;
  const uncached = input - read - write;
  const inRate = rateFor(p.input, input);
  let readRate = inRate;
  if (read > 0) {
    if (p.cacheRead !== null) readRate = rateFor(p.cacheRead, input);
    else assumptions.push('no cache-read price: cache reads priced at the input rate');
  }
  let w5Rate = inRate;
  if (p.cacheWrite5m !== null) w5Rate = rateFor(p.cacheWrite5m, input);
  let w1Rate = w5Rate;
  if (write1h > 0) {
    if (p.cacheWrite1h !== null) w1Rate = rateFor(p.cacheWrite1h, input);
    else assumptions.push('no 1-hour cache-write price: priced at the 5-minute rate');
  }
  if (write > 0 && !u.cacheWriteSplitKnown) assumptions.push('cache writes without the 5m/1h split: priced at the 5-minute rate');
  const outRate = rateFor(p.output, input);
  let factor = 1;
  if (u.batch) {
    if (p.batchDiscount !== null) factor = 1 - p.batchDiscount;
    else assumptions.push('batch call with no known batch discount: priced at the standard rate');
  }
  const b: CostBreakdown = {
    uncachedInput: (uncached * inRate * factor) / PER_MTOK,
    cacheRead: (read * readRate * factor) / PER_MTOK,
    cacheWrite5m: (write5m * w5Rate * factor) / PER_MTOK,
    cacheWrite1h: (write1h * w1Rate * factor) / PER_MTOK,
    output: (n(u.output) * outRate * factor) / PER_MTOK,
    total: 0,
    tierAbove: tierAbove(p, input),
    estimated: assumptions.length > 0,
    assumptions,
  };
  b.total = b.uncachedInput + b.cacheRead + b.cacheWrite5m + b.cacheWrite1h + b.output;
  return b;
}

let fastEstimated = false;
const pos = (x: number | null): number => (x !== null && x > 0 && x < Infinity ? x : 0);

/**
 * costOfUsage(p, usageOf(rec)).total without allocating (a million calls at ingest); sets
 * fastEstimated. Kept equal to costOfUsage by a unit test.
 */
export function fastCost(p: ModelPrices, rec: CallRecord): number {
  const input = pos(rec.input_tokens);
  const read = Math.min(pos(rec.cache_read_tokens), input);
  const write = Math.min(pos(rec.cache_write_tokens), input - read);
  const split = rec.cache_write_split_known;
  const write1h = split ? Math.min(pos(rec.cache_write_1h_tokens), write) : 0;
  const inRate = rateFor(p.input, input);
  let est = write > 0 && !split;
  let readRate = inRate;
  if (read > 0) { if (p.cacheRead !== null) readRate = rateFor(p.cacheRead, input); else est = true; }
  const w5Rate = p.cacheWrite5m !== null ? rateFor(p.cacheWrite5m, input) : inRate;
  let w1Rate = w5Rate;
  if (write1h > 0) { if (p.cacheWrite1h !== null) w1Rate = rateFor(p.cacheWrite1h, input); else est = true; }
  let factor = 1;
  if (rec.batch) { if (p.batchDiscount !== null) factor = 1 - p.batchDiscount; else est = true; }
  fastEstimated = est;
  return ((input - read - write) * inRate * factor) / PER_MTOK + (read * readRate * factor) / PER_MTOK
    + ((write - write1h) * w5Rate * factor) / PER_MTOK + (write1h * w1Rate * factor) / PER_MTOK
    + (pos(rec.output_tokens) * rateFor(p.output, input) * factor) / PER_MTOK;
}

export function usageOf(rec: CallRecord): TokenUsage {
  return {
    input: rec.input_tokens ?? 0,
    output: rec.output_tokens ?? 0,
    cacheRead: rec.cache_read_tokens,
    cacheWrite: rec.cache_write_tokens,
    cacheWrite1h: rec.cache_write_1h_tokens,
    cacheWriteSplitKnown: rec.cache_write_split_known,
    batch: rec.batch,
  };
}

export interface Pricer {
  /** table version: library version + data hash + overrides hash */
  version: string;
  /** load-time warnings (bad override rows, prices that look off by 1000) */
  warnings: string[];
  table: PriceTable;
  preferLoggedCost: boolean;
  price(rec: CallRecord): PriceResult;
  lookup(model: string, provider?: string | null): PriceMatch | null;
  /** detailed cost of a record at its own time; null when unpriced */
  breakdown(rec: CallRecord): CostBreakdown | null;
}

const UNPRICED: PriceResult = Object.freeze({ cost_usd: null, cost_source: 'unpriced', estimated: false }) as PriceResult;

export function createPricer(opts: PricerOptions = {}): Pricer {
  const table = createPriceTable({ overrides: opts.overrides, workspaceOverridesText: opts.workspaceOverridesText });
  const preferLogged = opts.preferLoggedCost !== false;

  // Hot path: provider -> model -> match, without building a key string per call.
  const resolved = new Map<string, Map<string, PriceMatch | null>>();
  const resolve = (model: string, provider: string | null): PriceMatch | null => {
    const pk = provider ?? '';
    let byModel = resolved.get(pk);
    if (!byModel) { byModel = new Map(); resolved.set(pk, byModel); }
    let m = byModel.get(model);
    if (m === undefined) {
      m = table.lookup(model, provider);
      if (byModel.size > 100_000) byModel.clear(); // names come from untrusted logs
      byModel.set(model, m);
    }
    return m;
  };

  const breakdown = (rec: CallRecord): CostBreakdown | null => {
    if (rec.input_tokens === null && rec.output_tokens === null) return null;
    if (typeof rec.model !== 'string' || !rec.model) return null;
    const m = resolve(rec.model, rec.provider);
    if (!m) return null;
    return costOfUsage(table.pricesAt(m.entry, rec.ts), usageOf(rec));
  };

  const price = (rec: CallRecord): PriceResult => {
    // A logged cost is read from the log by the parser into cost_usd before pricing.
    const logged = rec.cost_usd !== null && Number.isFinite(rec.cost_usd) && rec.cost_usd >= 0 ? rec.cost_usd : null;
    if (logged !== null && preferLogged) return { cost_usd: logged, cost_source: 'logged', estimated: false };
    if ((rec.input_tokens !== null || rec.output_tokens !== null) && typeof rec.model === 'string' && rec.model) {
      const m = resolve(rec.model, rec.provider);
      if (m) {
        const total = fastCost(table.pricesAt(m.entry, rec.ts), rec);
        return { cost_usd: total, cost_source: 'computed', estimated: fastEstimated };
      }
    }
    // No usage or unknown model: the logged figure is still better than nothing.
    if (logged !== null) return { cost_usd: logged, cost_source: 'logged', estimated: false };
    return UNPRICED;
  };

  return { version: table.version, warnings: table.warnings, table, preferLoggedCost: preferLogged, price, lookup: table.lookup, breakdown };
}
