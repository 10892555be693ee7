// What caching saved: the app's own response cache and the provider's prompt cache, per endpoint,
// plus a what-if for a higher response-cache hit rate. Inputs are aggregates the store queries.
import type { PriceLookup } from './calculator';
import { countOf, plural } from '../../shared/text';
import { rateFor } from './pricer';
import type { Rate } from './types';

/** Per endpoint+model: response-cache hits and what the non-cached calls cost. */
export interface ResponseCacheRow {
  endpoint: string;
  model: string | null;
  /** calls served from the app's cache (response_cache_hit = true) */
  hits: number;
  /** non-cached calls (response_cache_hit false or unknown) that have a cost */
  nonCachedPricedCalls: number;
  /** their summed cost, unrounded */
  nonCachedCostUsd: number;
}

export interface ResponseCacheSaving {
  endpoint: string;
  model: string | null;
  hits: number;
  /** average cost of a non-cached call; null when there is none to learn from */
  avgNonCachedCost: number | null;
  /** hits x average; null when the average is unknown */
  savedUsd: number | null;
}

/** A cache hit costs nothing; it saved what the same endpoint+model cost on average when not cached. */
export function responseCacheSavings(rows: ResponseCacheRow[]): ResponseCacheSaving[] {
  return rows.map(r => {
    const avg = r.nonCachedPricedCalls > 0 ? r.nonCachedCostUsd / r.nonCachedPricedCalls : null;
    return { endpoint: r.endpoint, model: r.model, hits: r.hits, avgNonCachedCost: avg, savedUsd: avg === null ? null : r.hits * avg };
  });
}

/** Per endpoint+model: provider prompt-cache token sums. */
export interface PromptCacheRow {
  endpoint: string;
  model: string | null;
  provider?: string | null;
  cacheReadTokens: number;
  /** cache writes billed at the 5-minute rate (including writes whose split is unknown) */
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
}

export interface PromptCacheSaving {
  endpoint: string;
  model: string | null;
  /** read discount minus write surcharge; null when the model is unpriced */
  savedUsd: number | null;
  readSavingUsd: number | null;
  writeSurchargeUsd: number | null;
}

const base = (r: Rate): number => rateFor(r, 0);

/**
 * saved = reads x (input - read price) - 5m writes x (5m write price - input) - 1h writes x (1h price - input).
 * Base (not long-context) rates: these are sums over many requests. A missing read price means no
 * discount (0); a missing write price means writes cost the input rate (no surcharge).
 */
export function promptCacheSavings(rows: PromptCacheRow[], table: PriceLookup, at: number = Date.now()): PromptCacheSaving[] {
  return rows.map(r => {
    const m = r.model ? table.lookup(r.model, r.provider) : null;
    if (!m) return { endpoint: r.endpoint, model: r.model, savedUsd: null, readSavingUsd: null, writeSurchargeUsd: null };
    const p = table.pricesAt(m.entry, at);
    const inRate = base(p.input);
    const readRate = p.cacheRead === null ? inRate : base(p.cacheRead);
    const w5 = p.cacheWrite5m === null ? inRate : base(p.cacheWrite5m);
    const w1 = p.cacheWrite1h === null ? w5 : base(p.cacheWrite1h);
    const readSaving = (Math.max(0, r.cacheReadTokens) * (inRate - readRate)) / 1e6;
    const surcharge = (Math.max(0, r.cacheWrite5mTokens) * (w5 - inRate) + Math.max(0, r.cacheWrite1hTokens) * (w1 - inRate)) / 1e6;
    return { endpoint: r.endpoint, model: r.model, savedUsd: readSaving - surcharge, readSavingUsd: readSaving, writeSurchargeUsd: surcharge };
  });
}

export interface EndpointSavings {
  endpoint: string;
  /** sum over the endpoint's models with a known figure; null when none is known */
  responseCacheSavedUsd: number | null;
  promptCacheSavedUsd: number | null;
  /** rows left out because their figure is unknown */
  unknownRows: number;
}

/** Both savings summed per endpoint, largest total first. */
export function savingsByEndpoint(response: ResponseCacheSaving[], prompt: PromptCacheSaving[]): EndpointSavings[] {
  const map = new Map<string, EndpointSavings>();
  const get = (e: string): EndpointSavings => {
    let s = map.get(e);
    if (!s) { s = { endpoint: e, responseCacheSavedUsd: null, promptCacheSavedUsd: null, unknownRows: 0 }; map.set(e, s); }
    return s;
  };
  for (const r of response) {
    const s = get(r.endpoint);
    if (r.savedUsd === null) { if (r.hits > 0) s.unknownRows++; } else s.responseCacheSavedUsd = (s.responseCacheSavedUsd ?? 0) + r.savedUsd;
  }
  for (const p of prompt) {
    const s = get(p.endpoint);
    if (p.savedUsd === null) s.unknownRows++; else s.promptCacheSavedUsd = (s.promptCacheSavedUsd ?? 0) + p.savedUsd;
  }
  const total = (s: EndpointSavings): number => (s.responseCacheSavedUsd ?? 0) + (s.promptCacheSavedUsd ?? 0);
  return [...map.values()].sort((a, b) => total(b) - total(a) || (a.endpoint < b.endpoint ? -1 : 1));
}

export interface WhatIfInput {
  /** calls in the window whose response-cache flag is known (hits + misses) */
  calls: number;
  hits: number;
  /** average cost of a non-cached call (from responseCacheSavings) */
  avgNonCachedCost: number | null;
  windowDays: number;
  /** the hit rate to reach, 0..1 */
  targetHitRate: number;
  monthDays?: number;
}

export interface WhatIfResult {
  currentHitRate: number | null;
  targetHitRate: number;
  /** extra hits per month at the target rate, at the window's call volume */
  extraHitsPerMonth: number | null;
  /** null when there is no average cost or no calls to scale from */
  monthlySavingsUsd: number | null;
  basis: string;
}

/** What raising the response-cache hit rate would save per month, from the user's own volume and costs. */
export function whatIfHitRate(w: WhatIfInput): WhatIfResult {
  const monthDays = w.monthDays && w.monthDays > 0 ? w.monthDays : 30;
  const target = Math.min(1, Math.max(0, Number.isFinite(w.targetHitRate) ? w.targetHitRate : 0));
  const current = w.calls > 0 ? w.hits / w.calls : null;
  if (current === null || !(w.windowDays > 0)) {
    return { currentHitRate: current, targetHitRate: target, extraHitsPerMonth: null, monthlySavingsUsd: null, basis: 'no calls with a known cache flag in the window' };
  }
  const callsPerMonth = (w.calls / w.windowDays) * monthDays;
  const extra = Math.max(0, target - current) * callsPerMonth;
  return {
    currentHitRate: current, targetHitRate: target, extraHitsPerMonth: extra,
    monthlySavingsUsd: w.avgNonCachedCost === null ? null : extra * w.avgNonCachedCost,
    basis: `${countOf(w.calls, 'call')} over ${+w.windowDays.toFixed(2)} ${plural(+w.windowDays.toFixed(2), 'day')} scaled to ${countOf(monthDays, 'day')}; each extra hit saves the average cost of a non-cached call`,
  };
}
