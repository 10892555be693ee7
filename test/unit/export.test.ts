import * as assert from 'assert';
import { emptyRecord, CallRecord } from '../../src/core/model';
import { CSV_COLUMNS, csvRows, csvText, jsonlRows } from '../../src/core/export/csv';
import { IsoFormatter } from '../../src/core/export/isoTime';

/** A small RFC 4180 reader for the tests (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], cell = '', i = 0, quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      cell += c; i++; continue;
    }
    if (c === '"') { quoted = true; i++; continue; }
    if (c === ',') { row.push(cell); cell = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i += 2; continue; }
    cell += c; i++;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

const T = Date.UTC(2025, 2, 1, 8); // 1740816000000 = 2025-03-01 08:00 UTC = 09:00 in Paris (+01:00)

function tricky(): CallRecord {
  const r = emptyRecord(T, '/v1/chat');
  r.function_name = 'He said "hi", then\nleft';
  r.provider = 'openai';
  r.model = '=HYPERLINK("http://x","y")';
  r.method = 'POST';
  r.status_code = 200;
  r.success = false;
  r.error_type = '-1 bad';
  r.latency_ms = 812.25;
  r.input_tokens = 1200;
  r.output_tokens = 300;
  r.cache_read_tokens = 1000;
  r.cache_write_tokens = 100;
  r.cache_write_split_known = false;
  r.cost_usd = -3.5; // a refund-like negative figure: numeric, must not be neutralised
  r.cost_source = 'logged';
  r.zone_assumed = true;
  return r;
}

describe('export: CSV', () => {
  it('writes the header and an exact line for quotes, newlines, a formula and a negative number', () => {
    const text = [...csvRows([tricky()], { timeZone: 'Europe/Paris' })].join('');
    const lines = text.split('\r\n');
    assert.strictEqual(lines[0], CSV_COLUMNS.join(','));
    assert.strictEqual(lines[0], 'ts_iso,ts_ms,endpoint,function_name,provider,model,method,status_code,success,error_type,' +
      'request_id,trace_id,retry_count,priority,latency_ms,ttft_ms,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,' +
      'cache_write_1h_tokens,cache_write_split_known,reasoning_tokens,response_cache_hit,cost_usd,cost_source,cost_estimated,batch,' +
      'request_hash,zone_assumed');
    // the quoted cell keeps its LF, so the record spans two physical lines
    assert.strictEqual(text,
      lines[0] + '\r\n' +
      '2025-03-01T09:00:00.000+01:00,1740816000000,/v1/chat,"He said ""hi"", then\nleft",openai,' +
      '"\'=HYPERLINK(""http://x"",""y"")",POST,200,false,\'-1 bad,,,0,,812.25,,1200,300,1000,100,0,false,0,,-3.5,logged,false,false,,true\r\n');
    const parsed = parseCsv(text);
    assert.strictEqual(parsed.length, 2);
    assert.strictEqual(parsed[1].length, CSV_COLUMNS.length);
    assert.strictEqual(parsed[1][3], 'He said "hi", then\nleft');
    assert.strictEqual(parsed[1][5], '\'=HYPERLINK("http://x","y")');
  });

  it('guards every formula lead character in text cells only', () => {
    assert.deepStrictEqual(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', 'ok', '', 'a,b'].map(csvText),
      ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", '"\'\rx"', 'ok', '', '"a,b"']);
  });

  it('marks a computed cost with an unknown cache-write split as estimated, writes costs unrounded', () => {
    const r = emptyRecord(T, 'e');
    r.cost_usd = 0.1 + 0.2; // 0.30000000000000004: full precision, not rounded
    r.cost_source = 'computed';
    r.cache_write_tokens = 50;
    r.cache_write_split_known = false;
    const row = parseCsv([...csvRows([r], { timeZone: 'UTC' })].join(''))[1];
    const col = (name: string): string => row[CSV_COLUMNS.indexOf(name as typeof CSV_COLUMNS[number])];
    assert.strictEqual(col('cost_usd'), '0.30000000000000004');
    assert.strictEqual(col('cost_estimated'), 'true');
    assert.strictEqual(col('ts_iso'), '2025-03-01T08:00:00.000+00:00');
    assert.strictEqual(col('input_tokens'), ''); // null: empty, not 0
  });

  it('the sum of exported costs equals the total to 1e-9 (1,000 calls of $0.000123 = $0.123)', () => {
    const recs: CallRecord[] = [];
    for (let i = 0; i < 1000; i++) {
      const r = emptyRecord(T + i * 1000, '/x');
      r.cost_usd = 0.000123;
      r.cost_source = 'computed';
      recs.push(r);
    }
    const chunks = [...csvRows(recs, { timeZone: 'UTC', chunkSize: 4096 })];
    assert.ok(chunks.length > 1); // chunked (about 100 characters a row, 4 KiB chunks)
    const rows = parseCsv(chunks.join('')).slice(1);
    assert.strictEqual(rows.length, 1000);
    const idx = CSV_COLUMNS.indexOf('cost_usd');
    const sum = rows.reduce((s, r) => s + Number(r[idx]), 0);
    assert.ok(Math.abs(sum - 0.123) < 1e-9, `sum ${sum}`); // 1000 x 0.000123 = 0.123
  });

  it('writes ts_ms exactly, whole or fractional', () => {
    const ts = [T + 7, T + 1_000_000, T + 999_999, T + 0.5, 5];
    const rows = parseCsv([...csvRows(ts.map(t => emptyRecord(t, 'e')), { timeZone: 'UTC' })].join('')).slice(1);
    assert.deepStrictEqual(rows.map(r => r[1]), ['1740816000007', '1740817000000', '1740816999999', '1740816000000.5', '5']);
  });

  it('writes only the header for no records', () => {
    assert.deepStrictEqual([...csvRows([], { timeZone: 'UTC' })], [CSV_COLUMNS.join(',') + '\r\n']);
  });

  it('rejects an unknown time zone instead of guessing', () => {
    assert.throws(() => [...csvRows([tricky()], { timeZone: 'Mars/Olympus' })], RangeError);
  });
});

describe('export: ISO time with the zone offset', () => {
  it('follows daylight saving time and non-hour offsets', () => {
    const paris = new IsoFormatter('Europe/Paris');
    // 2025-03-30 01:00 UTC clocks go from 02:00 to 03:00 in Paris
    assert.strictEqual(paris.format(Date.UTC(2025, 2, 30, 0, 59, 59, 999)), '2025-03-30T01:59:59.999+01:00');
    assert.strictEqual(paris.format(Date.UTC(2025, 2, 30, 1, 30)), '2025-03-30T03:30:00.000+02:00');
    assert.strictEqual(new IsoFormatter('Asia/Kathmandu').format(T), '2025-03-01T13:45:00.000+05:45'); // 08:00 + 5:45
    assert.strictEqual(new IsoFormatter('America/St_Johns').format(T), '2025-03-01T04:30:00.000-03:30'); // 08:00 - 3:30
    assert.strictEqual(new IsoFormatter('UTC').format(T + 123), '2025-03-01T08:00:00.123+00:00');
    assert.strictEqual(paris.day(Date.UTC(2025, 2, 1, 23, 30)), '2025-03-02'); // 00:30 next day in Paris
  });

  it('matches Date#toISOString shifted by the offset over a whole year of hours', () => {
    const ny = new IsoFormatter('America/New_York');
    for (let ms = Date.UTC(2025, 0, 1); ms < Date.UTC(2026, 0, 1); ms += 3_600_000 + 61_001) {
      const off = ny.offsetAt(ms);
      const expected = new Date(ms + off).toISOString().slice(0, 23);
      assert.strictEqual(ny.format(ms).slice(0, 23), expected);
      assert.ok(off === -5 * 3_600_000 || off === -4 * 3_600_000);
    }
  });
});

describe('export: JSON Lines', () => {
  it('round-trips every column', () => {
    const a = tricky();
    const b = emptyRecord(T + 1, '<script>');
    b.response_cache_hit = true;
    const lines = [...jsonlRows([a, b], { timeZone: 'Europe/Paris' })].join('').split('\n');
    assert.strictEqual(lines.length, 3); // two rows and the final empty string after the last LF
    assert.strictEqual(lines[2], '');
    const back = lines.slice(0, 2).map(l => JSON.parse(l));
    assert.deepStrictEqual(Object.keys(back[0]), [...CSV_COLUMNS]);
    for (const [obj, rec] of [[back[0], a], [back[1], b]] as const) {
      assert.strictEqual(obj.ts_ms, rec.ts);
      for (const k of Object.keys(rec) as (keyof CallRecord)[]) {
        if (k === 'ts') continue;
        assert.deepStrictEqual(obj[k], rec[k], k);
      }
    }
    assert.strictEqual(back[0].ts_iso, '2025-03-01T09:00:00.000+01:00');
    assert.strictEqual(back[0].cost_estimated, false); // logged cost: never an estimate
    assert.strictEqual(back[1].ts_iso, '2025-03-01T09:00:00.001+01:00');
  });
});
