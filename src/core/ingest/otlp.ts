// OTLP/JSON traces (TracesData or one ResourceSpans): one span = one call.
// In OTLP/JSON 64-bit integers (times, intValue) are strings, so they are read exactly with BigInt.
import { CallRecord, emptyRecord } from '../model';
import { bool, count, endpointOf, MapContext, num, str, successOfCode } from './fields';

type Attrs = Map<string, unknown>;

function attrValue(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (o.stringValue !== undefined) return o.stringValue;
  if (o.intValue !== undefined) return num(o.intValue);
  if (o.doubleValue !== undefined) return num(o.doubleValue);
  if (o.boolValue !== undefined) return o.boolValue;
  return undefined;
}

function readAttrs(list: unknown, into: Attrs): void {
  if (!Array.isArray(list)) return;
  for (const a of list) {
    if (typeof a === 'object' && a !== null && typeof (a as { key?: unknown }).key === 'string') {
      into.set((a as { key: string }).key, attrValue((a as { value?: unknown }).value));
    }
  }
}

/** Nanosecond epoch string/number -> BigInt, or null when absent, zero or malformed. */
function nanos(v: unknown): bigint | null {
  try {
    if (typeof v === 'string' && v.length > 0 && v.length < 25) { const b = BigInt(v); return b > 0n ? b : null; }
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) return BigInt(Math.round(v));
  } catch { /* malformed: treated as absent */ }
  return null;
}

function firstAttr(a: Attrs, keys: string[]): unknown {
  for (const k of keys) { const v = a.get(k); if (v !== undefined && v !== null && v !== '') return v; }
  return undefined;
}

/** Maps one span (with its resource attributes) to a record, or a skip reason. */
export function mapSpan(span: unknown, resource: Attrs, ctx: MapContext): CallRecord | string {
  if (typeof span !== 'object' || span === null) return 'span is not an object';
  const s = span as Record<string, unknown>;
  const start = nanos(s.startTimeUnixNano);
  if (start === null) return 'span without startTimeUnixNano';
  const end = nanos(s.endTimeUnixNano);
  const a: Attrs = new Map(resource);
  readAttrs(s.attributes, a);

  const rec = emptyRecord(Number(start / 1_000_000n), '(unknown)');
  rec.latency_ms = end !== null && end >= start ? Number(end - start) / 1e6 : null;
  const model = str(firstAttr(a, ['gen_ai.response.model', 'gen_ai.request.model']));
  rec.model = model;
  rec.provider = str(firstAttr(a, ['gen_ai.provider.name', 'gen_ai.system']));
  rec.method = str(firstAttr(a, ['http.request.method', 'http.method']));
  const code = num(firstAttr(a, ['http.response.status_code', 'http.status_code']));
  rec.status_code = Number.isInteger(code) && code >= 0 ? code : null;
  const route = endpointOf(firstAttr(a, ['http.route', 'url.path', 'url.full', 'http.target', 'http.url']));
  const op = str(a.get('gen_ai.operation.name'));
  // name by the requested model: the response model carries a date suffix (gpt-4o-2024-08-06) that
  // would split one endpoint in two
  const reqModel = str(a.get('gen_ai.request.model')) ?? model;
  rec.endpoint = route ?? (op ? (reqModel ? `${op} ${reqModel}` : op) : str(s.name) ?? '(unknown)');

  const status = s.status as Record<string, unknown> | undefined;
  const sc = status && typeof status === 'object' ? status.code : undefined;
  const isErr = sc === 2 || sc === 'STATUS_CODE_ERROR' || sc === '2';
  rec.success = isErr ? false : rec.status_code !== null ? successOfCode(rec.status_code) : true;
  if (!rec.success) {
    rec.error_type = str(a.get('error.type')) ?? str(status?.message) ?? (rec.status_code !== null ? `HTTP ${rec.status_code}` : 'error');
  }
  rec.trace_id = str(s.traceId);
  rec.request_id = str(a.get('gen_ai.response.id')) ?? str(s.spanId);
  rec.function_name = str(firstAttr(a, ['code.function.name', 'code.function']));

  // gen_ai.usage.input_tokens includes cached tokens (semantic conventions), as prompt_tokens did.
  const inp = firstAttr(a, ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens']);
  const out = firstAttr(a, ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens']);
  const ni = num(inp), no = num(out);
  rec.input_tokens = ni >= 0 ? ni : null;
  rec.output_tokens = no >= 0 ? no : null;
  rec.cache_read_tokens = count(a.get('gen_ai.usage.cache_read.input_tokens') ?? a.get('gen_ai.usage.cache_read_input_tokens'));
  rec.cache_write_tokens = count(a.get('gen_ai.usage.cache_creation.input_tokens') ?? a.get('gen_ai.usage.cache_creation_input_tokens'));
  rec.cache_write_split_known = rec.cache_write_tokens === 0;
  rec.reasoning_tokens = count(a.get('gen_ai.usage.reasoning.output_tokens'));
  const cost = num(firstAttr(a, ['gen_ai.usage.cost', 'llm.usage.cost', 'gen_ai.cost.usd']));
  if (cost >= 0) { rec.cost_usd = cost; rec.cost_source = 'logged'; }
  const hit = bool(a.get('gen_ai.cache.hit'));
  if (hit !== null) rec.response_cache_hit = hit;
  void ctx;
  return rec;
}

/** Calls out for each span of one ResourceSpans element. */
export function eachSpan(rs: unknown, ctx: MapContext, emit: (r: CallRecord | string) => void): void {
  if (typeof rs !== 'object' || rs === null) { emit('resourceSpans element is not an object'); return; }
  const res: Attrs = new Map();
  const resource = (rs as Record<string, unknown>).resource;
  if (resource && typeof resource === 'object') readAttrs((resource as Record<string, unknown>).attributes, res);
  const scopes = (rs as Record<string, unknown>).scopeSpans ?? (rs as Record<string, unknown>).instrumentationLibrarySpans;
  if (!Array.isArray(scopes)) return;
  for (const sc of scopes) {
    const spans = sc && typeof sc === 'object' ? (sc as Record<string, unknown>).spans : undefined;
    if (!Array.isArray(spans)) continue;
    for (const sp of spans) emit(mapSpan(sp, res, ctx));
  }
}

/** All spans of a TracesData document (one OTLP JSON line). */
export function eachTracesDataSpan(doc: unknown, ctx: MapContext, emit: (r: CallRecord | string) => void): void {
  const list = doc && typeof doc === 'object' ? (doc as Record<string, unknown>).resourceSpans : undefined;
  if (!Array.isArray(list)) { emit('no resourceSpans'); return; }
  for (const rs of list) eachSpan(rs, ctx, emit);
}
