import * as assert from 'assert';
import { parseText } from '../../src/core/ingest/sourceParser';
import { csvRows, jsonlRows } from '../../src/core/export/csv';
import { emptyRecord, CallRecord } from '../../src/core/model';

// Exported files read back through the real ingest parsers (H1's parseText). The ingest aliases do
// not know ts_iso / ts_ms yet, so the timestamp column is mapped explicitly (the user-facing field
// mapping setting does the same).
const MAPPING = { ts: 'ts_iso' };

function full(): CallRecord {
  const r = emptyRecord(Date.UTC(2025, 2, 1, 8, 0, 0, 250), '/v1/chat');
  r.function_name = 'He said "hi", then\nleft';
  r.provider = 'openai'; r.model = 'gpt-4o'; r.method = 'POST'; r.status_code = 500; r.success = false; r.error_type = 'RateLimit, retry';
  r.request_id = 'req_1'; r.trace_id = 't1'; r.retry_count = 2; r.priority = 'high'; r.latency_ms = 812.25; r.ttft_ms = 100;
  r.input_tokens = 1200; r.output_tokens = 300; r.cache_read_tokens = 1000; r.cache_write_tokens = 100; r.cache_write_1h_tokens = 40;
  r.reasoning_tokens = 50; r.response_cache_hit = false; r.cost_usd = 0.1 + 0.2; r.cost_source = 'logged'; r.batch = true; r.request_hash = 'abc';
  return r;
}

const strip = (r: CallRecord & { offset?: number; line?: number }): CallRecord => {
  const { offset: _o, line: _l, ...rest } = r;
  return rest;
};

describe('export: round trip through the ingest parsers', () => {
  for (const [name, write] of [['calls.csv', csvRows], ['calls.jsonl', jsonlRows]] as const) {
    it(`${name}: every field comes back as exported`, () => {
      const a = full();
      const b = emptyRecord(Date.UTC(2025, 2, 1, 9), '/v1/embed');
      const text = [...write([a, b], { timeZone: 'Europe/Paris' })].join('');
      const parsed = parseText(text, name, { timeZone: 'UTC', fieldMapping: MAPPING });
      assert.deepStrictEqual(parsed.problems, []);
      assert.deepStrictEqual(parsed.records.map(strip), [a, b]);
    });
  }

  it('a guarded formula cell comes back with its leading quote (the price of spreadsheet safety)', () => {
    const r = emptyRecord(Date.UTC(2025, 2, 1, 8), '=cmd|calc');
    const parsed = parseText([...csvRows([r], { timeZone: 'UTC' })].join(''), 'x.csv', { fieldMapping: MAPPING });
    assert.strictEqual(parsed.records[0].endpoint, "'=cmd|calc");
  });
});
