// The price table: the bundled data of @pydantic/genai-prices turned into our own rows, plus the
// user's overrides, plus the name matching. Only the library's bundled data is read: updatePrices /
// waitForUpdate (which fetch) are never called, so nothing here touches the network.
import { findProvider } from '@pydantic/genai-prices';
import type { MatchLogic, ModelInfo, ModelPrice, Provider } from '@pydantic/genai-prices';
import type {
  ModelPrices, PriceConstraint, PriceEntry, PriceMatch, PriceOverride, PriceOverrides, PricePeriod, PriceSource, Rate,
} from './types';

/** Version of the installed library (a unit test checks it against node_modules). */
export const GENAI_PRICES_VERSION = '0.1.8';

// The library exports no list of its providers, only findProvider(): these are the ids of its bundled
// data (0.1.8). First-party providers come first: when a name is known to several providers and the
// call says nothing about its provider, the first one here wins.
const PROVIDER_IDS: readonly string[] = [
  'openai', 'anthropic', 'google', 'mistral', 'deepseek', 'x-ai', 'cohere', 'moonshotai', 'zhipuai', 'zai', 'minimax',
  'voyageai', 'perplexity', 'arcee', 'cursor', 'typesafe', 'aws', 'azure', 'groq', 'cerebras', 'together', 'fireworks',
  'cloudflare', 'baseten', 'novita', 'avian', 'doubleword', 'modal', 'ovhcloud', 'quicksilverpro',
  'github-copilot', 'openrouter', 'huggingface_cerebras', 'huggingface_fireworks-ai', 'huggingface_groq',
  'huggingface_hyperbolic', 'huggingface_nebius', 'huggingface_novita', 'huggingface_nscale', 'huggingface_ovhcloud',
  'huggingface_publicai', 'huggingface_sambanova', 'huggingface_together',
];
// Resellers and routers: their rows are used when the call names them as provider, or when no
// first-party row knows the name (their prices of first-party models may differ or lag).
const FIRST_PARTY = new Set(['openai', 'anthropic', 'google', 'mistral', 'deepseek', 'x-ai', 'cohere', 'moonshotai',
  'zhipuai', 'zai', 'minimax', 'voyageai', 'perplexity', 'arcee', 'cursor', 'typesafe']);

// Batch-API discounts the library does not carry (checked on the providers' pricing pages):
// OpenAI Batch API, Anthropic Message Batches, Gemini Batch Mode and Azure OpenAI Global Batch are 50 % off.
const BATCH_DISCOUNT: Readonly<Record<string, number>> = { openai: 0.5, anthropic: 0.5, google: 0.5, azure: 0.5 };

export interface PriceTable {
  /** `genai-prices@<version>` plus a hash of the overrides */
  version: string;
  warnings: string[];
  /** every row; bundled rows keyed `provider/model`, override rows keyed by name */
  entries: PriceEntry[];
  /** resolve a model name as written in a log; null = unpriced. Cached per (name, provider). */
  lookup(model: string, provider?: string | null): PriceMatch | null;
  /** the prices of an entry that apply at a time (UTC ms) */
  pricesAt(entry: PriceEntry, ts: number): ModelPrices;
  /** rows of one provider (bundled), for family comparisons */
  providerEntries(provider: string): PriceEntry[];
}

export interface PriceTableOptions {
  overrides?: unknown;
  workspaceOverridesText?: string;
}

// ---------------------------------------------------------------- reading the library

function num(v: unknown): Rate | null {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (typeof v === 'object' && v !== null && typeof (v as { base?: unknown }).base === 'number' && Array.isArray((v as { tiers?: unknown }).tiers)) {
    const t = v as { base: number; tiers: { start: number; price: number }[] };
    return { base: t.base, tiers: t.tiers.map(x => ({ start: x.start, price: x.price })).sort((a, b) => a.start - b.start) };
  }
  return null;
}

function toPrices(p: ModelPrice, provider: string): ModelPrices | null {
  const input = num(p.input_mtok);
  const output = num(p.output_mtok);
  // Rows without token prices (per-request, audio-hours, images only) cannot price a token record.
  if (input === null && output === null) return null;
  return {
    input: input ?? 0,
    output: output ?? 0,
    cacheRead: num(p.cache_read_mtok),
    cacheWrite5m: num(p.cache_write_mtok),
    cacheWrite1h: num(p.cache_write_1h_mtok),
    batchDiscount: BATCH_DISCOUNT[provider] ?? null,
  };
}

function hms(s: string): number {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?/.exec(s);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0) : 0;
}

function toPeriods(m: ModelInfo, provider: string): PricePeriod[] {
  if (!Array.isArray(m.prices)) {
    const p = toPrices(m.prices, provider);
    return p ? [{ when: { kind: 'always' }, prices: p }] : [];
  }
  const out: PricePeriod[] = [];
  for (const cp of m.prices) {
    const p = toPrices(cp.prices, provider);
    if (!p) continue;
    let when: PriceConstraint = { kind: 'always' };
    const c = cp.constraint;
    if (c && c.type === 'start_date') when = { kind: 'from', ts: Date.parse(`${c.start_date}T00:00:00Z`) };
    else if (c && c.type === 'time_of_date') when = { kind: 'timeOfDay', startSec: hms(c.start_time), endSec: hms(c.end_time) };
    out.push({ when, prices: p });
  }
  return out;
}

/** Names a rule accepts as a whole (equals and starts_with values, not under `and`). */
function exactNames(rule: MatchLogic, out: string[]): void {
  if ('or' in rule) for (const r of rule.or) exactNames(r, out);
  else if ('equals' in rule) out.push(rule.equals.toLowerCase());
  else if ('starts_with' in rule) out.push(rule.starts_with.toLowerCase());
}

const regexCache = new Map<string, RegExp | null>();
function compiled(src: string): RegExp | null {
  let r = regexCache.get(src);
  if (r === undefined) {
    try { r = new RegExp(src); } catch { r = null; }
    regexCache.set(src, r);
  }
  return r;
}

function matches(rule: MatchLogic, name: string): boolean {
  if ('or' in rule) return rule.or.some(r => matches(r, name));
  if ('and' in rule) return rule.and.every(r => matches(r, name));
  if ('equals' in rule) return name === rule.equals.toLowerCase();
  if ('starts_with' in rule) return name.startsWith(rule.starts_with.toLowerCase());
  if ('ends_with' in rule) return name.endsWith(rule.ends_with.toLowerCase());
  if ('contains' in rule) return name.includes(rule.contains.toLowerCase());
  if ('regex' in rule) return compiled(rule.regex)?.test(name) ?? false;
  return false;
}

interface BundledModel { entry: PriceEntry; rule: MatchLogic }
interface BundledProvider { id: string; info: Provider; models: BundledModel[] }

let bundledCache: { providers: BundledProvider[]; hash: string } | null = null;

function loadBundled(): { providers: BundledProvider[]; hash: string } {
  if (bundledCache) return bundledCache;
  const providers: BundledProvider[] = [];
  const seen = new Set<string>();
  let h = FNV_OFFSET;
  for (const id of PROVIDER_IDS) {
    if (seen.has(id)) continue;
    seen.add(id);
    const info = findProvider({ providerId: id });
    if (!info || info.id !== id) continue;
    const models: BundledModel[] = [];
    for (const m of info.models) {
      const periods = toPeriods(m, id);
      if (!periods.length) continue;
      models.push({ entry: { model: m.id.toLowerCase(), provider: id, source: 'bundled', periods }, rule: m.match });
      h = fnv(h, `${id}/${m.id}:${JSON.stringify(m.prices)}`);
    }
    providers.push({ id, info, models });
  }
  bundledCache = { providers, hash: hex(h) };
  return bundledCache;
}

// ---------------------------------------------------------------- overrides

const FNV_OFFSET = 0x811c9dc5;
function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
  return h;
}
function hex(h: number): string { return h.toString(16).padStart(8, '0'); }

const OVERRIDE_KEYS = ['input', 'output', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h'] as const;

/**
 * Validate an overrides object (settings or file). Untrusted: bad rows are dropped with a warning,
 * never thrown. Keys are lower-cased and trimmed.
 */
export function parseOverrides(raw: unknown, sourceName: string): { overrides: PriceOverrides; warnings: string[] } {
  const overrides: PriceOverrides = {};
  const warnings: string[] = [];
  if (raw === undefined || raw === null) return { overrides, warnings };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    warnings.push(`${sourceName}: expected an object { "model": { "input": ..., "output": ... } }, ignored`);
    return { overrides, warnings };
  }
  for (const [name, row] of Object.entries(raw as Record<string, unknown>)) {
    const key = name.trim().toLowerCase();
    if (!key) { warnings.push(`${sourceName}: empty model name ignored`); continue; }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      warnings.push(`${sourceName}: "${name}" is not an object, ignored`);
      continue;
    }
    const r = row as Record<string, unknown>;
    const out: Partial<PriceOverride> = {};
    let bad = '';
    for (const k of OVERRIDE_KEYS) {
      const v = r[k];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) { bad = `${k} must be a number >= 0`; break; }
      out[k] = v;
    }
    if (!bad && (out.input === undefined || out.output === undefined)) bad = 'input and output are required';
    if (bad) { warnings.push(`${sourceName}: "${name}" ignored: ${bad}`); continue; }
    overrides[key] = out as PriceOverride;
  }
  return { overrides, warnings };
}

/** Parse `.vscode/api-monitor-prices.json` (the caller reads the file). */
export function parseWorkspaceOverridesText(text: string, sourceName = '.vscode/api-monitor-prices.json'): { overrides: PriceOverrides; warnings: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { overrides: {}, warnings: [`${sourceName}: not valid JSON (${e instanceof Error ? e.message : String(e)}), ignored`] };
  }
  return parseOverrides(raw, sourceName);
}

function rateBase(r: Rate | null): number | null {
  return r === null ? null : typeof r === 'number' ? r : r.base;
}

/**
 * A price that looks off by a factor of 1000 or more: a per-token (0.0000025) or per-thousand
 * (0.0025) price typed where per-million is expected, or a per-billion one. Compared with the
 * bundled price of the same model when there is one, else with the range real prices live in.
 */
export function suspiciousPriceWarning(name: string, o: PriceOverride, bundled: ModelPrices | null, sourceName: string): string | null {
  const problems: string[] = [];
  for (const k of OVERRIDE_KEYS) {
    const v = o[k];
    if (v === undefined || v === 0) continue;
    const ref = bundled ? rateBase(k === 'input' ? bundled.input : k === 'output' ? bundled.output
      : k === 'cacheRead' ? bundled.cacheRead : k === 'cacheWrite5m' ? bundled.cacheWrite5m : bundled.cacheWrite1h) : null;
    if (ref !== null && ref > 0) {
      const ratio = v / ref;
      if (ratio <= 1 / 500 || ratio >= 500) problems.push(`${k} ${v} is ${ratio < 1 ? `1/${Math.round(1 / ratio)}` : `${Math.round(ratio)}x`} of the bundled ${ref}`);
    } else if (v < 0.001) {
      // cheapest real per-million prices are about $0.005 (cache reads of nano models)
      problems.push(`${k} ${v} looks like a price per token (per million would be ${v * 1e6})`);
    } else if (v > 5000) {
      problems.push(`${k} ${v} is more than $5,000 per million tokens`);
    }
  }
  if (!problems.length) return null;
  return `${sourceName}: price of "${name}" looks off by 1000 or more (prices are USD per million tokens): ${problems.join('; ')}`;
}

function overrideEntry(key: string, o: PriceOverride, source: PriceSource): PriceEntry {
  return {
    model: key, provider: null, source, periods: [{
      when: { kind: 'always' },
      prices: {
        input: o.input, output: o.output, cacheRead: o.cacheRead ?? null, cacheWrite5m: o.cacheWrite5m ?? null,
        cacheWrite1h: o.cacheWrite1h ?? null, batchDiscount: null,
      },
    }],
  };
}

// ---------------------------------------------------------------- name variants

// Prefixes a router or cloud puts before the model name: "openai/gpt-4o", "bedrock/anthropic.claude-...",
// "us.anthropic.claude-...", "vertex_ai/gemini-...".
const PREFIXES: readonly RegExp[] = [
  /^[a-z0-9_.-]+\/(?=[^/])/, // any "router/" segment; applied repeatedly, so "bedrock/anthropic." also peels
  /^(?:us|eu|apac|au|jp|ca|us-gov|global)\.(?=[a-z])/, // Bedrock cross-region inference profiles
  /^(?:anthropic|amazon|meta|mistral|cohere|ai21|openai|deepseek|qwen|writer|google|moonshot|xai)\.(?=[a-z])/,
];
// Date and version suffixes, most specific first.
const SUFFIXES: readonly RegExp[] = [
  /-v\d+(?::\d+)?$/, // Bedrock "-v1:0", "-v2:0"
  /:\d+$/,
  /@(?:\d{8}|latest|\d{3})$/, // Vertex "claude-sonnet-4-5@20250929"
  /-\d{4}-\d{2}-\d{2}$/, // OpenAI "-2024-11-20"
  /-\d{8}$/, // Anthropic "-20250929"
  /-latest$/,
  /-\d{4}$/, // "-0125", "-2407"
  /-\d{3}$/, // Gemini "-001", "-002"
];

/** Every name to try, longest first (a longer known name always beats a shorter one). */
export function nameVariants(name: string): string[] {
  const seen = new Set<string>([name]);
  const queue = [name];
  while (queue.length && seen.size < 64) {
    const n = queue.shift() as string;
    for (const re of [...PREFIXES, ...SUFFIXES]) {
      const v = n.replace(re, '');
      if (v && v !== n && !seen.has(v)) { seen.add(v); queue.push(v); }
    }
  }
  // Stable: equal lengths keep discovery order (prefix removal before suffix removal).
  return [...seen].map((v, i) => ({ v, i })).sort((a, b) => b.v.length - a.v.length || a.i - b.i).map(x => x.v);
}

// ---------------------------------------------------------------- the table

function constraintHolds(c: PriceConstraint, ts: number): boolean {
  if (c.kind === 'always') return true;
  if (c.kind === 'from') return ts >= c.ts;
  const d = new Date(ts);
  const s = d.getUTCHours() * 3600 + d.getUTCMinutes() * 60 + d.getUTCSeconds();
  return c.endSec < c.startSec ? s >= c.startSec || s < c.endSec : s >= c.startSec && s < c.endSec;
}

export function pricesAt(entry: PriceEntry, ts: number): ModelPrices {
  const ps = entry.periods;
  if (ps.length === 1 || !Number.isFinite(ts)) return ps[0].prices;
  for (let i = ps.length - 1; i >= 0; i--) if (constraintHolds(ps[i].when, ts)) return ps[i].prices;
  return ps[0].prices;
}

const MAX_MODEL_NAME = 256;

export function createPriceTable(opts: PriceTableOptions = {}): PriceTable {
  const bundled = loadBundled();
  const warnings: string[] = [];
  const settings = parseOverrides(opts.overrides, 'apiMonitor.pricing.overrides');
  const workspace = opts.workspaceOverridesText !== undefined && opts.workspaceOverridesText.trim() !== ''
    ? parseWorkspaceOverridesText(opts.workspaceOverridesText) : { overrides: {}, warnings: [] };
  warnings.push(...settings.warnings, ...workspace.warnings);

  // exact name -> bundled rows (all providers), in provider priority order
  const exact = new Map<string, BundledModel[]>();
  const byProvider = new Map<string, BundledProvider>();
  for (const p of bundled.providers) {
    byProvider.set(p.id, p);
    for (const m of p.models) {
      const names = [m.entry.model];
      exactNames(m.rule, names);
      for (const n of new Set(names)) {
        const list = exact.get(n);
        if (!list) exact.set(n, [m]); else if (!list.includes(m)) list.push(m);
      }
    }
  }

  // Workspace file wins over settings: it is the more specific of the two.
  const overrideRows = new Map<string, PriceEntry>();
  const addOverrides = (o: PriceOverrides, source: PriceSource, sourceName: string): void => {
    for (const [key, row] of Object.entries(o)) {
      const ref = exact.get(key)?.[0];
      const w = suspiciousPriceWarning(key, row, ref ? ref.entry.periods[ref.entry.periods.length - 1].prices : null, sourceName);
      if (w) warnings.push(w);
      overrideRows.set(key, overrideEntry(key, row, source));
    }
  };
  addOverrides(settings.overrides, 'settings', 'apiMonitor.pricing.overrides');
  addOverrides(workspace.overrides, 'workspace', '.vscode/api-monitor-prices.json');

  let oh = FNV_OFFSET;
  for (const [k, e] of [...overrideRows].sort((a, b) => (a[0] < b[0] ? -1 : 1))) oh = fnv(oh, `${e.source}:${k}:${JSON.stringify(e.periods[0].prices)}`);
  const version = `genai-prices@${GENAI_PRICES_VERSION}+data.${bundled.hash}` + (overrideRows.size ? `+overrides.${hex(oh)}` : '');

  const providerHint = new Map<string, BundledProvider | null>();
  const resolveProvider = (p: string | null | undefined): BundledProvider | null => {
    if (!p) return null;
    const k = p.trim().toLowerCase();
    let r = providerHint.get(k);
    if (r === undefined) {
      const info = findProvider({ providerId: k });
      r = info ? byProvider.get(info.id) ?? null : null;
      providerHint.set(k, r);
    }
    return r;
  };

  // The provider a bare model name belongs to, by the library's model_match rules.
  const ownerOf = (name: string): BundledProvider | null => {
    for (const p of bundled.providers) if (p.info.model_match && matches(p.info.model_match, name)) return p;
    return null;
  };

  const pick = (list: BundledModel[], hint: BundledProvider | null, name: string, anyProvider: boolean): BundledModel | null => {
    if (hint) {
      const own = list.find(m => m.entry.provider === hint.id);
      if (own) return own;
      for (const fb of hint.info.fallback_model_providers ?? []) {
        const f = list.find(m => m.entry.provider === fb);
        if (f) return f;
      }
    }
    const owner = ownerOf(name);
    if (owner) {
      const own = list.find(m => m.entry.provider === owner.id);
      if (own) return own;
    }
    return list.find(m => anyProvider || FIRST_PARTY.has(m.entry.provider as string)) ?? null;
  };

  const withOverride = (m: PriceMatch): PriceMatch => {
    const o = overrideRows.get(m.entry.model);
    return o ? { ...m, entry: o } : m;
  };

  const ruleMatch = (name: string, hint: BundledProvider | null): BundledModel | null => {
    const pools: BundledProvider[] = [];
    if (hint) {
      pools.push(hint);
      for (const fb of hint.info.fallback_model_providers ?? []) { const p = byProvider.get(fb); if (p) pools.push(p); }
    }
    const owner = ownerOf(name);
    if (owner && !pools.includes(owner)) pools.push(owner);
    for (const p of pools) {
      let best: BundledModel | null = null;
      for (const m of p.models) {
        if (matches(m.rule, name) && (!best || m.entry.model.length > best.entry.model.length)) best = m;
      }
      if (best) return best;
    }
    return null;
  };

  const cache = new Map<string, PriceMatch | null>();
  const lookup = (model: string, provider?: string | null): PriceMatch | null => {
    if (typeof model !== 'string') return null;
    const key = `${provider ?? ''}\u0000${model}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    let result: PriceMatch | null = null;
    const name = model.trim().toLowerCase();
    // Longer than any real model id: a garbled field, not worth matching (and bounded work).
    if (name && name.length <= MAX_MODEL_NAME) {
      const hint = resolveProvider(provider);
      const variants = nameVariants(name);
      // 1. exact names (overrides, then first-party or the named provider), longest variant first
      for (let i = 0; i < variants.length && !result; i++) {
        const v = variants[i];
        const how = i === 0 ? 'exact' : 'stripped';
        const o = overrideRows.get(v);
        if (o) { result = { entry: o, matchedName: v, how }; break; }
        const list = exact.get(v);
        const m = list ? pick(list, hint, v, false) : null;
        if (m) result = withOverride({ entry: m.entry, matchedName: v, how });
      }
      // 2. the library's match rules (starts_with, contains, regex), longest model id wins
      for (let i = 0; i < variants.length && !result; i++) {
        const m = ruleMatch(variants[i], hint);
        if (m) result = withOverride({ entry: m.entry, matchedName: variants[i], how: 'rule' });
      }
      // 3. a reseller's or router's row for the name
      for (let i = 0; i < variants.length && !result; i++) {
        const list = exact.get(variants[i]);
        const m = list ? pick(list, hint, variants[i], true) : null;
        if (m) result = withOverride({ entry: m.entry, matchedName: variants[i], how: i === 0 ? 'exact' : 'stripped' });
      }
    }
    if (cache.size > 100_000) cache.clear(); // bounded: model names come from untrusted logs
    cache.set(key, result);
    return result;
  };

  const entries = [...overrideRows.values(), ...bundled.providers.flatMap(p => p.models.map(m => m.entry))];
  return {
    version, warnings, entries, lookup, pricesAt,
    providerEntries: (p: string): PriceEntry[] => (byProvider.get(p)?.models ?? []).map(m => m.entry),
  };
}
