// HAR 1.2 entries: one entry = one call.
import { CallRecord, emptyRecord } from '../model';
import { applyUsage, endpointOf, MapContext, num, str, successOfCode } from './fields';
import { parseTimestamp } from './timestamps';

// `ssl` is excluded: HAR 1.2 says its time is already included in `connect`.
const TIMINGS = ['blocked', 'dns', 'connect', 'send', 'wait', 'receive'];
const MAX_BODY = 5 * 1024 * 1024;

const HOST_PROVIDERS: [string, string][] = [
  ['api.openai.com', 'openai'], ['api.anthropic.com', 'anthropic'], ['generativelanguage.googleapis.com', 'google'],
  ['api.mistral.ai', 'mistral'], ['api.groq.com', 'groq'], ['api.cohere.', 'cohere'], ['openai.azure.com', 'azure'],
  ['api.deepseek.com', 'deepseek'], ['openrouter.ai', 'openrouter'], ['api.x.ai', 'xai'],
];

function obj(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : null;
}

export function mapHarEntry(e: unknown, ctx: MapContext): CallRecord | string {
  const entry = obj(e);
  if (!entry) return 'entry is not an object';
  const ts = parseTimestamp(entry.startedDateTime, ctx.zones, ctx.tsOut);
  if (!(ts === ts)) return 'entry without a valid startedDateTime';
  const req = obj(entry.request) ?? {};
  const res = obj(entry.response) ?? {};
  const url = typeof req.url === 'string' ? req.url : '';
  const method = str(req.method);
  const rec = emptyRecord(ts, '(unknown)');
  rec.zone_assumed = ctx.tsOut.zoneAssumed;
  rec.method = method ? method.toUpperCase() : null;
  const path = endpointOf(url) ?? '(unknown)';
  rec.endpoint = rec.method ? `${rec.method} ${path}` : path;
  for (const [host, provider] of HOST_PROVIDERS) if (url.includes(host)) { rec.provider = provider; break; }

  const time = num(entry.time);
  if (time >= 0) rec.latency_ms = time;
  else {
    const t = obj(entry.timings);
    if (t) {
      let sum = 0, any = false;
      for (const k of TIMINGS) { const v = num(t[k]); if (v >= 0) { sum += v; any = true; } }
      rec.latency_ms = any ? sum : null;
    }
  }
  const status = num(res.status);
  rec.status_code = Number.isInteger(status) && status >= 0 ? status : null;
  rec.success = rec.status_code !== null ? successOfCode(rec.status_code) : false;
  if (!rec.success) rec.error_type = rec.status_code ? `HTTP ${rec.status_code}` : str(res._error) ?? 'no response';

  const content = obj(res.content);
  if (content && typeof content.text === 'string' && content.text.length < MAX_BODY) {
    let text = content.text;
    if (content.encoding === 'base64') {
      try { text = Buffer.from(text, 'base64').toString('utf8'); } catch { text = ''; }
    }
    const c = text.charCodeAt(0);
    if (c === 123) {
      try {
        const body = obj(JSON.parse(text));
        if (body) {
          rec.model = str(body.model) ?? str(body.modelVersion);
          rec.request_id = str(body.id) ?? str(body.responseId);
          const u = obj(body.usage) ?? obj(body.usageMetadata);
          if (u) applyUsage(u, rec);
          if (rec.provider === null && body.type === 'message') rec.provider = 'anthropic';
        }
      } catch { /* a non-JSON body still counts as a call */ }
    }
  }
  if (rec.model === null) {
    // streaming responses have no JSON body: fall back to the request's model
    const post = obj(req.postData);
    if (post && typeof post.text === 'string' && post.text.length < MAX_BODY && post.text.charCodeAt(0) === 123) {
      try { const b = obj(JSON.parse(post.text)); if (b) rec.model = str(b.model); } catch { /* ignore */ }
    }
  }
  return rec;
}
