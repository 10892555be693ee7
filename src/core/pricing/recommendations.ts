// Recommendations, each with a monthly savings figure computed from the user's own aggregates.
// Every figure states its basis; nothing here is a made-up constant saving.
import { countOf, formatInt, plural } from '../../shared/text';
import { formatUsd } from './format';
import { costOfUsage } from './pricer';
import type { PriceTable } from './priceTable';
import type { ModelPrices, PriceEntry, Rate, TokenUsage } from './types';

/** Aggregates of one endpoint+model over a window (what the store's GROUP BY gives). */
export interface EndpointModelAggregate {
  endpoint: string;
  model: string | null;
  provider: string | null;
  calls: number;
  /** calls with a cost (logged or computed) */
  pricedCalls: number;
  costUsd: number;
  failedCalls: number;
  /** cost of the failed calls (they are billed when the provider returned usage) */
  failedCostUsd: number;
  /** calls with token usage */
  usageCalls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  cacheWrite1hTokens: number;
  /** calls whose request_hash equals an earlier call's in the window (all but the first of each hash) */
  duplicateCalls: number;
  /** cost of those repeated calls */
  duplicateCostUsd: number;
}

export type RecommendationKind = 'response-cache' | 'prompt-cache' | 'failures' | 'cheaper-model';

export interface Recommendation {
  kind: RecommendationKind;
  endpoint: string;
  model?: string;
  title: string;
  detail: string;
  monthlySavingsUsd: number;
  /** how the figure was computed and what it assumes */
  basis: string;
}

export interface RecommendationInput {
  rows: EndpointModelAggregate[];
  /** length of the window the aggregates cover, in days (> 0) */
  windowDays: number;
  monthDays?: number;
  /**
   * Prompt caching: the share of the uncached input assumed to be a repeated prefix. There is no way
   * to see prompt overlap in aggregates, so this is an explicit assumption, stated in the basis.
   */
  promptCacheableShare?: number;
  /** price at this time (UTC ms); default now */
  at?: number;
}

/** Prompt caching needs a prefix of at least this many tokens (OpenAI and Anthropic minimum). */
const MIN_CACHEABLE_PROMPT = 1024;
// one rounding rule for money everywhere: thousands separators, a positive amount under a cent reads <$0.01
const money = (x: number): string => formatUsd(x);
const base = (r: Rate | null): number | null => (r === null ? null : typeof r === 'number' ? r : r.base);

/** Cost of summed usage, priced as `usageCalls` average requests (so long-context tiers are decided per request). */
function costOfSums(p: ModelPrices, a: EndpointModelAggregate): number {
  const n = a.usageCalls;
  const avg: TokenUsage = {
    input: a.inputTokens / n, output: a.outputTokens / n, cacheRead: a.cacheReadTokens / n, cacheWrite: a.cacheWriteTokens / n,
    cacheWrite1h: a.cacheWrite1hTokens / n, cacheWriteSplitKnown: true, batch: false,
  };
  return costOfUsage(p, avg).total * n;
}

const TIERS = ['haiku', 'sonnet', 'opus'];

/**
 * The next cheaper model of the same provider and family: claude-opus -> claude-sonnet -> claude-haiku
 * of the same major version; gpt-4o -> gpt-4o-mini (-mini, -nano, -lite suffixes); gemini-x-pro ->
 * gemini-x-flash -> gemini-x-flash-lite. Only rows cheaper on both input and output count.
 */
export function cheaperSiblings(entry: PriceEntry, table: Pick<PriceTable, 'providerEntries' | 'pricesAt'>, at: number): PriceEntry[] {
  if (!entry.provider) return [];
  const id = entry.model;
  const pool = table.providerEntries(entry.provider);
  const cur = table.pricesAt(entry, at);
  const cheaper = (e: PriceEntry): boolean => {
    const p = table.pricesAt(e, at);
    const ci = base(cur.input) ?? 0; const co = base(cur.output) ?? 0;
    const pi = base(p.input) ?? 0; const po = base(p.output) ?? 0;
    return pi <= ci && po <= co && (pi < ci || po < co);
  };
  let cands: PriceEntry[] = [];
  const claude = /^claude-(opus|sonnet|haiku)-(\d+)(?:-(\d+))?$/.exec(id) ?? null;
  const claudeOld = /^claude-(\d+)(?:-(\d+))?-(opus|sonnet|haiku)$/.exec(id) ?? null;
  if (claude || claudeOld) {
    const tier = claude ? claude[1] : claudeOld![3];
    const major = claude ? claude[2] : claudeOld![1];
    const t = TIERS.indexOf(tier);
    cands = pool.filter(e => {
      const c = /^claude-(opus|sonnet|haiku)-(\d+)(?:-(\d+))?$/.exec(e.model) ?? null;
      const o = /^claude-(\d+)(?:-(\d+))?-(opus|sonnet|haiku)(?:-latest)?$/.exec(e.model) ?? null;
      const ct = c ? c[1] : o ? o[3] : null;
      const cm = c ? c[2] : o ? o[1] : null;
      return ct !== null && cm === major && TIERS.indexOf(ct) < t;
    });
  } else {
    const names = new Set([`${id}-mini`, `${id}-nano`, `${id}-lite`, `${id}-flash`, `${id}-flash-lite`]);
    if (id.endsWith('-pro')) { names.add(`${id.slice(0, -4)}-flash`); names.add(`${id.slice(0, -4)}-flash-lite`); }
    cands = pool.filter(e => names.has(e.model));
  }
  return cands.filter(e => e !== entry && cheaper(e));
}

/** Recommendations sorted by monthly savings, largest first. Rows with nothing to save give none. */
export function recommend(input: RecommendationInput, table: PriceTable): Recommendation[] {
  const out: Recommendation[] = [];
  if (!(input.windowDays > 0)) return out;
  const monthDays = input.monthDays && input.monthDays > 0 ? input.monthDays : 30;
  const scale = monthDays / input.windowDays;
  const windowDays = +input.windowDays.toFixed(2);
  const window = `the last ${windowDays} ${plural(windowDays, 'day')}, scaled to ${countOf(monthDays, 'day')}`;
  const share = input.promptCacheableShare !== undefined && input.promptCacheableShare > 0 && input.promptCacheableShare <= 1 ? input.promptCacheableShare : 0.5;
  const at = input.at ?? Date.now();

  // an endpoint seen with several models gets one recommendation per model: the title names the
  // model so two cards never read the same
  const modelsOf = new Map<string, Set<string | null>>();
  for (const a of input.rows) {
    let set = modelsOf.get(a.endpoint);
    if (!set) { set = new Set(); modelsOf.set(a.endpoint, set); }
    set.add(a.model);
  }

  for (const a of input.rows) {
    const model = a.model ?? undefined;
    const where = (modelsOf.get(a.endpoint)?.size ?? 0) > 1 ? `${a.endpoint} (${a.model ?? 'no model'})` : a.endpoint;
    if (a.duplicateCalls > 0 && a.duplicateCostUsd > 0) {
      out.push({
        kind: 'response-cache', endpoint: a.endpoint, model,
        title: `Cache repeated requests to ${where}`,
        detail: `${formatInt(a.duplicateCalls)} of ${countOf(a.calls, 'call')} repeated an identical earlier request (same request hash) and cost ${money(a.duplicateCostUsd)}.`,
        monthlySavingsUsd: a.duplicateCostUsd * scale,
        basis: `cost of the repeated calls over ${window}; assumes a cached answer would have been acceptable for them`,
      });
    }
    if (a.failedCalls > 0 && a.failedCostUsd > 0) {
      out.push({
        kind: 'failures', endpoint: a.endpoint, model,
        title: `Failing calls to ${where} cost money`,
        detail: `${countOf(a.failedCalls, 'failed call')} ${plural(a.failedCalls, 'was', 'were')} billed ${money(a.failedCostUsd)}.`,
        monthlySavingsUsd: a.failedCostUsd * scale,
        basis: `cost of failed calls over ${window}; fixing the cause (or not retrying) would avoid it`,
      });
    }
    const m = a.model ? table.lookup(a.model, a.provider) : null;
    if (!m || a.usageCalls <= 0) continue;
    const p = table.pricesAt(m.entry, at);
    const cur = costOfSums(p, a);

    const inRate = base(p.input) ?? 0;
    const readRate = base(p.cacheRead);
    const avgIn = a.inputTokens / a.usageCalls;
    const readShare = a.inputTokens > 0 ? a.cacheReadTokens / a.inputTokens : 0;
    if (readRate !== null && readRate < inRate && avgIn >= MIN_CACHEABLE_PROMPT && readShare < share && a.usageCalls >= 2) {
      const uncached = Math.max(0, a.inputTokens - a.cacheReadTokens - a.cacheWriteTokens);
      const cacheable = uncached * share;
      const saved = (cacheable * (inRate - readRate)) / 1e6;
      const w5 = base(p.cacheWrite5m);
      if (saved > 0) {
        out.push({
          kind: 'prompt-cache', endpoint: a.endpoint, model,
          title: `Use prompt caching on ${where}`,
          detail: `Calls average ${countOf(avgIn, 'input token')} and only ${(readShare * 100).toFixed(1)} % are read from the provider cache.`,
          monthlySavingsUsd: saved * scale,
          basis: `assumes ${Math.round(share * 100)} % of the uncached input (${countOf(uncached, 'token')} over ${window}) is a repeated prefix read at $${readRate}/M instead of $${inRate}/M`
            + (w5 !== null && w5 > inRate ? `; the cache-write surcharge ($${w5}/M vs $${inRate}/M, paid when the prefix is written) is not deducted` : ''),
        });
      }
    }

    // The nearest cheaper step: the most expensive of the cheaper siblings on these tokens.
    let best: { e: PriceEntry; cost: number } | null = null;
    for (const e of cheaperSiblings(m.entry, table, at)) {
      const c = costOfSums(table.pricesAt(e, at), a);
      if (c < cur && (!best || c > best.cost)) best = { e, cost: c };
    }
    if (best) {
      out.push({
        kind: 'cheaper-model', endpoint: a.endpoint, model,
        title: `Try ${best.e.model} instead of ${m.entry.model} on ${a.endpoint}`,
        detail: `The same tokens would have cost ${money(best.cost)} on ${best.e.model} instead of ${money(cur)} on ${m.entry.model}.`,
        monthlySavingsUsd: (cur - best.cost) * scale,
        basis: `this endpoint's token sums (${countOf(a.usageCalls, 'call')}) priced on both models over ${window}; answer quality is not compared`,
      });
    }
  }
  return out.sort((x, y) => y.monthlySavingsUsd - x.monthlySavingsUsd || (x.endpoint < y.endpoint ? -1 : 1));
}
