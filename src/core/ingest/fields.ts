// Maps one parsed log object (JSON line, array element, CSV row) onto the canonical CallRecord.
// Aliases are resolved once per "shape" (the record's key list) and cached, so the per-record cost
// is a handful of property reads instead of probing every alias on every line.
import { CallRecord, OriginRecord } from '../model';
import { parseTimestamp, TsResult, ZoneOffsets } from './timestamps';

/** Settings every mapper needs, built once per source. */
export interface MapContext {
  zones: ZoneOffsets;
  tsOut: TsResult;
  /** user field mapping: canonical field -> path segments; wins over aliases */
  mapping: Map<string, string[]> | null;
  plans: Map<string, Plan>;
  /** the shapes seen last, most recent first (a log alternates between a few: with or without cost, error...) */
  recent: Shape[];
}

/** A key list and its plan. */
export interface Shape { keys: string[]; plan: Plan }
/** recent shapes compared before the signature map: enough for a log's usual mix, cheap to scan */
const RECENT_SHAPES = 8;

export function makeContext(timeZone?: string, fieldMapping?: Record<string, string>): MapContext {
  let mapping: Map<string, string[]> | null = null;
  if (fieldMapping) {
    mapping = new Map();
    for (const [k, v] of Object.entries(fieldMapping)) if (typeof v === 'string' && v) mapping.set(k, v.split('.'));
    if (mapping.size === 0) mapping = null;
  }
  return { zones: new ZoneOffsets(timeZone), tsOut: { ms: NaN, zoneAssumed: false }, mapping, plans: new Map(), recent: [] };
}

// Aliases in priority order. Units of the latency aliases are documented in LATENCY_ALIASES.
const TS = ['ts', 'timestamp', 'ts_ms', 'ts_iso', 'time', '@timestamp', 'created', 'created_at', 'createdAt', 'startTime', 'start_time',
  'startedAt', 'started_at', 'start', 'date', 'datetime', 'request_time', 'requestTime', 'event_time'];
const END = ['endTime', 'end_time', 'end', 'completed_at', 'completedAt', 'finished_at', 'finishedAt', 'ended_at'];
const TTFT_ABS = ['completionStartTime', 'completion_start_time'];
const TTFT: [string, number][] = [['ttft_ms', 1], ['time_to_first_token_ms', 1], ['ttftMs', 1], ['ttft', 1000], ['time_to_first_token', 1000]];
const ENDPOINT = ['endpoint', 'route', 'path', 'url', 'uri', 'request_path', 'operation', 'call_type', 'name', 'api_route', 'api_base', 'object'];
/**
 * [alias, factor to ms]. `_ms`-suffixed names and the bare words `latency`, `response_time`,
 * `responseTime`, `elapsed`, `took` are milliseconds (what HTTP loggers write); `duration`,
 * `request_duration` and `_s`/`_seconds` names are seconds (Python `time.time()` differences, the
 * legacy snapshot); `_us` microseconds, `_ns` nanoseconds.
 */
export const LATENCY_ALIASES: [string, number][] = [
  ['latency_ms', 1], ['latencyMs', 1], ['duration_ms', 1], ['durationMs', 1], ['response_time_ms', 1], ['elapsed_ms', 1],
  ['time_ms', 1], ['request_duration_ms', 1], ['took_ms', 1],
  ['duration_s', 1000], ['duration_sec', 1000], ['duration_seconds', 1000], ['latency_s', 1000], ['latency_seconds', 1000],
  ['elapsed_s', 1000], ['elapsed_seconds', 1000], ['response_time_s', 1000],
  ['duration_us', 0.001], ['latency_us', 0.001], ['duration_ns', 1e-6], ['latency_ns', 1e-6],
  ['latency', 1], ['response_time', 1], ['responseTime', 1], ['elapsed', 1], ['took', 1],
  ['duration', 1000], ['request_duration', 1000],
];
const STATUS_CODE = ['status_code', 'statusCode', 'http_status', 'httpStatus', 'response_status', 'status'];
const STATUS_TEXT = ['status', 'outcome', 'state'];
const SUCCESS = ['success', 'ok', 'succeeded', 'is_success', 'successful'];
const ERROR = ['error', 'err', 'exception', 'error_message', 'errorMessage', 'error_str'];
const ERROR_TYPE = ['error_type', 'errorType', 'error_code', 'errorCode', 'exception_type', 'error_class'];
const MODEL = ['model', 'model_name', 'modelName', 'model_id', 'modelId', 'engine', 'deployment'];
const PROVIDER = ['provider', 'custom_llm_provider', 'llm_provider', 'api_provider', 'vendor', 'system'];
const METHOD = ['method', 'http_method', 'httpMethod', 'request_method', 'verb'];
const FUNCTION = ['function_name', 'functionName', 'function', 'caller', 'func', 'handler'];
const REQUEST_ID = ['request_id', 'requestId', 'req_id', 'litellm_call_id', 'call_id', 'id'];
const TRACE_ID = ['trace_id', 'traceId', 'trace'];
const RETRY = ['retry_count', 'retryCount', 'retries', 'num_retries', 'retry'];
const PRIORITY = ['priority'];
const COST = ['cost_usd', 'costUSD', 'cost', 'response_cost', 'spend', 'total_cost', 'price_usd'];
const CACHE_HIT = ['response_cache_hit', 'cache_hit', 'cacheHit', 'cached', 'from_cache'];
const BATCH = ['batch', 'is_batch', 'isBatch', 'batch_id', 'batchId'];
const HASH = ['request_hash', 'prompt_hash', 'cache_key', 'requestHash', 'promptHash'];
const USAGE = ['usage', 'usageMetadata', 'token_usage'];
const TOP_TOKENS = ['prompt_tokens', 'completion_tokens', 'input_tokens', 'output_tokens', 'total_tokens', 'tokens_used',
  'cache_read_input_tokens', 'cache_creation_input_tokens', 'promptTokenCount'];

/** Which key of a given shape feeds each canonical field (null: absent). */
export interface Plan {
  ts: string | null; end: string | null; ttftAbs: string | null; ttft: [string, number] | null;
  endpoint: string | null; latency: [string, number] | null; statusCode: string | null; statusText: string | null;
  success: string | null; error: string | null; errorType: string | null; model: string | null; provider: string | null;
  method: string | null; fn: string | null; requestId: string | null; traceId: string | null; retry: string | null;
  priority: string | null; cost: string | null; cacheHit: string | null; batch: string | null; hash: string | null;
  usage: string | null; topTokens: boolean;
  /** a first segment of USAGE_PATHS / MODEL_PATHS is a key of the shape (else those paths cannot match) */
  usageNested: boolean; modelNested: boolean;
}

function first(keys: Set<string>, aliases: string[]): string | null {
  for (const a of aliases) if (keys.has(a)) return a;
  return null;
}
function firstPair(keys: Set<string>, aliases: [string, number][]): [string, number] | null {
  for (const a of aliases) if (keys.has(a[0])) return a;
  return null;
}

function buildPlan(keyList: string[]): Plan {
  const keys = new Set(keyList);
  const statusCode = first(keys, STATUS_CODE);
  return {
    ts: first(keys, TS), end: first(keys, END), ttftAbs: first(keys, TTFT_ABS), ttft: firstPair(keys, TTFT),
    endpoint: first(keys, ENDPOINT), latency: firstPair(keys, LATENCY_ALIASES), statusCode,
    statusText: first(keys, STATUS_TEXT), success: first(keys, SUCCESS), error: first(keys, ERROR),
    errorType: first(keys, ERROR_TYPE), model: first(keys, MODEL), provider: first(keys, PROVIDER),
    method: first(keys, METHOD), fn: first(keys, FUNCTION), requestId: first(keys, REQUEST_ID),
    traceId: first(keys, TRACE_ID), retry: first(keys, RETRY), priority: first(keys, PRIORITY),
    cost: first(keys, COST), cacheHit: first(keys, CACHE_HIT), batch: first(keys, BATCH), hash: first(keys, HASH),
    usage: first(keys, USAGE), topTokens: first(keys, TOP_TOKENS) !== null,
    usageNested: USAGE_PATHS.some(path => keys.has(path[0])), modelNested: MODEL_PATHS.some(path => keys.has(path[0])),
  };
}

export function planFor(o: Record<string, unknown>, ctx: MapContext): Plan {
  const keyList = Object.keys(o);
  // Fast path: a log's lines nearly always have one of the last few lines' shapes; comparing key
  // lists avoids building a signature string per line (and a map lookup when two shapes alternate).
  const recent = ctx.recent;
  const n = keyList.length;
  for (let j = 0; j < recent.length; j++) {
    const sh = recent[j];
    const keys = sh.keys;
    if (keys.length !== n) continue;
    let i = 0;
    while (i < n && keys[i] === keyList[i]) i++;
    if (i === n) {
      if (j > 0) { recent[j] = recent[0]; recent[0] = sh; }
      return sh.plan;
    }
  }
  const sig = keyList.join('\u0001');
  let p = ctx.plans.get(sig);
  if (!p) {
    p = buildPlan(keyList);
    // Logs with free-form keys could create unbounded shapes; cap the cache.
    if (ctx.plans.size > 5000) ctx.plans.clear();
    ctx.plans.set(sig, p);
  }
  recent.unshift({ keys: keyList, plan: p });
  if (recent.length > RECENT_SHAPES) recent.pop();
  return p;
}

// ---- value coercion (log content is untrusted: never throw, never produce NaN) ----

export function num(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? v : NaN;
  if (typeof v === 'string' && v.length > 0 && v.length < 40) {
    const n = Number(v);
    return Number.isFinite(n) && v.trim() !== '' ? n : NaN;
  }
  return NaN;
}
/** non-negative count or 0 */
export function count(v: unknown): number {
  const n = num(v);
  return n >= 0 ? n : 0;
}
/** non-negative count or null */
function countOrNull(v: unknown): number | null {
  const n = num(v);
  return n >= 0 ? n : null;
}
const MAX_STR = 300;
export function str(v: unknown): string | null {
  if (typeof v === 'string') return v.length === 0 ? null : v.length > MAX_STR ? v.slice(0, MAX_STR) : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}
export function bool(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : null;
  if (typeof v === 'string') {
    switch (v.toLowerCase()) {
      case 'true': case '1': case 'yes': case 'y': return true;
      case 'false': case '0': case 'no': case 'n': return false;
    }
  }
  return null;
}
function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function pick(o: Record<string, unknown>, m: Map<string, string[]> | null, field: string, key: string | null): unknown {
  // a mapped path wins; when this record does not have it, the usual names still apply, so a mapping
  // written for one log does not make every other log unreadable
  if (m !== null) { const path = m.get(field); if (path) { const v = getPath(o, path); if (v !== undefined) return v; } }
  return key === null ? undefined : o[key];
}
function getPath(o: unknown, path: string[]): unknown {
  let cur = o;
  for (const seg of path) {
    if (!isObj(cur) && !Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

// Low-cardinality values (endpoint, model, provider, function name) recur on every line, and each
// record keeps its string until the store has it: handing out one instance per distinct value lets
// the parsed line's copy die young instead of being copied by every scavenge with the record.
const CANON_MAX = 4096;
const canon = new Map<string, string>();
function canonical(s: string | null): string | null {
  if (s === null) return null;
  const c = canon.get(s);
  if (c !== undefined) return c;
  if (canon.size >= CANON_MAX) canon.clear();
  canon.set(s, s);
  return s;
}

/** A URL keeps its path only (no scheme, host, query or fragment: they are noise or secrets). */
const endpoints = new Map<string, string | null>();
export function endpointOf(v: unknown): string | null {
  // endpoints repeat from line to line: each distinct value is cut once, and its records share one string
  if (typeof v !== 'string' || v.length > MAX_STR) return endpointOfUncached(v);
  let out = endpoints.get(v);
  if (out === undefined) {
    out = canonical(endpointOfUncached(v));
    if (endpoints.size >= CANON_MAX) endpoints.clear();
    endpoints.set(v, out);
  }
  return out;
}
function endpointOfUncached(v: unknown): string | null {
  const s = str(v);
  if (!s) return null;
  // most endpoints are bare paths: one pass proves there is no scheme, query or fragment to cut
  let k = 0;
  const len = s.length;
  for (; k < len; k++) { const c = s.charCodeAt(k); if (c === 58 || c === 63 || c === 35) break; }
  if (k === len) return s;
  let start = 0;
  const scheme = s.indexOf('://');
  if (scheme > 0 && scheme < 10) {
    const slash = s.indexOf('/', scheme + 3);
    if (slash < 0) return '/';
    start = slash;
  }
  let end = s.length;
  const q = s.indexOf('?', start);
  if (q >= 0) end = q;
  const h = s.indexOf('#', start);
  if (h >= 0 && h < end) end = h;
  return start === 0 && end === s.length ? s : s.slice(start, end) || '/';
}

const FAIL_WORDS = new Set(['error', 'failed', 'failure', 'fail', 'exception', 'timeout', 'timed_out', 'cancelled', 'canceled', 'aborted', 'ko']);
const OK_WORDS = new Set(['success', 'ok', 'succeeded', 'successful', 'completed', 'complete', 'done', 'passed']);

/** success from a status word; null when the word is not known */
export function statusWord(s: string): boolean | null {
  const w = s.toLowerCase();
  if (OK_WORDS.has(w)) return true;
  if (FAIL_WORDS.has(w)) return false;
  return null;
}

/** 1xx-3xx succeed; 0 (no response, e.g. a network failure in HAR) and >= 400 fail. */
export function successOfCode(code: number): boolean {
  return code >= 100 && code < 400;
}

const USAGE_PATHS: string[][] = [['response', 'usage'], ['response_body', 'usage'], ['response', 'body', 'usage'],
  ['body', 'usage'], ['result', 'usage'], ['output', 'usage'], ['response', 'usageMetadata'], ['metadata', 'usage_object'],
  ['metadata', 'usage']];
const MODEL_PATHS: string[][] = [['response', 'model'], ['response_body', 'model'], ['response', 'body', 'model'],
  ['request', 'model'], ['request_body', 'model'], ['body', 'model'], ['result', 'model']];

/**
 * Normalises a usage object into rec (see the architecture note). Shapes, decided in this order:
 * 1. `prompt_tokens`/`completion_tokens` (OpenAI Chat Completions, LiteLLM): prompt includes cached
 *    reads (`prompt_tokens_details.cached_tokens`, or LiteLLM's `cache_read_input_tokens`) and writes;
 *    completion includes `completion_tokens_details.reasoning_tokens`.
 * 2. `input_tokens`/`output_tokens` WITH `cache_read_input_tokens`, `cache_creation_input_tokens` or
 *    `cache_creation` present: Anthropic Messages, whose input EXCLUDES cache reads and writes, so
 *    input = input + cache_read + cache_creation. The key test is enough: without those keys both
 *    readings give the same numbers, so the provider or model name is not needed.
 * 3. other `input_tokens`/`output_tokens`: OpenAI Responses API (input includes
 *    `input_tokens_details.cached_tokens`, output includes `output_tokens_details.reasoning_tokens`)
 *    and our own export's canonical names (`cache_read_tokens`, `cache_write_tokens`, ...).
 * 4. `promptTokenCount` (Gemini usageMetadata): thoughts are NOT in candidates, so they are added.
 * 5. only a total (`total_tokens`, `tokens_used`): kept in input_tokens with output_tokens null (the
 *    split is unknown and not invented; token totals stay right).
 * Returns false when no usage shape was found.
 */
export function applyUsage(u: Record<string, unknown>, rec: CallRecord): boolean {
  let cacheRead = 0, cacheWrite = 0;
  if (u.prompt_tokens !== undefined || u.completion_tokens !== undefined) {
    rec.input_tokens = countOrNull(u.prompt_tokens);
    rec.output_tokens = countOrNull(u.completion_tokens);
    const pd = u.prompt_tokens_details, cd = u.completion_tokens_details;
    cacheRead = isObj(pd) && pd.cached_tokens != null ? count(pd.cached_tokens)
      : u.cache_read_input_tokens != null ? count(u.cache_read_input_tokens) : count(u.cached_tokens);
    cacheWrite = u.cache_creation_input_tokens != null ? count(u.cache_creation_input_tokens)
      : isObj(pd) ? count(pd.cache_creation_tokens) : 0;
    rec.reasoning_tokens = isObj(cd) ? count(cd.reasoning_tokens) : count(u.reasoning_tokens);
  } else if (u.input_tokens !== undefined || u.output_tokens !== undefined) {
    const input = countOrNull(u.input_tokens);
    rec.output_tokens = countOrNull(u.output_tokens);
    if (u.cache_read_input_tokens !== undefined || u.cache_creation_input_tokens !== undefined || u.cache_creation !== undefined) {
      cacheRead = count(u.cache_read_input_tokens);
      cacheWrite = u.cache_creation_input_tokens != null ? count(u.cache_creation_input_tokens) : cacheWriteFromSplit(u.cache_creation);
      rec.input_tokens = input === null ? null : input + cacheRead + cacheWrite;
    } else {
      rec.input_tokens = input;
      const idt = u.input_tokens_details, odt = u.output_tokens_details;
      cacheRead = isObj(idt) ? count(idt.cached_tokens) : count(u.cache_read_tokens ?? u.cached_tokens);
      cacheWrite = count(u.cache_write_tokens);
      rec.reasoning_tokens = isObj(odt) ? count(odt.reasoning_tokens) : count(u.reasoning_tokens);
      if (u.cache_write_1h_tokens !== undefined) {
        rec.cache_write_1h_tokens = Math.min(count(u.cache_write_1h_tokens), cacheWrite);
        rec.cache_read_tokens = cacheRead;
        rec.cache_write_tokens = cacheWrite;
        rec.cache_write_split_known = bool(u.cache_write_split_known) ?? true;
        return true;
      }
    }
  } else if (u.promptTokenCount !== undefined || u.candidatesTokenCount !== undefined) {
    const thoughts = count(u.thoughtsTokenCount);
    rec.input_tokens = countOrNull(u.promptTokenCount);
    const cand = countOrNull(u.candidatesTokenCount);
    rec.output_tokens = cand === null ? (thoughts > 0 ? thoughts : null) : cand + thoughts;
    rec.reasoning_tokens = thoughts;
    cacheRead = count(u.cachedContentTokenCount);
  } else if (u.total_tokens !== undefined || u.tokens_used !== undefined) {
    rec.input_tokens = countOrNull(u.total_tokens ?? u.tokens_used);
    rec.output_tokens = null;
    return rec.input_tokens !== null;
  } else {
    return false;
  }
  rec.cache_read_tokens = cacheRead;
  rec.cache_write_tokens = cacheWrite;
  applyWriteSplit(u.cache_creation, cacheWrite, rec);
  return true;
}

function cacheWriteFromSplit(cc: unknown): number {
  return isObj(cc) ? count(cc.ephemeral_5m_input_tokens) + count(cc.ephemeral_1h_input_tokens) : 0;
}

function applyWriteSplit(cc: unknown, cacheWrite: number, rec: CallRecord): void {
  if (isObj(cc) && (cc.ephemeral_1h_input_tokens !== undefined || cc.ephemeral_5m_input_tokens !== undefined)) {
    rec.cache_write_1h_tokens = Math.min(count(cc.ephemeral_1h_input_tokens), cacheWrite);
    rec.cache_write_split_known = true;
  } else {
    rec.cache_write_1h_tokens = 0;
    // writes without the split are priced at the 5-minute rate and marked estimated
    rec.cache_write_split_known = cacheWrite === 0;
  }
}

function errorTypeOf(e: unknown): string | null {
  if (typeof e === 'string') return str(e.length > 120 ? e.slice(0, 120) : e);
  if (isObj(e)) return str(e.type) ?? str(e.code) ?? str(e.name) ?? str(e.error_type) ?? 'error';
  if (e === true) return 'error';
  return null;
}
function errorPresent(e: unknown): boolean {
  if (e === null || e === undefined || e === false) return false;
  if (typeof e === 'string') return e.length > 0 && e !== 'None' && e !== 'null';
  if (isObj(e)) return Object.keys(e).length > 0;
  return e === true;
}

/**
 * emptyRecord's fields in its order, plus the origin (offset, line) that the source parser sets
 * next: creating all 30 keys in one literal keeps one hidden class from the start, where adding the
 * two origin keys afterwards made V8 grow every record's property storage (the records are the
 * reader's main allocation). The key order is the one recordColumns.ts and the store expect.
 */
/**
 * emptyRecord's fields in its order, plus the origin (offset, line) that the source parser sets
 * next. A constructor rather than emptyRecord's 30-key literal: V8 copies a literal from its
 * boilerplate (each number field boxed anew) and adding the two origin keys afterwards grew every
 * record's property storage; this way all 30 fields are in-object from the start (measured: the
 * record's creation went from ~40 % of mapRecord's time to ~5 %). The prototype is Object.prototype,
 * so records stay plain objects (deepStrictEqual, structured clone, JSON) and the key order is the
 * one recordColumns.ts and the store expect.
 */
const PlainRecord = function (this: Record<string, unknown>, ts: number): void {
  this.ts = ts; this.endpoint = '(unknown)'; this.function_name = null; this.provider = null; this.model = null;
  this.method = null; this.status_code = null; this.success = true; this.error_type = null; this.request_id = null;
  this.trace_id = null; this.retry_count = 0; this.priority = null; this.latency_ms = null; this.ttft_ms = null;
  this.input_tokens = null; this.output_tokens = null; this.cache_read_tokens = 0; this.cache_write_tokens = 0;
  this.cache_write_1h_tokens = 0; this.cache_write_split_known = true; this.reasoning_tokens = 0;
  this.response_cache_hit = null; this.cost_usd = null; this.cost_source = 'unpriced'; this.batch = false;
  this.request_hash = null; this.zone_assumed = false; this.offset = 0; this.line = 0;
} as unknown as { new(ts: number): OriginRecord; prototype: object };
PlainRecord.prototype = Object.prototype;

/** A record with emptyRecord's values (endpoint '(unknown)') and origin 0/0 until the caller sets it. */
export function newRecord(ts: number): OriginRecord {
  return new PlainRecord(ts);
}

/**
 * Maps one object to a call record. Returns a reason string when the object cannot be a call (no
 * usable timestamp, not an object); the caller counts it as skipped.
 */
export function mapRecord(o: unknown, ctx: MapContext): CallRecord | string {
  if (!isObj(o)) return Array.isArray(o) ? 'not an object (array)' : `not an object (${o === null ? 'null' : typeof o})`;
  const p = planFor(o, ctx);
  const m = ctx.mapping;
  if (m === null) return mapByPlan(o, p, ctx);

  const tsOut = ctx.tsOut;
  const tsRaw = pick(o, m, 'ts', p.ts);
  if (tsRaw === undefined || tsRaw === null || tsRaw === '') return 'no timestamp field';
  const ts = parseTimestamp(tsRaw, ctx.zones, tsOut);
  if (!(ts === ts)) return `invalid timestamp: ${JSON.stringify(tsRaw).slice(0, 60)}`;
  const zoneAssumed = tsOut.zoneAssumed;

  const rec = newRecord(ts);
  rec.zone_assumed = zoneAssumed;
  const ep = endpointOf(pick(o, m, 'endpoint', p.endpoint));
  if (ep) rec.endpoint = ep;

  // latency: an explicit duration wins; else end - start
  const mappedLat = m?.get('latency_ms');
  const mappedLatRaw = mappedLat ? getPath(o, mappedLat) : undefined;
  if (mappedLatRaw !== undefined) {
    const n = num(mappedLatRaw);
    rec.latency_ms = n >= 0 ? n : null;
  } else if (p.latency) {
    const n = num(o[p.latency[0]]);
    rec.latency_ms = n >= 0 ? n * p.latency[1] : null;
  }
  const endRaw = pick(o, m, 'end_ts', p.end);
  if (rec.latency_ms === null && endRaw !== undefined && endRaw !== null) {
    const end = parseTimestamp(endRaw, ctx.zones, tsOut);
    rec.latency_ms = end === end && end > 0 && end >= ts ? end - ts : null;
  }
  if (p.ttft) {
    const n = num(o[p.ttft[0]]);
    if (n >= 0) rec.ttft_ms = n * p.ttft[1];
  } else if (p.ttftAbs) {
    const t = parseTimestamp(o[p.ttftAbs], ctx.zones, tsOut);
    if (t === t && t >= ts) rec.ttft_ms = t - ts;
  }
  const mappedTtft = m?.get('ttft_ms');
  const mappedTtftRaw = mappedTtft ? getPath(o, mappedTtft) : undefined;
  if (mappedTtftRaw !== undefined) { const n = num(mappedTtftRaw); rec.ttft_ms = n >= 0 ? n : null; }

  // status and success
  let code: number | null = null;
  let word: boolean | null = null;
  const sc = pick(o, m, 'status_code', p.statusCode);
  const scn = num(sc);
  if (scn === scn && Number.isInteger(scn) && scn >= 0 && scn < 1000) code = scn;
  else if (typeof sc === 'string') word = statusWord(sc);
  if (word === null && p.statusText && p.statusText !== p.statusCode) {
    const t = o[p.statusText];
    if (typeof t === 'string') word = statusWord(t);
  }
  rec.status_code = code;
  const err = pick(o, m, 'error', p.error);
  const explicit = bool(pick(o, m, 'success', p.success));
  const hasErr = errorPresent(err);
  rec.success = explicit ?? word ?? (code !== null ? successOfCode(code) : !hasErr);
  rec.error_type = str(pick(o, m, 'error_type', p.errorType));
  if (!rec.success && rec.error_type === null) rec.error_type = hasErr ? errorTypeOf(err) : code !== null ? `HTTP ${code}` : null;

  rec.model = str(pick(o, m, 'model', p.model));
  if (rec.model === null) for (const mp of MODEL_PATHS) { const v = str(getPath(o, mp)); if (v) { rec.model = v; break; } }
  rec.provider = str(pick(o, m, 'provider', p.provider));
  const meth = str(pick(o, m, 'method', p.method));
  rec.method = meth === null ? null : meth.toUpperCase();
  rec.function_name = str(pick(o, m, 'function_name', p.fn));
  rec.request_id = str(pick(o, m, 'request_id', p.requestId));
  rec.trace_id = str(pick(o, m, 'trace_id', p.traceId));
  const retry = num(pick(o, m, 'retry_count', p.retry));
  rec.retry_count = retry >= 0 ? Math.floor(retry) : 0;
  rec.priority = str(pick(o, m, 'priority', p.priority));
  const cost = num(pick(o, m, 'cost_usd', p.cost));
  if (cost >= 0) { rec.cost_usd = cost; rec.cost_source = 'logged'; }
  rec.response_cache_hit = bool(pick(o, m, 'response_cache_hit', p.cacheHit));
  const b = pick(o, m, 'batch', p.batch);
  rec.batch = bool(b) ?? (typeof b === 'string' && b.length > 0);
  rec.request_hash = str(pick(o, m, 'request_hash', p.hash));

  // tokens
  const mappedUsage = m?.get('usage');
  let u: unknown = mappedUsage ? getPath(o, mappedUsage) : p.usage ? o[p.usage] : undefined;
  if (!isObj(u)) {
    u = undefined;
    for (const up of USAGE_PATHS) { const v = getPath(o, up); if (isObj(v)) { u = v; break; } }
  }
  if (!(isObj(u) && applyUsage(u, rec)) && p.topTokens) applyUsage(o, rec);
  if (m) {
    // mapped token fields are taken as already normalised (canonical meaning)
    for (const f of ['input_tokens', 'output_tokens'] as const) {
      const path = m.get(f);
      if (path) rec[f] = countOrNull(getPath(o, path));
    }
    for (const f of ['cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens'] as const) {
      const path = m.get(f);
      if (path) rec[f] = count(getPath(o, path));
    }
  }
  return rec;
}

/**
 * mapRecord without a user field mapping (the usual case), the same rules step for step: only the
 * plan's keys are read, and a field the shape does not have costs nothing (its default stays).
 * Keep the two in step: every unit test of mapRecord without a mapping runs through this one.
 */
function mapByPlan(o: Record<string, unknown>, p: Plan, ctx: MapContext): CallRecord | string {
  const tsOut = ctx.tsOut;
  const tsRaw = p.ts === null ? undefined : o[p.ts];
  if (tsRaw === undefined || tsRaw === null || tsRaw === '') return 'no timestamp field';
  const ts = parseTimestamp(tsRaw, ctx.zones, tsOut);
  if (!(ts === ts)) return `invalid timestamp: ${JSON.stringify(tsRaw).slice(0, 60)}`;

  const rec = newRecord(ts);
  rec.zone_assumed = tsOut.zoneAssumed;
  if (p.endpoint !== null) {
    const ep = endpointOf(o[p.endpoint]);
    if (ep) rec.endpoint = ep;
  }

  // latency: an explicit duration wins; else end - start
  if (p.latency !== null) {
    const n = num(o[p.latency[0]]);
    rec.latency_ms = n >= 0 ? n * p.latency[1] : null;
  }
  if (rec.latency_ms === null && p.end !== null) {
    const endRaw = o[p.end];
    if (endRaw !== undefined && endRaw !== null) {
      const end = parseTimestamp(endRaw, ctx.zones, tsOut);
      rec.latency_ms = end === end && end > 0 && end >= ts ? end - ts : null;
    }
  }
  if (p.ttft !== null) {
    const n = num(o[p.ttft[0]]);
    if (n >= 0) rec.ttft_ms = n * p.ttft[1];
  } else if (p.ttftAbs !== null) {
    const t = parseTimestamp(o[p.ttftAbs], ctx.zones, tsOut);
    if (t === t && t >= ts) rec.ttft_ms = t - ts;
  }

  // status and success
  let code: number | null = null;
  let word: boolean | null = null;
  if (p.statusCode !== null) {
    const sc = o[p.statusCode];
    const scn = num(sc);
    if (scn === scn && Number.isInteger(scn) && scn >= 0 && scn < 1000) code = scn;
    else if (typeof sc === 'string') word = statusWord(sc);
  }
  if (word === null && p.statusText !== null && p.statusText !== p.statusCode) {
    const t = o[p.statusText];
    if (typeof t === 'string') word = statusWord(t);
  }
  rec.status_code = code;
  const err = p.error === null ? undefined : o[p.error];
  const explicit = p.success === null ? null : bool(o[p.success]);
  const hasErr = err !== undefined && errorPresent(err);
  rec.success = explicit ?? word ?? (code !== null ? successOfCode(code) : !hasErr);
  if (p.errorType !== null) rec.error_type = str(o[p.errorType]);
  if (!rec.success && rec.error_type === null) rec.error_type = hasErr ? errorTypeOf(err) : code !== null ? `HTTP ${code}` : null;

  if (p.model !== null) rec.model = canonical(str(o[p.model]));
  if (rec.model === null && p.modelNested) for (const mp of MODEL_PATHS) { const v = str(getPath(o, mp)); if (v) { rec.model = v; break; } }
  if (p.provider !== null) rec.provider = str(o[p.provider]);
  if (p.method !== null) {
    const meth = str(o[p.method]);
    rec.method = meth === null ? null : meth.toUpperCase();
  }
  if (p.fn !== null) rec.function_name = str(o[p.fn]);
  if (p.requestId !== null) rec.request_id = str(o[p.requestId]);
  if (p.traceId !== null) rec.trace_id = str(o[p.traceId]);
  if (p.retry !== null) {
    const retry = num(o[p.retry]);
    rec.retry_count = retry >= 0 ? Math.floor(retry) : 0;
  }
  if (p.priority !== null) rec.priority = str(o[p.priority]);
  if (p.cost !== null) {
    const cost = num(o[p.cost]);
    if (cost >= 0) { rec.cost_usd = cost; rec.cost_source = 'logged'; }
  }
  if (p.cacheHit !== null) rec.response_cache_hit = bool(o[p.cacheHit]);
  if (p.batch !== null) {
    const b = o[p.batch];
    rec.batch = bool(b) ?? (typeof b === 'string' && b.length > 0);
  }
  if (p.hash !== null) rec.request_hash = str(o[p.hash]);

  // tokens
  let u: unknown = p.usage === null ? undefined : o[p.usage];
  if (!isObj(u)) {
    u = undefined;
    if (p.usageNested) for (const up of USAGE_PATHS) { const v = getPath(o, up); if (isObj(v)) { u = v; break; } }
  }
  if (!(u !== undefined && applyUsage(u as Record<string, unknown>, rec)) && p.topTokens) applyUsage(o, rec);
  return rec;
}
