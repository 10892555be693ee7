#!/usr/bin/env node
// `npm run example:live`: appends one made-up OpenAI call (EXAMPLE DATA) per second to
// examples/logs/example-live-calls.jsonl, so you can watch API Monitor's views update while it runs
// (open the example workspace with `npm start` in another terminal). Ctrl-C stops it.
//   node scripts/example-live.js [--interval=1000] [--file=examples/logs/example-live-calls.jsonl] [--count=N]
'use strict';
const fs = require('fs');
const path = require('path');
const { prng } = require('./generate-examples');

const get = (k) => { const a = process.argv.find(x => x.startsWith(`--${k}=`)); return a ? a.slice(k.length + 3) : undefined; };
const file = path.resolve(get('file') || path.join(__dirname, '..', 'examples/logs/example-live-calls.jsonl'));
const interval = Math.max(50, +(get('interval') || 1000));
const count = get('count') ? +get('count') : Infinity;
const r = prng(Date.now() % 2147483647);
const routes = [
  ['/api/classify', 'classify_ticket', 'gpt-4o-mini', 600, 12, 480],
  ['/api/summarize', 'summarize_document', 'gpt-4o', 3200, 320, 2600],
  ['/api/search/answer', 'answer_with_sources', 'gpt-4o-mini', 2800, 220, 1700],
];

fs.mkdirSync(path.dirname(file), { recursive: true });
let written = 0;
function writeOne() {
  const [endpoint, fn, model, prompt, completion, lat] = r.pick(routes);
  const failed = r.chance(0.03);
  const rec = { timestamp: new Date().toISOString(), endpoint, function_name: fn, provider: 'openai', model, method: 'POST',
    status_code: failed ? 429 : 200, latency_ms: Math.round(r.logn(failed ? 200 : lat, 0.35)), request_id: `req_${r.hex(24)}`, cache_hit: false };
  if (failed) rec.error_type = 'rate_limit_exceeded';
  else {
    const p = Math.round(r.logn(prompt, 0.4)), c = Math.max(1, Math.round(r.logn(completion, 0.5)));
    const cached = p >= 1024 && r.chance(0.6) ? Math.floor(p * 0.4 / 128) * 128 : 0;
    rec.usage = { prompt_tokens: p, completion_tokens: c, total_tokens: p + c, prompt_tokens_details: { cached_tokens: cached },
      completion_tokens_details: { reasoning_tokens: 0 } };
  }
  // one write() per complete line: a reader never sees half a record for long
  fs.appendFileSync(file, JSON.stringify(rec) + '\n');
  written++;
  if (written % 10 === 0 || written === 1) console.log(`${written} example call${written === 1 ? '' : 's'} appended to ${path.relative(process.cwd(), file)}`);
  if (written >= count) stop();
}
const timer = setInterval(writeOne, interval);
writeOne();
function stop() { clearInterval(timer); console.log(`stopped after ${written} example calls`); process.exit(0); }
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
