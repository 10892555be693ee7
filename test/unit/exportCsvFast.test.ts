import * as assert from 'assert';
import { emptyRecord, CallRecord } from '../../src/core/model';
import { CSV_COLUMNS, csvRows, csvText, isCostEstimated } from '../../src/core/export/csv';
import { IsoFormatter } from '../../src/core/export/isoTime';

const T = Date.UTC(2025, 2, 1, 8); // 1740816000000 = 2025-03-01 08:00 UTC

/**
 * An independent oracle for one CSV line, written the plain way: csvText for text, String() for a
 * finite number, true/false for booleans. The byte writer must give exactly this text.
 */
function oracleLine(r: CallRecord, iso: IsoFormatter): string {
  const n = (v: number | null): string => (typeof v === 'number' && Number.isFinite(v) ? String(v) : '');
  const b = (v: boolean | null): string => (v === true ? 'true' : v === false ? 'false' : '');
  return [iso.format(r.ts), n(r.ts), csvText(r.endpoint), csvText(r.function_name), csvText(r.provider), csvText(r.model),
    csvText(r.method), n(r.status_code), b(r.success), csvText(r.error_type), csvText(r.request_id), csvText(r.trace_id),
    n(r.retry_count), csvText(r.priority), n(r.latency_ms), n(r.ttft_ms), n(r.input_tokens), n(r.output_tokens),
    n(r.cache_read_tokens), n(r.cache_write_tokens), n(r.cache_write_1h_tokens), b(r.cache_write_split_known),
    n(r.reasoning_tokens), b(r.response_cache_hit), n(r.cost_usd), csvText(r.cost_source), b(isCostEstimated(r)), b(r.batch),
    csvText(r.request_hash), b(r.zone_assumed)].join(',') + '\r\n';
}

/** A small deterministic generator (LCG), so a failure names a reproducible case. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
}

/** Numbers of every kind a log can give: whole, short decimals, long fractions, tiny, huge, negative, non-finite. */
function someNumber(rnd: () => number): number | null {
  const k = Math.floor(rnd() * 9);
  const sign = rnd() < 0.2 ? -1 : 1;
  switch (k) {
    case 0: return null;
    case 1: return sign * Math.floor(rnd() * 70_000);
    case 2: return sign * Math.round(rnd() * 1e8) / 10 ** Math.floor(rnd() * 14);
    case 3: return sign * rnd() * 10 ** (Math.floor(rnd() * 44) - 22);
    case 4: return sign * Number((rnd() * 10 ** Math.floor(rnd() * 16)).toPrecision(1 + Math.floor(rnd() * 17)));
    case 5: return sign * Math.floor(rnd() * 2 ** 53);
    case 6: return [NaN, Infinity, -Infinity, -0, 2 ** 53, 1e21, 1e-7, 1e-6, 5e-324][Math.floor(rnd() * 9)];
    case 7: return sign * (0.1 * Math.floor(rnd() * 100) + 0.2);
    default: return sign * new Float64Array(new Uint32Array([Math.floor(rnd() * 2 ** 32), Math.floor(rnd() * 2 ** 32)]).buffer)[0];
  }
}

const TEXTS = [null, '', '/v1/chat', 'gpt-4o', 'a,b', 'say "hi"', 'two\nlines', '=SUM(A1)', '+1', '-x', '@me', '\tTab', '\rCR',
  'café', 'naïve "q"', '日本', '😀 emoji', 'plain-id-123'];

function randomRecord(rnd: () => number, i: number): CallRecord {
  const t = (): string | null => TEXTS[Math.floor(rnd() * TEXTS.length)];
  const num = (): number | null => someNumber(rnd);
  const bool = (): boolean => rnd() < 0.5;
  // times a parser can give (or NaN); a zone's formatter rejects instants beyond Date's range
  const r = emptyRecord(rnd() < 0.05 ? NaN : T + Math.floor(rnd() * 1e9) + (rnd() < 0.1 ? 0.5 : 0), t() ?? '/e');
  r.function_name = t(); r.provider = t(); r.model = t(); r.method = t(); r.status_code = num(); r.success = bool();
  r.error_type = t(); r.request_id = rnd() < 0.7 ? null : `req-${i}`; r.trace_id = t(); r.retry_count = num() ?? 0;
  r.priority = t(); r.latency_ms = num(); r.ttft_ms = num(); r.input_tokens = num(); r.output_tokens = num();
  r.cache_read_tokens = num() ?? 0; r.cache_write_tokens = num() ?? 0; r.cache_write_1h_tokens = num() ?? 0;
  r.cache_write_split_known = bool(); r.reasoning_tokens = num() ?? 0; r.response_cache_hit = rnd() < 0.3 ? null : bool();
  r.cost_usd = num(); r.cost_source = (['logged', 'computed', 'unpriced'] as const)[Math.floor(rnd() * 3)]; r.batch = bool();
  r.request_hash = rnd() < 0.5 ? null : t(); r.zone_assumed = bool();
  return r;
}

describe('export: CSV byte writer', function () {
  // a few thousand rows through five chunk sizes: slow on a loaded 2-core machine; no timing is asserted
  this.timeout(20_000);

  it('writes hand-checked numbers exactly as String() does, and non-finite ones as empty cells', () => {
    const cases: [number, string][] = [
      [0.00030465, '0.00030465'], [0.014555, '0.014555'], [-1.5, '-1.5'], [123456789012.5, '123456789012.5'],
      [0.1 + 0.2, '0.30000000000000004'], [1e-6, '0.000001'], [1e-7, '1e-7'], [1e21, '1e+21'], [2 ** 53, '9007199254740992'],
      [1234567890123, '1234567890123'], [-0, '0'], [999999999999999.9, '999999999999999.9'], [5e-324, '5e-324'],
      [NaN, ''], [Infinity, ''],
    ];
    const recs = cases.map(([v]) => { const r = emptyRecord(T, '/x'); r.cost_usd = v; return r; });
    const idx = CSV_COLUMNS.indexOf('cost_usd');
    const cells = [...csvRows(recs, { timeZone: 'UTC' })].join('').split('\r\n').slice(1, -1).map(l => l.split(',')[idx]);
    assert.deepStrictEqual(cells, cases.map(c => c[1]));
  });

  it('gives the oracle text for 3,000 random records (ASCII and not, every zone kind), whatever the chunk size', () => {
    for (const [tz, seed] of [['UTC', 1], ['Europe/Paris', 2], ['Asia/Kolkata', 3], ['America/St_Johns', 4]] as const) {
      const rnd = lcg(seed);
      const recs = Array.from({ length: 750 }, (_, i) => randomRecord(rnd, i));
      const iso = new IsoFormatter(tz);
      const lines = recs.map(r => oracleLine(r, iso));
      const expected = CSV_COLUMNS.join(',') + '\r\n' + lines.join('');
      // the header and the first line exactly fill a chunk of that size: it ends there, not one row later
      for (const chunkSize of [1, 700, 4096, CSV_COLUMNS.join(',').length + 2 + lines[0].length, undefined]) {
        const chunks = [...csvRows(recs, { timeZone: tz, chunkSize })];
        assert.strictEqual(chunks.join(''), expected, `${tz} chunk ${chunkSize}`);
        if (chunkSize === undefined) continue;
        // a chunk ends after the row that brings it to chunkSize code units or more (the last one may be short)
        const ends: number[] = [];
        let len = CSV_COLUMNS.join(',').length + 2;
        for (const l of lines) {
          len += l.length;
          if (len >= chunkSize) { ends.push(len); len = 0; }
        }
        if (len > 0) ends.push(len);
        assert.deepStrictEqual(chunks.map(c => c.length), ends, `${tz} chunk ${chunkSize}`);
      }
    }
  });

  it('writes a text cell longer than the buffer (the buffer grows, the row stays whole)', () => {
    const r = emptyRecord(T, '/x');
    r.request_id = 'x'.repeat(5000);
    r.trace_id = 'y,'.repeat(3000); // quoted: "y,y,...,"
    // long cells of the remembered columns are written without being remembered, ASCII or not
    const r2 = { ...r, endpoint: '/' + 'p'.repeat(300), error_type: '=' + 'é'.repeat(300) };
    const r3 = { ...r, endpoint: '/' + 'p'.repeat(300), model: 'm,'.repeat(200) };
    const text = [...csvRows([r, r2, r3, r], { timeZone: 'UTC', chunkSize: 10 })].join('');
    const iso = new IsoFormatter('UTC');
    assert.strictEqual(text, CSV_COLUMNS.join(',') + '\r\n' + [r, r2, r3, r].map(x => oracleLine(x, iso)).join(''));
    // 5,000 x, then 6,000 characters of y, plus the two quotes
    assert.ok(text.includes(',' + 'x'.repeat(5000) + ',"' + 'y,'.repeat(3000) + '",'));
  });

  it('formatAscii writes the bytes of format(), offsets and out-of-range times included', () => {
    const buf = new Uint8Array(64);
    for (const tz of ['UTC', 'Europe/Paris', 'Asia/Kolkata', 'America/St_Johns', 'Pacific/Chatham']) {
      const iso = new IsoFormatter(tz);
      // 2025-03-30 01:00 UTC is the Paris spring-forward instant; 8.64e15 is the last valid Date, +1 h is not (format gives '')
      // (a zone's formatter rejects instants beyond Date's range, so only UTC gets those)
      const edges = tz === 'UTC' ? [8.64e15, 8.64e15 + 3_600_000] : [];
      for (const ms of [T, T + 0.5, T + 59_999.9, Date.UTC(2025, 2, 30, 0, 59, 59, 999), Date.UTC(2025, 2, 30, 1), -1, 0, NaN, Infinity, ...edges]) {
        const n = iso.formatAscii(ms, buf, 3);
        assert.strictEqual(Buffer.from(buf.subarray(3, n)).toString('latin1'), iso.format(ms), `${tz} ${ms}`);
      }
    }
    // hand-checked: 08:00 UTC is 13:30 in Kolkata (+05:30)
    const k = new IsoFormatter('Asia/Kolkata');
    const n = k.formatAscii(T + 1234, buf, 0);
    assert.strictEqual(Buffer.from(buf.subarray(0, n)).toString('latin1'), '2025-03-01T13:30:01.234+05:30');
  });
});
