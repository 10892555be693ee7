// Synthetic JSON Lines call logs for the benchmark: a fixed-seed PRNG of our own (so the same
// seed always gives the same bytes, on any machine and Node version), traffic with a diurnal and
// weekly shape over 30 days, about 20 endpoints and 6 models with OpenAI and Anthropic usage
// shapes, errors (with one incident), response-cache hits, prompt-cache tokens and some calls
// without a logged cost. Files are reused when a manifest says they were made with the same
// parameters, so reruns skip the generation.
import * as fs from 'fs';
import * as path from 'path';

/** Bump when the line shape changes, so old files are regenerated instead of reused. */
export const GENERATOR_VERSION = 4;

/** sfc32: small, fast, good enough statistically, and reproducible everywhere (unlike Math.random). */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    this.a = 0x9e3779b9; this.b = 0x243f6a88; this.c = 0xb7e15162; this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }
  /** uniform in [0, 1) */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }
  int(lo: number, hiExclusive: number): number {
    return lo + Math.floor(this.next() * (hiExclusive - lo));
  }
  /** standard normal (Box-Muller; the second value is dropped for simplicity) */
  normal(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  /** log-normal with the given median and log-sd */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }
  pick<T>(items: readonly T[], cumWeights: readonly number[]): T {
    const r = this.next() * cumWeights[cumWeights.length - 1];
    let i = 0;
    while (cumWeights[i] <= r) i++;
    return items[i];
  }
}

interface ModelSpec {
  name: string;
  provider: 'openai' | 'anthropic';
  /** USD per million tokens, used only to write a plausible logged cost */
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** median latency of a call producing 300 output tokens */
  latencyMs: number;
  reasoning: boolean;
}

const MODELS: readonly ModelSpec[] = [
  { name: 'gpt-4o-mini', provider: 'openai', input: 0.15, output: 0.6, cacheRead: 0.075, cacheWrite: 0, latencyMs: 700, reasoning: false },
  { name: 'gpt-4o-2024-08-06', provider: 'openai', input: 2.5, output: 10, cacheRead: 1.25, cacheWrite: 0, latencyMs: 1400, reasoning: false },
  { name: 'o3-mini', provider: 'openai', input: 1.1, output: 4.4, cacheRead: 0.55, cacheWrite: 0, latencyMs: 4200, reasoning: true },
  { name: 'claude-sonnet-4-5-20250929', provider: 'anthropic', input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75, latencyMs: 2600, reasoning: false },
  { name: 'claude-haiku-4-5', provider: 'anthropic', input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25, latencyMs: 900, reasoning: false },
  { name: 'claude-opus-4-1', provider: 'anthropic', input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75, latencyMs: 5200, reasoning: false },
];

interface EndpointSpec {
  path: string;
  weight: number;
  /** indexes into MODELS with their weights */
  models: readonly [number, number][];
  inputMedian: number;
  outputMedian: number;
  errorRate: number;
  /** share of calls the app answers from its own response cache */
  responseCacheRate: number;
  /** share of calls with provider prompt-cache reads */
  promptCacheRate: number;
}

// 20 routes of a typical LLM-backed app; weights and sizes differ so breakdowns are not flat.
const ENDPOINTS: readonly EndpointSpec[] = [
  { path: '/api/chat', weight: 22, models: [[0, 6], [3, 3], [1, 1]], inputMedian: 1800, outputMedian: 280, errorRate: 0.015, responseCacheRate: 0.04, promptCacheRate: 0.55 },
  { path: '/api/chat/stream', weight: 12, models: [[3, 5], [4, 3]], inputMedian: 2400, outputMedian: 420, errorRate: 0.02, responseCacheRate: 0, promptCacheRate: 0.6 },
  { path: '/api/summarize', weight: 9, models: [[0, 5], [4, 2]], inputMedian: 3500, outputMedian: 220, errorRate: 0.01, responseCacheRate: 0.18, promptCacheRate: 0.2 },
  { path: '/api/classify', weight: 8, models: [[0, 1]], inputMedian: 350, outputMedian: 8, errorRate: 0.005, responseCacheRate: 0.35, promptCacheRate: 0.1 },
  { path: '/api/extract', weight: 6, models: [[1, 2], [0, 3]], inputMedian: 1500, outputMedian: 160, errorRate: 0.012, responseCacheRate: 0.08, promptCacheRate: 0.3 },
  { path: '/api/translate', weight: 5, models: [[0, 2], [4, 1]], inputMedian: 600, outputMedian: 650, errorRate: 0.008, responseCacheRate: 0.22, promptCacheRate: 0.05 },
  { path: '/api/search/rerank', weight: 5, models: [[0, 1]], inputMedian: 2200, outputMedian: 40, errorRate: 0.006, responseCacheRate: 0.12, promptCacheRate: 0.4 },
  { path: '/api/agent/plan', weight: 4, models: [[2, 2], [5, 1]], inputMedian: 5200, outputMedian: 900, errorRate: 0.03, responseCacheRate: 0, promptCacheRate: 0.7 },
  { path: '/api/agent/step', weight: 6, models: [[3, 3], [2, 1]], inputMedian: 7800, outputMedian: 350, errorRate: 0.025, responseCacheRate: 0, promptCacheRate: 0.85 },
  { path: '/api/code/review', weight: 3, models: [[3, 2], [5, 1]], inputMedian: 9000, outputMedian: 700, errorRate: 0.02, responseCacheRate: 0.02, promptCacheRate: 0.5 },
  { path: '/api/code/complete', weight: 5, models: [[4, 3], [0, 2]], inputMedian: 1200, outputMedian: 90, errorRate: 0.01, responseCacheRate: 0.1, promptCacheRate: 0.65 },
  { path: '/api/email/draft', weight: 3, models: [[1, 1], [4, 1]], inputMedian: 800, outputMedian: 380, errorRate: 0.01, responseCacheRate: 0.03, promptCacheRate: 0.15 },
  { path: '/api/sentiment', weight: 3, models: [[0, 1]], inputMedian: 250, outputMedian: 5, errorRate: 0.004, responseCacheRate: 0.4, promptCacheRate: 0 },
  { path: '/api/moderate', weight: 4, models: [[0, 1]], inputMedian: 300, outputMedian: 12, errorRate: 0.004, responseCacheRate: 0.3, promptCacheRate: 0 },
  { path: '/api/qa', weight: 5, models: [[1, 2], [3, 2]], inputMedian: 4200, outputMedian: 260, errorRate: 0.015, responseCacheRate: 0.15, promptCacheRate: 0.45 },
  { path: '/api/report/generate', weight: 1, models: [[5, 1], [2, 1]], inputMedian: 12000, outputMedian: 1800, errorRate: 0.04, responseCacheRate: 0, promptCacheRate: 0.3 },
  { path: '/api/title', weight: 3, models: [[0, 1]], inputMedian: 400, outputMedian: 12, errorRate: 0.004, responseCacheRate: 0.25, promptCacheRate: 0 },
  { path: '/api/tags', weight: 2, models: [[4, 1]], inputMedian: 500, outputMedian: 20, errorRate: 0.005, responseCacheRate: 0.2, promptCacheRate: 0.1 },
  { path: '/api/vision/describe', weight: 2, models: [[1, 1], [3, 1]], inputMedian: 1600, outputMedian: 200, errorRate: 0.02, responseCacheRate: 0.05, promptCacheRate: 0 },
  { path: '/api/embeddings/explain', weight: 2, models: [[0, 1]], inputMedian: 900, outputMedian: 120, errorRate: 0.008, responseCacheRate: 0.1, promptCacheRate: 0 },
];

const cumulative = (ws: readonly number[]): number[] => {
  let s = 0;
  return ws.map(w => (s += w));
};
const ENDPOINT_CUM = cumulative(ENDPOINTS.map(e => e.weight));
const ENDPOINT_MODELS = ENDPOINTS.map(e => ({ items: e.models.map(m => m[0]), cum: cumulative(e.models.map(m => m[1])) }));

export interface GenParams {
  calls: number;
  days: number;
  seed: number;
}

export interface Manifest extends GenParams {
  version: number;
  /** UTC ms of the end of the generated period (the "now" of the data) */
  endMs: number;
  bytes: number;
  generatedAt: string;
}

const HOUR = 3_600_000;

/** Hourly weights: a daytime peak (UTC afternoon), quiet nights, weekends at ~45 %, slow growth, noise. */
function hourWeights(rng: Prng, startMs: number, hours: number): number[] {
  const w: number[] = [];
  for (let h = 0; h < hours; h++) {
    const t = new Date(startMs + h * HOUR);
    const hod = t.getUTCHours() + 0.5;
    const diurnal = 0.15 + Math.pow(0.5 * (1 + Math.cos((2 * Math.PI * (hod - 14)) / 24)), 1.5);
    const dow = t.getUTCDay();
    const weekly = dow === 0 || dow === 6 ? 0.45 : 1;
    const growth = 1 + 0.25 * (h / hours);
    const noise = 0.85 + 0.3 * rng.next();
    w.push(diurnal * weekly * growth * noise);
  }
  return w;
}

/** The i-th call's fields as one JSON line, written by hand (stable key order, no JSON.stringify cost). */
export function callLine(rng: Prng, ts: number, incident: boolean): string {
  const ep = rng.pick(ENDPOINTS, ENDPOINT_CUM);
  const epIndex = ENDPOINTS.indexOf(ep);
  const m = MODELS[rng.pick(ENDPOINT_MODELS[epIndex].items, ENDPOINT_MODELS[epIndex].cum)];
  const iso = new Date(ts).toISOString();
  // No "provider" key: most apps log only the model, which names it (and it keeps lines ~240 bytes).
  let line = `{"timestamp":"${iso}","endpoint":"${ep.path}","model":"${m.name}"`;

  // The app's own response cache: fast, no provider usage, nothing spent.
  if (rng.next() < ep.responseCacheRate) {
    const lat = Math.round(rng.logNormal(6, 0.6) * 10) / 10;
    return line + `,"status_code":200,"latency_ms":${lat},"cache_hit":true,"cost_usd":0}`;
  }
  const errorRate = incident && m.provider === 'anthropic' ? 0.3 : ep.errorRate;
  if (rng.next() < errorRate) {
    const r = rng.next();
    const [code, type, latMedian] = incident && m.provider === 'anthropic'
      ? [529, 'overloaded_error', 900]
      : r < 0.45 ? [429, 'rate_limit_error', 120] : r < 0.7 ? [500, 'api_error', 2500] : r < 0.85 ? [504, 'timeout', 30000] : [400, 'invalid_request_error', 90];
    const lat = Math.round(rng.logNormal(latMedian, 0.4));
    return line + `,"status_code":${code},"latency_ms":${lat},"error_type":"${type}","cache_hit":false}`;
  }

  const input = Math.max(5, Math.round(rng.logNormal(ep.inputMedian, 0.7)));
  let output = Math.max(1, Math.round(rng.logNormal(ep.outputMedian, 0.6)));
  const lat = Math.round(rng.logNormal(m.latencyMs, 0.45) * (0.6 + 0.4 * Math.min(4, output / 300)));
  let cacheRead = 0;
  let cacheWrite = 0;
  let reasoning = 0;
  let usage: string;
  if (m.provider === 'openai') {
    // OpenAI caches prompts of 1024+ tokens in 128-token steps; prompt_tokens includes them.
    if (input >= 1024 && rng.next() < ep.promptCacheRate) cacheRead = Math.floor((input * (0.4 + 0.5 * rng.next())) / 128) * 128;
    if (m.reasoning) {
      reasoning = Math.round(output * (1 + 3 * rng.next()));
      output += reasoning;
    }
    usage = `{"prompt_tokens":${input},"completion_tokens":${output}`;
    if (cacheRead > 0) usage += `,"prompt_tokens_details":{"cached_tokens":${cacheRead}}`;
    if (reasoning > 0) usage += `,"completion_tokens_details":{"reasoning_tokens":${reasoning}}`;
    usage += '}';
  } else {
    // Anthropic input_tokens excludes cache reads and writes.
    const r = rng.next();
    if (r < ep.promptCacheRate) cacheRead = Math.round(input * (0.5 + 0.45 * rng.next()));
    else if (r < ep.promptCacheRate + 0.06 && ep.promptCacheRate > 0) cacheWrite = Math.round(input * (0.5 + 0.4 * rng.next()));
    usage = `{"input_tokens":${input - cacheRead - cacheWrite},"output_tokens":${output},"cache_read_input_tokens":${cacheRead},"cache_creation_input_tokens":${cacheWrite}}`;
  }
  line += `,"status_code":200,"latency_ms":${lat},"usage":${usage},"cache_hit":false`;
  // About a quarter of the app's calls do not log a cost: the engine prices them.
  if (rng.next() < 0.75) {
    const cost = ((input - cacheRead - cacheWrite) * m.input + cacheRead * m.cacheRead + cacheWrite * m.cacheWrite + output * m.output) / 1e6;
    line += `,"cost_usd":${cost.toPrecision(6).replace(/\.?0+$/, '')}`;
  }
  return line + '}';
}

/** Writes `calls` lines over `days` days ending at endMs, in time order, into file. */
export function generateFile(file: string, params: GenParams, endMs: number): number {
  const rng = new Prng(params.seed);
  const hours = params.days * 24;
  const startMs = endMs - hours * HOUR;
  const w = hourWeights(rng, startMs, hours);
  const total = w.reduce((a, b) => a + b, 0);
  // An incident: two hours of Anthropic overload errors, five days before the end.
  const incidentFrom = endMs - 5 * 24 * HOUR - 10 * HOUR;
  const incidentTo = incidentFrom + 2 * HOUR;
  const fd = fs.openSync(file + '.tmp', 'w');
  let bytes = 0;
  let emitted = 0;
  let acc = 0;
  let buf: string[] = [];
  try {
    for (let h = 0; h < hours; h++) {
      // Cumulative rounding: exactly params.calls lines in total, spread by weight.
      acc += w[h];
      const upto = h === hours - 1 ? params.calls : Math.round((acc / total) * params.calls);
      const k = upto - emitted;
      const offsets: number[] = [];
      for (let i = 0; i < k; i++) offsets.push(Math.floor(rng.next() * HOUR));
      offsets.sort((a, b) => a - b);
      const hourStart = startMs + h * HOUR;
      for (const o of offsets) {
        const ts = hourStart + o;
        buf.push(callLine(rng, ts, ts >= incidentFrom && ts < incidentTo));
        if (buf.length === 20000) {
          const s = buf.join('\n') + '\n';
          bytes += fs.writeSync(fd, s);
          buf = [];
        }
      }
      emitted = upto;
    }
    if (buf.length) bytes += fs.writeSync(fd, buf.join('\n') + '\n');
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(file + '.tmp', file);
  return bytes;
}

/** Returns the manifest of an up-to-date file for these parameters, generating it if needed. */
export function ensureData(dir: string, params: GenParams, log: (s: string) => void): { file: string; manifest: Manifest; generatedMs: number | null } {
  fs.mkdirSync(dir, { recursive: true });
  const name = `calls-${params.calls}-s${params.seed}`;
  const file = path.join(dir, name + '.jsonl');
  const manifestFile = path.join(dir, name + '.manifest.json');
  try {
    const m = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Manifest;
    if (m.version === GENERATOR_VERSION && m.calls === params.calls && m.days === params.days && m.seed === params.seed
      && fs.existsSync(file) && fs.statSync(file).size === m.bytes) {
      return { file, manifest: m, generatedMs: null };
    }
  } catch {
    // no manifest or an unreadable one: generate
  }
  log(`generating ${params.calls.toLocaleString('en-US')} calls into ${file} ...`);
  const t0 = performance.now();
  // "Now" rounded to the minute, so minute buckets of the data line up with real ones.
  const endMs = Math.floor(Date.now() / 60000) * 60000;
  const bytes = generateFile(file, params, endMs);
  const generatedMs = performance.now() - t0;
  const manifest: Manifest = { ...params, version: GENERATOR_VERSION, endMs, bytes, generatedAt: new Date().toISOString() };
  fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
  log(`  ${(bytes / 1e6).toFixed(1)} MB, ${(bytes / params.calls).toFixed(0)} bytes/line, ${(generatedMs / 1000).toFixed(1)} s`);
  return { file, manifest, generatedMs };
}

/** Lines to append to a tailed file: same shape, timestamps from fromMs on, stepMs apart. */
export function appendLines(rng: Prng, count: number, fromMs: number, stepMs: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(callLine(rng, fromMs + i * stepMs, false));
  return out.join('\n') + '\n';
}
