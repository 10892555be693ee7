// "Open Example Workspace" in an installed extension: the repository's examples/ folder is not
// shipped in the .vsix (and its data would be stale), so a small example workspace is written into
// the extension's global storage: one JSON Lines log of made-up calls over the last 24 hours, with a
// budget and an alert rule. Deterministic (fixed-seed PRNG) apart from the end time. EXAMPLE DATA.
import * as vscode from 'vscode';

const ENDPOINTS: readonly { endpoint: string; fn: string; model: string; provider: string; inTok: number; outTok: number; ms: number; weight: number }[] = [
  { endpoint: '/v1/chat/completions', fn: 'answer_question', model: 'gpt-4o-mini', provider: 'openai', inTok: 1800, outTok: 350, ms: 900, weight: 5 },
  { endpoint: '/v1/chat/completions', fn: 'summarise_ticket', model: 'gpt-4o', provider: 'openai', inTok: 4200, outTok: 600, ms: 2400, weight: 2 },
  { endpoint: '/v1/embeddings', fn: 'embed_documents', model: 'text-embedding-3-small', provider: 'openai', inTok: 900, outTok: 0, ms: 120, weight: 6 },
  { endpoint: '/v1/messages', fn: 'draft_reply', model: 'claude-3-5-haiku-latest', provider: 'anthropic', inTok: 2500, outTok: 500, ms: 1500, weight: 3 },
  { endpoint: '/api/search', fn: 'search_products', model: '', provider: '', inTok: 0, outTok: 0, ms: 180, weight: 4 },
];

/** mulberry32: a tiny seeded PRNG, so the example is the same every time (apart from "now"). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The example log: about 2,900 calls over the 24 hours before `now`, one every 30 s on average. */
export function exampleLog(now: number, seed = 7): string {
  const rnd = prng(seed);
  const total = ENDPOINTS.reduce((n, e) => n + e.weight, 0);
  const lines: string[] = [];
  for (let t = now - 86_400_000; t < now; t += 15_000 + Math.floor(rnd() * 30_000)) {
    let pick = rnd() * total;
    const e = ENDPOINTS.find(x => (pick -= x.weight) < 0) ?? ENDPOINTS[0];
    // a slow, failing stretch two hours ago makes the charts and alerts worth looking at
    const bad = t > now - 2.5 * 3_600_000 && t < now - 2 * 3_600_000;
    const failed = rnd() < (bad ? 0.25 : 0.015);
    const latency = Math.round(e.ms * (0.5 + rnd() * rnd() * 3) * (bad ? 3 : 1));
    const rec: Record<string, unknown> = {
      ts: new Date(t).toISOString(), endpoint: e.endpoint, function_name: e.fn, method: 'POST',
      latency_ms: latency, status_code: failed ? (rnd() < 0.5 ? 429 : 503) : 200, success: !failed,
    };
    if (failed) {
      rec.error_type = rec.status_code === 429 ? 'rate_limited' : 'unavailable';
    }
    if (e.model) {
      rec.model = e.model;
      rec.provider = e.provider;
      if (!failed) {
        rec.input_tokens = Math.round(e.inTok * (0.5 + rnd()));
        rec.output_tokens = Math.round(e.outTok * (0.5 + rnd()));
      }
    } else {
      rec.response_cache_hit = rnd() < 0.4;
    }
    lines.push(JSON.stringify(rec));
  }
  return lines.join('\n') + '\n';
}

const SETTINGS = {
  'apiMonitor.logFiles': ['logs/**/*.jsonl'],
  'apiMonitor.budget': { amount: 50, period: 'month', warnAt: [50, 80, 100] },
  'apiMonitor.alerts.rules': [
    { id: 'errors', name: 'Error rate above 5 %', metric: 'errorRate', scope: { kind: 'all' }, comparison: 'above', warning: 5, critical: 20,
      windowMinutes: 15, forMinutes: 0, minCalls: 10, cooldownMinutes: 60, severity: 'error', enabled: true },
    { id: 'slow-chat', name: 'Slow chat completions', metric: 'p95Latency', scope: { kind: 'endpoint', value: '/v1/chat/completions' },
      comparison: 'above', warning: 4000, windowMinutes: 30, forMinutes: 5, minCalls: 5, cooldownMinutes: 60, severity: 'warning', enabled: true },
  ],
};

const README = `# API Monitor example workspace

EXAMPLE DATA: \`logs/example-calls.jsonl\` holds made-up API and LLM calls over the 24 hours before
this folder was written, with a slow, failing half hour about two hours ago. Open the **API Monitor**
view in the activity bar, or run **API Monitor: Open Dashboard**.

\`.vscode/settings.json\` sets a $50 monthly budget and two alert rules.
`;

/** Write the example workspace into `folder` (replacing an older one) and return its URI. */
export async function writeExampleWorkspace(folder: vscode.Uri, now = Date.now()): Promise<vscode.Uri> {
  const enc = new TextEncoder();
  await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(folder, 'logs'));
  await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(folder, '.vscode'));
  await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, 'logs', 'example-calls.jsonl'), enc.encode(exampleLog(now)));
  await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, '.vscode', 'settings.json'), enc.encode(JSON.stringify(SETTINGS, null, 2) + '\n'));
  await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, 'README.md'), enc.encode(README));
  return folder;
}
