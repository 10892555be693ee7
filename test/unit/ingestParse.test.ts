// Per-fixture numbers for every format, worked out by hand from test/fixtures (see its README).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { parseBuffer, parseText, ParsedText } from '../../src/core/ingest/sourceParser';

const FIX = [path.resolve(__dirname, '../../../test/fixtures'), path.resolve(process.cwd(), 'test/fixtures')].find(d => fs.existsSync(d))!;
function fixture(name: string, timeZone = 'UTC'): ParsedText {
  let buf = fs.readFileSync(path.join(FIX, name));
  if (name.endsWith('.gz')) buf = zlib.gunzipSync(buf);
  return parseBuffer(buf, name, { timeZone });
}
const sum = (r: ParsedText, f: (x: ParsedText['records'][number]) => number | null): number =>
  r.records.reduce((a, x) => a + (f(x) ?? 0), 0);
const T0 = Date.UTC(2025, 2, 4, 10, 0, 0); // 2025-03-04T10:00:00Z = 1741082400000

describe('ingest: OpenAI Chat Completions JSONL', () => {
  const r = fixture('openai-chat.jsonl');
  it('reads 3 calls with exact timestamps (Z, fraction, +01:00)', () => {
    assert.strictEqual(r.format, 'jsonl');
    assert.deepStrictEqual(r.records.map(x => x.ts), [T0, T0 + 5250, T0 + 60_000 - 3_600_000]); // 10:01+01:00 = 09:01Z
    assert.strictEqual(r.skipped, 0);
  });
  it('normalises tokens: prompt includes cached, completion includes reasoning', () => {
    assert.strictEqual(sum(r, x => x.input_tokens), 1200 + 500); // third call has no usage: null, not 0
    assert.strictEqual(r.records[2].input_tokens, null);
    assert.strictEqual(sum(r, x => x.output_tokens), 300 + 900);
    assert.strictEqual(sum(r, x => x.cache_read_tokens), 1024);
    assert.strictEqual(sum(r, x => x.reasoning_tokens), 640);
  });
  it('latency, success and error type', () => {
    assert.deepStrictEqual(r.records.map(x => x.latency_ms), [812, 2400.5, 95]);
    assert.deepStrictEqual(r.records.map(x => x.success), [true, true, false]); // 429 fails
    assert.strictEqual(r.records[2].error_type, 'rate_limit_exceeded');
    assert.deepStrictEqual(r.records.map(x => [x.offset, x.line]), [[0, 1], [317, 2], [599, 3]]); // line lengths 316 and 281, +1 newline each
  });
  it('a gzipped copy gives the same records', () => {
    const g = fixture('openai-chat.jsonl.gz');
    assert.deepStrictEqual(g.records, r.records);
  });
});

describe('ingest: Anthropic Messages JSONL', () => {
  const r = fixture('anthropic.jsonl');
  it('input = input + cache_read + cache_creation', () => {
    assert.deepStrictEqual(r.records.map(x => x.input_tokens), [20 + 3000 + 500, 100 + 0 + 1000, null]);
    assert.strictEqual(sum(r, x => x.cache_read_tokens), 3000);
    assert.strictEqual(sum(r, x => x.cache_write_tokens), 500 + 1000);
    assert.strictEqual(sum(r, x => x.output_tokens), 400 + 50);
  });
  it('5m/1h split known only where the log gives it', () => {
    assert.deepStrictEqual(r.records.map(x => x.cache_write_1h_tokens), [300, 0, 0]);
    assert.deepStrictEqual(r.records.map(x => x.cache_write_split_known), [true, false, true]); // no writes = nothing to split
  });
  it('status 529 fails with the error type', () => {
    assert.deepStrictEqual(r.records.map(x => x.success), [true, true, false]);
    assert.strictEqual(r.records[2].error_type, 'overloaded_error');
    assert.deepStrictEqual(r.records.map(x => x.ts), [Date.UTC(2025, 2, 4, 12), Date.UTC(2025, 2, 4, 12, 0, 10), Date.UTC(2025, 2, 4, 12, 0, 20)]);
  });
});

describe('ingest: OpenAI Responses JSONL', () => {
  const r = fixture('openai-responses.jsonl');
  it('input includes cached, output includes reasoning; epoch seconds', () => {
    assert.deepStrictEqual(r.records.map(x => x.ts), [1741082400000, 1741082460000]);
    assert.deepStrictEqual(r.records.map(x => [x.input_tokens, x.cache_read_tokens, x.output_tokens, x.reasoning_tokens]),
      [[2000, 1500, 700, 512], [null, 0, null, 0]]);
    assert.deepStrictEqual(r.records.map(x => x.success), [true, false]); // ok:false
    assert.deepStrictEqual(r.records.map(x => x.endpoint), ['responses.create', 'responses.create']);
    assert.deepStrictEqual(r.records.map(x => x.latency_ms), [3100, 900]);
  });
});

describe('ingest: mixed timestamp units and zones', () => {
  const r = fixture('mixed-timestamps.jsonl', 'America/New_York');
  it('s, ms, µs, ns, offset, zone-less in EST and EDT', () => {
    assert.deepStrictEqual(r.records.map(x => x.ts), [
      1741082400000,                      // seconds * 1000
      1741082400123,                      // ms
      1741082400123,                      // 1741082400123456 µs / 1000, floored
      1741082400123,                      // "1741082400123456789" ns / 1e6, floored
      Date.UTC(2025, 2, 4, 4, 30, 0, 500), // 10:00:00.5+05:30
      Date.UTC(2025, 2, 4, 15, 0, 0),      // 10:00 EST (UTC-5, before the 9 March DST switch)
      Date.UTC(2025, 6, 4, 14, 0, 0),      // 10:00 EDT (UTC-4)
    ]);
    assert.strictEqual(r.zoneAssumed, 2);
    assert.deepStrictEqual(r.records.map(x => x.zone_assumed), [false, false, false, false, false, true, true]);
    assert.deepStrictEqual(r.problems.map(p => [p.line, p.reason]), [[8, 'invalid timestamp: "yesterday"']]);
  });
});

describe('ingest: legacy api_metrics.json snapshot', () => {
  const r = fixture('api_metrics.json');
  it('reads recent_calls with seconds durations, logged cost and tokens_used as input', () => {
    assert.strictEqual(r.format, 'legacy-snapshot');
    assert.deepStrictEqual(r.records.map(x => x.ts), [T0, T0 + 2500, T0 + 5000]); // zone-less, UTC assumed
    assert.strictEqual(r.zoneAssumed, 3);
    assert.deepStrictEqual(r.records.map(x => x.latency_ms), [1250, 0, 3500]); // 1.25 s, 0.0 s, 3.5 s
    assert.deepStrictEqual(r.records.map(x => [x.input_tokens, x.output_tokens]), [[850, null], [0, null], [120, null]]);
    assert.ok(Math.abs(sum(r, x => x.cost_usd) - (0.0042 + 0 + 0.0006)) < 1e-12);
    assert.deepStrictEqual(r.records.map(x => x.cost_source), ['logged', 'logged', 'logged']);
    assert.deepStrictEqual(r.records.map(x => x.response_cache_hit), [false, true, false]);
    assert.deepStrictEqual(r.records.map(x => [x.success, x.error_type, x.retry_count]), [[true, null, 0], [true, null, 0], [false, 'TimeoutError', 2]]);
    assert.deepStrictEqual(r.records.map(x => [x.function_name, x.request_id, x.priority]),
      [['summarize_doc', 'a1', 'high'], ['summarize_doc', 'a2', 'high'], ['classify', 'a3', 'normal']]);
    assert.deepStrictEqual(r.records.map(x => x.line), [3, 4, 5]);
  });
});

describe('ingest: plain JSON array', () => {
  const r = fixture('array.json');
  it('keeps the path without query, upper-cases methods, negative latency is null', () => {
    assert.strictEqual(r.format, 'json-array');
    assert.deepStrictEqual(r.records.map(x => x.endpoint), ['/users', '/users', '/health']);
    assert.deepStrictEqual(r.records.map(x => x.method), ['GET', 'POST', 'GET']);
    assert.deepStrictEqual(r.records.map(x => x.latency_ms), [35, 120, null]);
    assert.deepStrictEqual(r.records.map(x => x.success), [true, false, true]); // 200, 500, 204
    assert.deepStrictEqual(r.problems.map(p => [p.line, p.reason]), [[5, 'not an object (string)']]);
  });
});

describe('ingest: CSV (RFC 4180, 12-hour dates)', () => {
  const r = fixture('calls.csv');
  it('quoted commas, doubled quotes, newline in quotes, 12-hour clock', () => {
    assert.strictEqual(r.format, 'csv');
    assert.deepStrictEqual(r.records.map(x => x.ts), [
      Date.UTC(2025, 2, 4, 14, 5, 7),      // 3/4/2025 2:05:07 PM, UTC assumed
      Date.UTC(2025, 2, 4, 0, 0, 0),       // 12:00:00 AM is midnight
      Date.UTC(2025, 2, 4, 14, 5, 7, 250), // ISO with fraction
    ]);
    assert.strictEqual(r.zoneAssumed, 2);
    assert.deepStrictEqual(r.records.map(x => x.endpoint), ['/v1/chat', '/v1/chat, v2', '/v1/embed']);
    assert.deepStrictEqual(r.records.map(x => x.latency_ms), [250.5, 100, 40]);
    assert.deepStrictEqual(r.records.map(x => x.success), [true, true, false]);
    assert.deepStrictEqual(r.records.map(x => x.cost_usd), [0.0123, null, 0.0001]);
    assert.deepStrictEqual(r.records.map(x => x.line), [2, 3, 4]); // the third record spans lines 4-5
    assert.deepStrictEqual(r.problems.map(p => [p.line, p.reason]), [[6, 'CSV row has 8 fields, header has 7']]);
  });
  it('CRLF line ends and a quoted header', () => {
    const t = parseText('"ts","latency_ms"\r\n2025-03-04T10:00:00Z,5\r\n2025-03-04T10:00:01Z,6\r\n', 'x.csv');
    assert.deepStrictEqual(t.records.map(x => [x.ts, x.latency_ms]), [[T0, 5], [T0 + 1000, 6]]);
  });
});

describe('ingest: OTLP/JSON', () => {
  for (const name of ['otlp-traces.jsonl', 'otlp-traces.json']) {
    it(`${name}: spans with string intValues, gen_ai usage, status 2 = error`, () => {
      const r = fixture(name);
      assert.strictEqual(r.format, 'otlp-json');
      assert.deepStrictEqual(r.records.map(x => x.ts), [T0, T0 + 500, T0 + 10_000]);
      // 1741082401250000000 - 1741082400000000000 ns = 1250 ms; 25,500,000 ns = 25.5 ms; end before start = null
      assert.deepStrictEqual(r.records.map(x => x.latency_ms), [1250, 25.5, null]);
      // the endpoint is named by the requested model (gpt-4o), not the dated response model, so one endpoint stays one
      assert.deepStrictEqual(r.records.map(x => x.endpoint), ['chat gpt-4o', '/api/items', 'anthropic.messages']);
      assert.deepStrictEqual(r.records.map(x => [x.input_tokens, x.output_tokens, x.cache_read_tokens, x.reasoning_tokens]),
        [[1000, 200, 600, 50], [null, null, 0, 0], [300, 0, 0, 0]]);
      assert.deepStrictEqual(r.records.map(x => x.success), [true, true, false]);
      assert.deepStrictEqual(r.records.map(x => [x.provider, x.method, x.status_code]), [['openai', null, null], [null, 'GET', 200], ['anthropic', null, null]]);
      assert.strictEqual(r.records[2].error_type, 'overloaded');
      // identities stay distinct for spans sharing a line or element
      assert.strictEqual(new Set(r.records.map(x => x.offset)).size, 3);
    });
  }
});

describe('ingest: HAR 1.2', () => {
  const r = fixture('session.har');
  it('time, or the sum of non-negative timings without ssl; body usage', () => {
    assert.strictEqual(r.format, 'har');
    assert.deepStrictEqual(r.records.map(x => x.latency_ms), [812.5, 20 + 1 + 100 + 4, 30]); // ssl 15 is inside connect
    assert.deepStrictEqual(r.records.map(x => x.endpoint), ['POST /v1/chat/completions', 'GET /api/status', 'GET /v1/models']);
    assert.deepStrictEqual(r.records.map(x => x.success), [true, false, false]); // 200, 404, 0
    assert.deepStrictEqual(r.records.map(x => [x.model, x.input_tokens, x.output_tokens]),
      [['gpt-4o-mini-2024-07-18', 50, 10], [null, null, null], [null, null, null]]);
    assert.deepStrictEqual(r.records.map(x => x.provider), ['openai', null, 'anthropic']);
    assert.deepStrictEqual(r.records.map(x => x.ts), [T0, T0 + 1000, T0 + 2000]);
  });
});

describe('ingest: LiteLLM', () => {
  it('logging payloads (JSONL): startTime/endTime in seconds, response_cost, cache_hit', () => {
    const r = fixture('litellm.jsonl');
    assert.strictEqual(r.format, 'litellm');
    assert.deepStrictEqual(r.records.map(x => x.ts), [T0, T0 + 2000, T0 + 3000]);
    assert.deepStrictEqual(r.records.map(x => x.latency_ms), [1500, 250, 1000]);
    assert.strictEqual(r.records[0].ttft_ms, 400); // completionStartTime 1741082400.4 - startTime
    assert.ok(Math.abs(sum(r, x => x.cost_usd) - 0.00125) < 1e-15);
    assert.deepStrictEqual(r.records.map(x => x.response_cache_hit), [false, true, null]);
    assert.deepStrictEqual(r.records.map(x => x.success), [true, true, false]);
    assert.deepStrictEqual(r.records.map(x => x.provider), ['openai', 'anthropic', 'openai']);
    assert.strictEqual(sum(r, x => x.input_tokens), 300 + 300 + 0);
  });
  it('spend-log rows (JSON array): spend, "True"/"False" strings, cache_key', () => {
    const r = fixture('litellm-spend.json');
    assert.strictEqual(r.format, 'litellm');
    assert.deepStrictEqual(r.records.map(x => x.latency_ms), [2000, 150]);
    assert.deepStrictEqual(r.records.map(x => x.cost_usd), [0.002, 0.0001]);
    assert.deepStrictEqual(r.records.map(x => x.response_cache_hit), [false, true]);
    assert.deepStrictEqual(r.records.map(x => x.request_hash), ['abc', 'def']);
    assert.deepStrictEqual(r.records.map(x => x.request_id), ['r1', 'r2']);
    assert.strictEqual(r.records[0].ttft_ms, 300);
  });
});

describe('ingest: bad input', () => {
  it('malformed lines are skipped with line and reason, the rest kept', () => {
    const r = fixture('malformed.jsonl');
    assert.deepStrictEqual(r.records.map(x => x.endpoint), ['/ok', '/wrong-types', '/ok']);
    assert.deepStrictEqual(r.problems.map(p => p.line), [2, 3, 4, 5, 6]); // line 8 is blank: ignored, not counted
    assert.strictEqual(r.skipped, 5);
    assert.ok(r.problems[0].reason.startsWith('malformed JSON'));
    assert.deepStrictEqual(r.problems.slice(2).map(p => p.reason), ['not an object (array)', 'no timestamp field', 'invalid timestamp: "2025-13-45T00:00:00Z"']);
    const w = r.records[1]; // wrong types become null, never NaN
    assert.deepStrictEqual([w.latency_ms, w.input_tokens, w.output_tokens, w.cost_usd, w.cost_source], [null, null, null, null, 'unpriced']);
  });
  it('a binary file is one problem', () => {
    const r = fixture('binary.log');
    assert.strictEqual(r.records.length, 0);
    assert.deepStrictEqual(r.problems.map(p => [p.line, p.reason]), [[0, 'binary file, not a log']]);
  });
  it('an unterminated last line of a complete text is reported', () => {
    const r = fixture('partial.jsonl');
    assert.strictEqual(r.records.length, 2);
    assert.strictEqual(r.problems[0].line, 3);
  });
  it('keeps only the first 20 problem examples but counts all', () => {
    const text = Array.from({ length: 30 }, () => '{bad').join('\n');
    const r = parseText(text, 'x.jsonl');
    assert.strictEqual(r.skipped, 30);
    assert.strictEqual(r.problems.length, 20);
  });
});

describe('ingest: field mapping and aliases', () => {
  it('a user mapping wins over aliases (dotted paths)', () => {
    const line = JSON.stringify({ ts: 1, meta: { when: '2025-03-04T10:00:00Z', op: '/mapped', ms: 42 }, endpoint: '/alias' });
    const r = parseText(line, 'x.jsonl', { fieldMapping: { ts: 'meta.when', endpoint: 'meta.op', latency_ms: 'meta.ms' } });
    assert.deepStrictEqual(r.records.map(x => [x.ts, x.endpoint, x.latency_ms]), [[T0, '/mapped', 42]]);
  });
  it('a record without the mapped path falls back to the usual names (one mapping, several logs)', () => {
    const line = JSON.stringify({ timestamp: '2025-03-04T10:00:00Z', endpoint: '/alias', latency_ms: 7 });
    const r = parseText(line, 'x.jsonl', { fieldMapping: { ts: 'meta.when', endpoint: 'meta.op', latency_ms: 'meta.ms' } });
    // none of meta.* exists: timestamp/endpoint/latency_ms are read as without a mapping
    assert.deepStrictEqual(r.records.map(x => [x.ts, x.endpoint, x.latency_ms]), [[T0, '/alias', 7]]);
  });
  it('status words, success/ok booleans and error fields', () => {
    const lines = [
      { ts: T0, status: 'failed' }, { ts: T0, status: 'ok' }, { ts: T0, success: false }, { ts: T0, ok: true, status_code: 500 },
      { ts: T0, error: 'boom' }, { ts: T0, error: '' }, { ts: T0, status_code: 302 }, { ts: T0, status_code: 0 },
    ].map(o => JSON.stringify(o)).join('\n');
    const r = parseText(lines, 'x.jsonl');
    // an explicit boolean wins over the code; an empty error is no error; 0 = no response
    assert.deepStrictEqual(r.records.map(x => x.success), [false, true, false, true, false, true, true, false]);
  });
  it('durations: `duration` is seconds, `duration_ms` ms, start/end difference', () => {
    const lines = [
      { ts: T0, duration: 0.5 }, { ts: T0, duration_ms: 7 }, { ts: T0, response_time: 12 },
      { start_time: '2025-03-04T10:00:00Z', end_time: '2025-03-04T10:00:01.5Z' },
      { start_time: '2025-03-04T10:00:02Z', end_time: '2025-03-04T10:00:01Z' },
    ].map(o => JSON.stringify(o)).join('\n');
    const r = parseText(lines, 'x.jsonl');
    assert.deepStrictEqual(r.records.map(x => x.latency_ms), [500, 7, 12, 1500, null]); // end before start: null
  });
});

describe('ingest: our own export columns', () => {
  it('ts_ms / ts_iso and canonical token columns read back without a mapping', () => {
    const csv = 'ts_iso,ts_ms,endpoint,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cache_write_1h_tokens,cache_write_split_known,reasoning_tokens\r\n' +
      '2025-03-04T11:00:00.000+01:00,1741082400000,/v1/x,1000,200,300,100,40,true,50\r\n';
    const r = parseText(csv, 'export.csv');
    assert.deepStrictEqual(r.records.map(x => [x.ts, x.endpoint, x.input_tokens, x.output_tokens, x.cache_read_tokens, x.cache_write_tokens, x.cache_write_1h_tokens, x.cache_write_split_known, x.reasoning_tokens]),
      [[T0, '/v1/x', 1000, 200, 300, 100, 40, true, 50]]); // input already normalised: not re-added
  });
});

describe('ingest: Gemini usageMetadata', () => {
  it('thoughts are added to candidates (Gemini counts them apart); prompt includes cached content', () => {
    const line = JSON.stringify({ ts: T0, model: 'gemini-2.5-pro', usageMetadata: { promptTokenCount: 800, cachedContentTokenCount: 300, candidatesTokenCount: 120, thoughtsTokenCount: 80 } });
    const r = parseText(line, 'g.jsonl');
    assert.deepStrictEqual(r.records.map(x => [x.input_tokens, x.cache_read_tokens, x.output_tokens, x.reasoning_tokens]), [[800, 300, 120 + 80, 80]]);
  });
});
