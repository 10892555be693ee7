#!/usr/bin/env node
// Writes the example workspace's logs (examples/): 30 days of made-up API and LLM calls ending at `--now`
// (default: the current time), so the dashboard's default "last 24 h" range has data. Everything it writes
// is EXAMPLE DATA. A fixed-seed PRNG makes the output a pure function of (--now, --seed): rerunning with
// the same --now gives byte-identical files.
//   node scripts/generate-examples.js [--now=2026-12-03T16:00:00Z|<epoch ms>] [--seed=42] [--out=examples] [--days=30]
// Files (in <out>/):
//   logs/example-openai-calls.jsonl      OpenAI Chat Completions usage (cached prompt tokens, reasoning tokens), response-cache hits
//   logs/example-anthropic-calls.jsonl   Anthropic Messages usage (cache reads, 5m/1h cache writes) + 3 malformed lines on purpose
//   logs/example-otel-traces.otlp.jsonl  OTLP/JSON traces (one TracesData per line, string intValues, gen_ai.* attributes)
//   logs/example-http-calls.csv          plain HTTP API calls (no LLM), quoted fields with commas
//   legacy/api_metrics.json              the old system's snapshot ({recent_calls, last_updated}), last 1,000 calls, zone-less times
// A "bad hour" (4-5 h before --now) has many rate-limit / overload / upstream errors and slow calls.
'use strict';
const fs = require('fs');
const path = require('path');

const HOUR = 3600e3, DAY = 24 * HOUR;

function parseArgs(argv) {
  const get = (k) => { const a = argv.find(x => x.startsWith(`--${k}=`)); return a ? a.slice(k.length + 3) : undefined; };
  const nowArg = get('now');
  let now = Date.now();
  if (nowArg) now = /^\d+$/.test(nowArg) ? +nowArg : Date.parse(nowArg);
  if (!Number.isFinite(now)) throw new Error(`--now: not a date: ${nowArg}`);
  return { now: Math.floor(now / 1000) * 1000, seed: +(get('seed') || 42), out: path.resolve(get('out') || path.join(__dirname, '..', 'examples')),
    days: +(get('days') || 30), quiet: argv.includes('--quiet') };
}

/** mulberry32: small, fast, good enough for made-up data, and the same on every machine */
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    chance: (p) => next() < p,
    /** log-normal around `median` with spread `sigma` (latencies, token counts) */
    logn: (median, sigma) => median * Math.exp(sigma * gauss()),
    weighted: (pairs) => { let x = next() * pairs.reduce((s, p) => s + p[1], 0); for (const [v, w] of pairs) { if ((x -= w) < 0) return v; } return pairs[pairs.length - 1][0]; },
    hex: (n) => { let s = ''; for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(next() * 16)]; return s; },
  };
  function gauss() { const u = 1 - next(), v = next(); return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v); }
  return r;
}

/**
 * `n` timestamps in [now - days, now) following a diurnal curve (busy 13-17 h UTC, quiet at night), busier on
 * weekdays and growing over the month, plus `burst` calls in the bad hour; the newest one is 20-50 s before now so the data looks live.
 */
function timestamps(r, n, now, days, burst = 0) {
  const start = now - days * DAY;
  const weight = (t) => {
    const d = new Date(t);
    const h = d.getUTCHours() + d.getUTCMinutes() / 60;
    const diurnal = 0.15 + Math.exp(-((h - 15) ** 2) / 18);              // peak at 15:00 UTC
    const weekday = [0.45, 1, 1, 1, 1, 0.95, 0.5][d.getUTCDay()];
    const growth = 0.6 + 0.8 * (t - start) / (now - start);
    return diurnal * weekday * growth;                                    // at most about 1.15 * 1.4
  };
  const out = [];
  while (out.length < n - 1) {
    const t = start + r.next() * (now - start - 60e3);
    if (r.next() * 1.7 < weight(t)) out.push(Math.floor(t));
  }
  // the bad hour is also a busy one (clients retrying): `burst` extra calls in it
  for (let i = 0; i < burst; i++) out.push(Math.floor(now - 5 * HOUR + r.next() * HOUR));
  out.push(now - r.int(20, 50) * 1000);
  return out.sort((a, b) => a - b);
}

const inBadHour = (t, now) => t >= now - 5 * HOUR && t < now - 4 * HOUR;
const iso = (t) => new Date(t).toISOString();
/** Python-style isoformat() without a zone, in this machine's local time (what the old system wrote) */
function localIsoNoZone(t) {
  const d = new Date(t), p = (x, n = 2) => String(x).padStart(n, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}${p(Math.floor((t % 1) * 1000), 3)}`;
}

// Approximate list prices (USD per 1M tokens) only for the summary printed at the end; the extension
// prices calls itself.
const PRICE = {
  'gpt-4o': [2.5, 10, 1.25], 'gpt-4o-mini': [0.15, 0.6, 0.075], 'o3-mini': [1.1, 4.4, 0.55], 'text-embedding-3-small': [0.02, 0, 0],
  'claude-sonnet-4-5': [3, 15, 0.3, 3.75, 6], 'claude-haiku-4-5': [1, 5, 0.1, 1.25, 2],
};

function openai(r, now, days, n) {
  const routes = [
    { w: 30, endpoint: '/api/summarize', fn: 'summarize_document', models: [['gpt-4o', 6], ['gpt-4o-mini', 4]], prompt: 3200, cachedShare: 0.5, completion: 320, lat: 2600, cacheHit: 0.08 },
    { w: 30, endpoint: '/api/classify', fn: 'classify_ticket', models: [['gpt-4o-mini', 1]], prompt: 600, cachedShare: 0, completion: 12, lat: 480, cacheHit: 0.3 },
    { w: 20, endpoint: '/api/search/answer', fn: 'answer_with_sources', models: [['gpt-4o-mini', 8], ['gpt-4o', 2]], prompt: 2800, cachedShare: 0.4, completion: 220, lat: 1700, cacheHit: 0.15 },
    { w: 8, endpoint: '/api/analyze', fn: 'analyze_contract', models: [['o3-mini', 1]], prompt: 5200, cachedShare: 0.3, completion: 1600, reasoning: 0.7, lat: 9000, cacheHit: 0 },
    { w: 12, endpoint: '/api/embed', fn: 'embed_documents', models: [['text-embedding-3-small', 1]], prompt: 900, cachedShare: 0, completion: 0, lat: 210, cacheHit: 0, embed: true },
  ];
  const lines = [], stats = { calls: 0, cost: 0 };
  for (const t of timestamps(r, n - 80, now, days, 80)) {
    const rt = r.weighted(routes.map(x => [x, x.w]));
    const model = r.weighted(rt.models);
    const bad = inBadHour(t, now);
    const rec = { timestamp: iso(t), endpoint: rt.endpoint, function_name: rt.fn, provider: 'openai', model,
      method: 'POST', status_code: 200, latency_ms: 0, request_id: `req_${r.hex(24)}` };
    if (rt.cacheHit && r.chance(rt.cacheHit)) {
      // served from the app's own response cache: no provider call, no tokens
      Object.assign(rec, { latency_ms: r.int(3, 25), cache_hit: true, usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } });
    } else {
      const errP = bad ? 0.38 : 0.012;
      rec.cache_hit = false;
      if (r.chance(errP)) {
        const [code, type] = bad || r.chance(0.5) ? [429, 'rate_limit_exceeded'] : r.weighted([[[500, 'server_error'], 2], [[503, 'service_unavailable'], 2], [[400, 'invalid_request_error'], 1]]);
        Object.assign(rec, { status_code: code, error_type: type, latency_ms: Math.round(r.logn(code === 429 ? 180 : 900, 0.5)), retry_count: r.int(0, 3) });
      } else {
        const prompt = Math.max(20, Math.round(r.logn(rt.prompt, 0.45)));
        const cached = rt.cachedShare && prompt >= 1024 && r.chance(0.75) ? Math.min(prompt, Math.floor(prompt * rt.cachedShare * (0.6 + 0.8 * r.next()) / 128) * 128) : 0;
        const completion = rt.embed ? 0 : Math.max(1, Math.round(r.logn(rt.completion, 0.5)));
        const reasoning = rt.reasoning ? Math.round(completion * rt.reasoning * (0.7 + 0.6 * r.next()) ) : 0;
        const usage = rt.embed ? { prompt_tokens: prompt, total_tokens: prompt } : {
          prompt_tokens: prompt, completion_tokens: completion + (reasoning > completion ? reasoning - completion : 0), total_tokens: 0,
          prompt_tokens_details: { cached_tokens: cached },
          completion_tokens_details: { reasoning_tokens: reasoning },
        };
        if (!rt.embed) usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
        const lat = r.logn(rt.lat, 0.35) * (bad ? 2.4 : 1) * (0.5 + usage.total_tokens / (rt.prompt + rt.completion + 1) / 2);
        Object.assign(rec, { latency_ms: Math.round(lat), usage });
        if (!rt.embed) rec.ttft_ms = Math.round(lat * (rt.reasoning ? 0.8 : 0.25) * (0.7 + 0.6 * r.next()));
        const p = PRICE[model];
        stats.cost += ((prompt - cached) * p[0] + cached * p[2] + (usage.completion_tokens || 0) * p[1]) / 1e6;
      }
    }
    lines.push(JSON.stringify(rec));
    stats.calls++;
  }
  return { text: lines.join('\n') + '\n', stats };
}

function anthropic(r, now, days, n) {
  const routes = [
    { w: 45, endpoint: '/api/chat', fn: 'support_agent_reply', model: 'claude-sonnet-4-5', input: 700, cacheRead: 5200, write5m: 0.12, write1h: 0.02, output: 380, lat: 5200 },
    { w: 40, endpoint: '/api/extract', fn: 'extract_invoice_fields', model: 'claude-haiku-4-5', input: 1900, cacheRead: 1200, write5m: 0.05, write1h: 0, output: 180, lat: 1900 },
    { w: 15, endpoint: '/api/review', fn: 'review_pull_request', model: 'claude-sonnet-4-5', input: 3800, cacheRead: 9000, write5m: 0, write1h: 0.25, output: 900, lat: 14000 },
  ];
  const lines = [], stats = { calls: 0, cost: 0 };
  for (const t of timestamps(r, n - 40, now, days, 40)) {
    const rt = r.weighted(routes.map(x => [x, x.w]));
    const bad = inBadHour(t, now);
    const rec = { ts: t, route: rt.endpoint, function_name: rt.fn, provider: 'anthropic', model: rt.model, method: 'POST',
      status_code: 200, duration_ms: 0, request_id: `msg_${r.hex(24)}` };
    if (r.chance(bad ? 0.3 : 0.01)) {
      const [code, type] = bad || r.chance(0.6) ? [529, 'overloaded_error'] : r.weighted([[[429, 'rate_limit_error'], 3], [[500, 'api_error'], 2], [[400, 'invalid_request_error'], 1]]);
      Object.assign(rec, { status_code: code, error_type: type, duration_ms: Math.round(r.logn(code === 529 ? 1200 : 400, 0.5)), retry_count: r.int(0, 2) });
    } else {
      const input = Math.max(10, Math.round(r.logn(rt.input, 0.5)));
      const w1h = r.chance(rt.write1h) ? Math.round(r.logn(rt.cacheRead, 0.2)) : 0;
      const w5m = !w1h && r.chance(rt.write5m) ? Math.round(r.logn(rt.cacheRead, 0.2)) : 0;
      const read = w1h || w5m ? 0 : (r.chance(0.85) ? Math.round(r.logn(rt.cacheRead, 0.15)) : 0);
      const output = Math.max(1, Math.round(r.logn(rt.output, 0.5)));
      rec.usage = { input_tokens: input, output_tokens: output, cache_read_input_tokens: read, cache_creation_input_tokens: w5m + w1h,
        cache_creation: { ephemeral_5m_input_tokens: w5m, ephemeral_1h_input_tokens: w1h } };
      rec.stop_reason = r.chance(0.97) ? 'end_turn' : 'max_tokens';
      rec.duration_ms = Math.round(r.logn(rt.lat, 0.3) * (bad ? 2.2 : 1) * (0.6 + output / rt.output / 2.5));
      const p = PRICE[rt.model];
      stats.cost += (input * p[0] + output * p[1] + read * p[2] + w5m * p[3] + w1h * p[4]) / 1e6;
    }
    lines.push(JSON.stringify(rec));
    stats.calls++;
  }
  // Malformed lines on purpose, so the Log Sources view and "Show Problems" have something real to show.
  // Fixed line numbers (1-based): 120, 977, 1503; examples/README.md lists them.
  const bad = [
    [120, '{"ts": ' + (now - 29 * DAY) + ', "route": "/api/chat", "model": "claude-sonnet-4-5", "usage": {"input_tokens": 1'],
    [977, '[2025-11-14 09:12:44] WARN worker 3 restarted after OOM (pid 4242)'],
    [1503, '{"ts": ' + (now - 10 * DAY) + ', "route": "/api/extract", "model": "claude-haiku-4-5", "status_code": 200,}'],
  ];
  for (const [line, text] of bad) lines.splice(line - 1, 0, text);
  return { text: lines.join('\n') + '\n', stats };
}

function otlp(r, now, days, n) {
  const attr = (key, v) => ({ key, value: typeof v === 'string' ? { stringValue: v } : Number.isInteger(v) ? { intValue: String(v) } : typeof v === 'boolean' ? { boolValue: v } : { doubleValue: v } });
  const kinds = [
    { w: 55, op: 'chat', model: 'gpt-4o-mini', provider: 'openai', input: 2400, cached: 0.35, output: 160, lat: 1400 },
    { w: 30, op: 'embeddings', model: 'text-embedding-3-small', provider: 'openai', input: 400, cached: 0, output: 0, lat: 180 },
    { w: 15, op: 'chat', model: 'claude-haiku-4-5', provider: 'anthropic', input: 1800, cached: 0.5, output: 240, lat: 1900 },
  ];
  const ts = timestamps(r, n - 30, now, days, 30);
  const lines = [], stats = { calls: 0, cost: 0 };
  for (let i = 0; i < ts.length;) {
    const batch = Math.min(ts.length - i, r.int(1, 4));      // the exporter sends a few spans per request
    const spans = [];
    for (let j = 0; j < batch; j++, i++) {
      const t = ts[i], k = r.weighted(kinds.map(x => [x, x.w])), bad = inBadHour(t, now);
      const failed = r.chance(bad ? 0.3 : 0.01);
      const lat = failed ? r.logn(300, 0.6) : r.logn(k.lat, 0.35) * (bad ? 2 : 1);
      const startNs = BigInt(t) * 1000000n + BigInt(r.int(0, 999999));
      const endNs = startNs + BigInt(Math.round(lat * 1e6));
      const attributes = [attr('gen_ai.operation.name', k.op), attr('gen_ai.provider.name', k.provider), attr('gen_ai.request.model', k.model),
        attr('server.address', k.provider === 'openai' ? 'api.openai.com' : 'api.anthropic.com'), attr('code.function', k.op === 'chat' ? 'rerank_and_answer' : 'embed_query')];
      if (!failed) {
        const input = Math.max(5, Math.round(r.logn(k.input, 0.4)));
        const cached = k.cached && r.chance(0.7) ? Math.floor(input * k.cached) : 0;
        const output = k.output ? Math.max(1, Math.round(r.logn(k.output, 0.5))) : 0;
        attributes.push(attr('gen_ai.response.model', k.model),
          attr('gen_ai.usage.input_tokens', input));
        if (k.output) attributes.push(attr('gen_ai.usage.output_tokens', output));
        if (cached) attributes.push(attr('gen_ai.usage.cache_read.input_tokens', cached));
        const p = PRICE[k.model];
        stats.cost += ((input - cached) * p[0] + cached * p[2] + output * p[1]) / 1e6;
      } else {
        attributes.push(attr('error.type', bad ? 'RateLimitError' : 'APITimeoutError'));
      }
      spans.push({ traceId: r.hex(32), spanId: r.hex(16), name: `${k.op} ${k.model}`, kind: 3,
        startTimeUnixNano: String(startNs), endTimeUnixNano: String(endNs), attributes,
        status: failed ? { code: 2, message: bad ? '429 Too Many Requests' : 'Request timed out.' } : { code: 0 } });
      stats.calls++;
    }
    lines.push(JSON.stringify({ resourceSpans: [{
      resource: { attributes: [attr('service.name', 'search-service'), attr('deployment.environment', 'example')] },
      scopeSpans: [{ scope: { name: 'opentelemetry.instrumentation.genai', version: '0.1.0' }, spans }],
    }] }));
  }
  return { text: lines.join('\n') + '\n', stats };
}

function httpCsv(r, now, days, n) {
  const routes = [
    { w: 30, method: 'GET', path: '/api/users/{id}', fn: 'get_user', lat: 38, bytes: 1800 },
    { w: 12, method: 'GET', path: '/api/users', fn: 'list_users', lat: 95, bytes: 24000 },
    { w: 4, method: 'POST', path: '/api/users', fn: 'create_user', lat: 140, bytes: 900 },
    { w: 18, method: 'GET', path: '/api/orders', fn: 'list_orders', lat: 120, bytes: 16000 },
    { w: 10, method: 'POST', path: '/api/checkout', fn: 'checkout', lat: 620, bytes: 1200, upstream: true },
    { w: 6, method: 'POST', path: '/api/payments/webhook', fn: 'payment_webhook', lat: 85, bytes: 60 },
    { w: 20, method: 'GET', path: '/healthz', fn: 'health', lat: 3, bytes: 15 },
  ];
  const agents = ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
    'ExampleShop-iOS/4.2 (iPhone; iOS 18.1; Scale/3.00)', 'python-requests/2.32.3', 'kube-probe/1.31', 'Stripe/1.0 (+https://stripe.com/docs/webhooks)'];
  const q = (s) => /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  const rows = ['timestamp,method,path,status,duration_ms,request_id,function_name,user_agent,response_bytes'];
  const stats = { calls: 0, cost: 0 };
  for (const t of timestamps(r, n - 60, now, days, 60)) {
    const rt = r.weighted(routes.map(x => [x, x.w]));
    const bad = inBadHour(t, now) && rt.upstream;
    let status = rt.method === 'POST' && rt.path === '/api/users' && r.chance(0.06) ? 422 : rt.path === '/api/users/{id}' && r.chance(0.03) ? 404 : 200;
    if (rt.method === 'POST' && status === 200 && rt.path !== '/api/payments/webhook') status = 201;
    if (bad ? r.chance(0.45) : r.chance(0.004)) status = r.pick([502, 503, 504]);
    const lat = status >= 500 ? r.logn(bad ? 8000 : 3000, 0.3) : r.logn(rt.lat, 0.5);
    const agent = rt.path === '/healthz' ? agents[3] : rt.path.startsWith('/api/payments') ? agents[4] : r.pick(agents.slice(0, 3));
    rows.push([iso(t), rt.method, rt.path, status, lat.toFixed(1), `r-${r.hex(12)}`, rt.fn, q(agent),
      status >= 400 ? 120 : Math.round(r.logn(rt.bytes, 0.3))].join(','));
    stats.calls++;
  }
  return { text: rows.join('\n') + '\n', stats };
}

function legacy(r, now, days) {
  // the old system kept only its last 1,000 calls in one JSON document, rewritten in place
  const n = 1000;
  const routes = [
    { w: 50, endpoint: '/api/recommendations', fn: 'get_recommendations', tokens: 1400, dur: 1.9, price: 2.2e-6 },
    { w: 30, endpoint: '/api/translate', fn: 'translate_text', tokens: 900, dur: 1.1, price: 2.0e-6 },
    { w: 20, endpoint: '/api/moderate', fn: 'moderate_comment', tokens: 300, dur: 0.4, price: 0.6e-6 },
  ];
  const all = timestamps(r, n, now, Math.min(days, 6));
  const calls = all.map(t => {
    const rt = r.weighted(routes.map(x => [x, x.w]));
    const bad = inBadHour(t, now);
    const hit = r.chance(0.18);
    const ok = hit || !r.chance(bad ? 0.3 : 0.015);
    const tokens = hit || !ok ? 0 : Math.round(r.logn(rt.tokens, 0.4));
    return { timestamp: localIsoNoZone(t), endpoint: rt.endpoint, function_name: rt.fn,
      request_id: `${r.hex(8)}-${r.hex(4)}-4${r.hex(3)}-a${r.hex(3)}-${r.hex(12)}`,
      duration: +(hit ? r.logn(0.004, 0.4) : r.logn(rt.dur, 0.35) * (bad ? 2 : 1)).toFixed(6),
      success: ok, error_type: ok ? null : r.pick(['RateLimitError', 'Timeout', 'APIConnectionError']),
      tokens_used: tokens, cost: +(tokens * rt.price).toFixed(6), cache_hit: hit,
      priority: r.weighted([['normal', 8], ['high', 1], ['low', 2]]), retry_count: ok ? (r.chance(0.05) ? 1 : 0) : r.int(1, 3) };
  });
  const stats = { calls: n, cost: calls.reduce((s, c) => s + c.cost, 0) };
  const doc = { recent_calls: calls, last_updated: localIsoNoZone(all[all.length - 1]), total_calls: 48211 + n };
  return { text: JSON.stringify(doc, null, 2) + '\n', stats };
}

function generate(opts) {
  const { now, seed, out, days } = opts;
  const files = {
    'logs/example-openai-calls.jsonl': openai(prng(seed), now, days, 4000),
    'logs/example-anthropic-calls.jsonl': anthropic(prng(seed + 1), now, days, 2000),
    'logs/example-otel-traces.otlp.jsonl': otlp(prng(seed + 2), now, days, 1000),
    'logs/example-http-calls.csv': httpCsv(prng(seed + 3), now, days, 4000),
    'legacy/api_metrics.json': legacy(prng(seed + 4), now, days),
  };
  for (const [rel, { text }] of Object.entries(files)) {
    const f = path.join(out, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    const tmp = `${f}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, f);     // atomic: a watching extension never sees half a file
  }
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [k, { ...v.stats, bytes: Buffer.byteLength(v.text) }]));
}

/** epoch ms of the newest call in the generated OpenAI log, or null when there is none */
function newestExampleCall(out) {
  const f = path.join(out, 'logs/example-openai-calls.jsonl');
  if (!fs.existsSync(f)) return null;
  const lines = fs.readFileSync(f, 'utf8').trimEnd().split('\n');
  try { const t = Date.parse(JSON.parse(lines[lines.length - 1]).timestamp); return Number.isFinite(t) ? t : null; } catch { return null; }
}

module.exports = { generate, newestExampleCall, prng };

if (require.main === module) {
  const opts = parseArgs(process.argv.slice(2));
  const res = generate(opts);
  if (!opts.quiet) {
    let calls = 0, bytes = 0, cost = 0;
    for (const [f, s] of Object.entries(res)) {
      console.log(`${f.padEnd(38)} ${String(s.calls).padStart(5)} calls ${(s.bytes / 1024).toFixed(0).padStart(6)} KiB  ~$${s.cost.toFixed(2)}`);
      calls += s.calls; bytes += s.bytes; cost += s.cost;
    }
    console.log(`example data ending ${iso(opts.now)}: ${calls} calls, ${(bytes / 1048576).toFixed(2)} MiB, ~$${cost.toFixed(2)} at list prices, in ${path.relative(process.cwd(), opts.out) || '.'}`);
  }
}
