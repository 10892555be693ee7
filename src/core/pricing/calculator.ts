// The cost calculator: what a workload would cost on one model, or on two or three side by side.
import { costOfUsage } from './pricer';
import type { PriceTable } from './priceTable';

/** What the calculator needs from a table (PriceTable and Pricer.table both fit). */
export type PriceLookup = Pick<PriceTable, 'lookup' | 'pricesAt'>;

export interface CalculatorInput {
  model: string;
  provider?: string | null;
  requestsPerDay: number;
  /** input tokens per request (all of them, cached included) */
  inputTokens: number;
  /** output tokens per request (reasoning included) */
  outputTokens: number;
  /** share of the input tokens read from the provider's prompt cache, 0..1 */
  cachedShare: number;
  batch?: boolean;
  /** days in a month for the monthly figure; default 30 */
  monthDays?: number;
  /** price at this time (UTC ms) when the table has dated prices; default now */
  at?: number;
}

export interface CalculatorResult {
  model: string;
  /** the table row the name resolved to, null = unpriced */
  resolvedModel: string | null;
  provider: string | null;
  perRequest: number | null;
  perDay: number | null;
  perMonth: number | null;
  monthDays: number;
  estimated: boolean;
  notes: string[];
}

const clampShare = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
const nonNeg = (x: number): number => (Number.isFinite(x) && x > 0 ? x : 0);

export function calculate(input: CalculatorInput, table: PriceLookup): CalculatorResult {
  const monthDays = input.monthDays && input.monthDays > 0 ? input.monthDays : 30;
  const notes: string[] = [`a month is ${monthDays} days`, 'cache writes are not included'];
  const m = table.lookup(input.model, input.provider);
  if (!m) {
    return {
      model: input.model, resolvedModel: null, provider: null, perRequest: null, perDay: null, perMonth: null, monthDays,
      estimated: false, notes: [`"${input.model}" is not in the price table: add it in apiMonitor.pricing.overrides`],
    };
  }
  const inTok = nonNeg(input.inputTokens);
  const b = costOfUsage(table.pricesAt(m.entry, input.at ?? Date.now()), {
    input: inTok, output: nonNeg(input.outputTokens), cacheRead: inTok * clampShare(input.cachedShare),
    cacheWrite: 0, cacheWrite1h: 0, cacheWriteSplitKnown: true, batch: input.batch === true,
  });
  if (b.tierAbove !== null) notes.push(`long-context price: requests above ${b.tierAbove} input tokens`);
  notes.push(...b.assumptions);
  const perDay = b.total * nonNeg(input.requestsPerDay);
  return {
    model: input.model, resolvedModel: m.entry.model, provider: m.entry.provider, perRequest: b.total, perDay,
    perMonth: perDay * monthDays, monthDays, estimated: b.estimated, notes,
  };
}

/** The same workload on several models (two or three side by side), in the order given. */
export function compare(models: string[], workload: Omit<CalculatorInput, 'model'>, table: PriceLookup): CalculatorResult[] {
  return models.map(model => calculate({ ...workload, model }, table));
}
