// The reader's fast paths give exactly what the general paths give: ASCII stretches split as one
// decoded string, records built by a constructor, shapes remembered across alternating key lists,
// the mapper without a field mapping, the day cache of the ISO parser, bare-path endpoints.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { emptyRecord } from '../../src/core/model';
import { endpointOf, makeContext, mapRecord, newRecord } from '../../src/core/ingest/fields';
import { LineFramer } from '../../src/core/ingest/framing';
import { LogReader, ReadBatch } from '../../src/core/ingest/logReader';
import { parseText } from '../../src/core/ingest/sourceParser';
import { dayMs, parseIso, ZoneOffsets } from '../../src/core/ingest/timestamps';

type Item = [kind: 'text' | 'bytes', value: string, offset: number, line: number];

function frame(chunks: Buffer[], withText = true): { items: Item[]; framer: LineFramer } {
  const items: Item[] = [];
  const framer = new LineFramer(0, 0, false, 1024,
    (buf, s, e, offset, line) => { items.push(['bytes', buf.toString('utf8', s, e), offset, line]); return true; },
    () => undefined,
    withText ? (text, s, e, offset, line) => { items.push(['text', text.slice(s, e), offset, line]); } : null);
  for (const c of chunks) framer.push(c);
  return { items, framer };
}

describe('ingest fast paths: LineFramer on decoded ASCII stretches', () => {
  it('ASCII lines come as text with byte offsets and line numbers; CRLF and blank lines as on the byte path', () => {
    // "ab\r\n" = 4 bytes (offsets 0-3), "\n" = 1 (line 2, blank, offset 4), "cde\n" starts at 5 (line 3)
    const { items, framer } = frame([Buffer.from('ab\r\n\ncde\nf')]);
    assert.deepStrictEqual(items, [['text', 'ab', 0, 1], ['text', 'cde', 5, 3]]);
    // "f" waits (no newline yet): consumed = 4 + 1 + 4 = 9 bytes, 3 lines
    assert.strictEqual(framer.consumed, 9);
    assert.strictEqual(framer.line, 3);
  });
  it('a stretch with a non-ASCII byte takes the byte path (string indexes would not be byte offsets)', () => {
    // "é" is 2 bytes in UTF-8: "é\n" = 3 bytes, so "x" starts at byte 3 (string index 2)
    const { items } = frame([Buffer.from('é\nx\n')]);
    assert.deepStrictEqual(items, [['bytes', 'é', 0, 1], ['bytes', 'x', 3, 2]]);
  });
  it('a line split across chunks is joined, then read with the next stretch', () => {
    // chunk 1: "ab\nc" -> "ab" (0) and "c" carried; chunk 2: "d\nef\n" -> "cd" at 3, "ef" at 6
    const { items, framer } = frame([Buffer.from('ab\nc'), Buffer.from('d\nef\n')]);
    assert.deepStrictEqual(items, [['text', 'ab', 0, 1], ['text', 'cd', 3, 2], ['text', 'ef', 6, 3]]);
    assert.strictEqual(framer.consumed, 9); // 3 + 3 + 3
  });
  it('a carried line that spans several chunks, then a non-ASCII carried line', () => {
    // "c" carried, "d" has no newline (joined and carried again), "e\n" completes "cde" at offset 3;
    // then "é" (0xc3 0xa9) cut between its two bytes, completed by "f\n": "éf" is 3 bytes at 7, so "g" starts at 11
    const { items, framer } = frame([Buffer.from('ab\nc'), Buffer.from('d'), Buffer.from('e\n'),
      Buffer.from([0xc3]), Buffer.from([0xa9, 0x66, 0x0a, 0x67, 0x0a])]);
    assert.deepStrictEqual(items, [['text', 'ab', 0, 1], ['text', 'cde', 3, 2], ['bytes', 'éf', 7, 3], ['text', 'g', 11, 4]]);
    assert.strictEqual(framer.consumed, 13); // 3 + 4 + 4 + 2
  });
  it('without a text callback every line takes the byte path', () => {
    const { items } = frame([Buffer.from('ab\ncd\n')], false);
    assert.deepStrictEqual(items, [['bytes', 'ab', 0, 1], ['bytes', 'cd', 3, 2]]);
  });
  it('JSON Lines: same records and problems whether a file is ASCII or not', () => {
    const ascii = '{"ts":"2025-03-04T10:00:00Z","endpoint":"/a","latency_ms":5}\n \t\n{bad\n[1]\n{"ts":"2025-03-04T10:00:01Z","endpoint":"/b"}\n';
    const r = parseText(ascii, 'a.jsonl', { timeZone: 'UTC' });
    // line 1 (60 chars + newline) at 0; line 2 blank (3 bytes); line 3 malformed (5); line 4 an array (4); line 5 at 61 + 3 + 5 + 4 = 73
    assert.strictEqual(ascii.indexOf('{"ts":"2025-03-04T10:00:01Z"'), 73);
    assert.deepStrictEqual(r.records.map(x => [x.endpoint, x.offset, x.line, x.ts]),
      [['/a', 0, 1, 1741082400000], ['/b', 73, 5, 1741082401000]]);
    assert.deepStrictEqual(r.problems.map(p => [p.line, p.reason.slice(0, 15)]), [[3, 'malformed JSON:'], [4, 'not an object (']]);
    // the same text with a non-ASCII endpoint on line 1: "/á" is one byte longer, so line 5 is at 74
    const utf8 = ascii.replace('"/a"', '"/á"');
    const u = parseText(utf8, 'u.jsonl', { timeZone: 'UTC' });
    assert.deepStrictEqual(u.records.map(x => [x.endpoint, x.offset, x.line]), [['/á', 0, 1], ['/b', 74, 5]]);
    assert.deepStrictEqual(u.problems, r.problems.map(p => ({ ...p, file: 'u.jsonl' })));
  });
});

describe('ingest fast paths: records and shapes', () => {
  it('newRecord has emptyRecord\'s keys and values in order, then offset and line, on Object.prototype', () => {
    const r = newRecord(1741082400000);
    assert.deepStrictEqual(Object.keys(r), [...Object.keys(emptyRecord(0, '')), 'offset', 'line']);
    assert.deepStrictEqual(r, { ...emptyRecord(1741082400000, '(unknown)'), offset: 0, line: 0 });
    assert.strictEqual(Object.getPrototypeOf(r), Object.prototype);
  });
  it('alternating shapes keep their own plans (duration in s, latency_ms in ms)', () => {
    const ctx = makeContext('UTC');
    const lat: (number | null)[] = [];
    // shape A reads `duration` as seconds, shape B `latency_ms` as ms; a third shape C has none
    const objs = [{ ts: 1, duration: 0.5 }, { ts: 1, latency_ms: 7 }, { ts: 1, duration: 2 }, { ts: 1 }, { ts: 1, latency_ms: 9 }, { ts: 1, duration: 0.25 }];
    for (const o of objs) { const r = mapRecord(o, ctx); assert.ok(typeof r === 'object'); lat.push(r.latency_ms); }
    assert.deepStrictEqual(lat, [500, 7, 2000, null, 9, 250]);
  });
  it('more shapes than are remembered still map right (10 shapes, twice round)', () => {
    const ctx = makeContext('UTC');
    const out: (string | null)[] = [];
    for (let round = 0; round < 2; round++) {
      for (let k = 0; k < 10; k++) {
        // shape k has k filler keys, then `model`: model_k
        const o: Record<string, unknown> = { ts: 1 };
        for (let j = 0; j < k; j++) o[`f${j}`] = j;
        o.model = `m${k}`;
        const r = mapRecord(o, ctx);
        out.push(typeof r === 'object' ? r.model : r);
      }
    }
    assert.deepStrictEqual(out, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(k => `m${k}`));
  });
  it('without a mapping, records equal those of a mapping whose paths are absent (the general path)', () => {
    const objs: Record<string, unknown>[] = [
      { timestamp: '2025-03-04T10:00:00Z', url: 'https://api.x.com/v1/chat?k=secret', duration: 1.5, status: 'error', error: { type: 'RateLimit' } },
      { created_at: '2025-03-04 11:00:00', route: '/r', latency: '12', status_code: '503', model_name: 'm', provider: 'p', method: 'post',
        caller: 'f', request_id: 'r1', traceId: 7, retries: '2.7', priority: 3, cost: '0.5', cache_hit: 'yes', batch_id: 'b-1', cache_key: 'h' },
      { startTime: 1741082400, endTime: 1741082401.25, name: 'op', response: { usage: { total_tokens: 5 }, model: 'nested' }, ok: 'false' },
      { ts: 1741082400000, usage: { input_tokens: 10, output_tokens: 3, cache_read_input_tokens: 5, cache_creation: { ephemeral_1h_input_tokens: 2, ephemeral_5m_input_tokens: 1 } },
        completionStartTime: '2025-03-04T10:00:00.300Z', batch: 'maybe' },
      { ts: '2025-03-04T10:00:00Z', prompt_tokens: 100, completion_tokens: 20, ttft: 0.2, state: 'done', error_type: 'X' },
    ];
    const plain = makeContext('America/New_York');
    const mapped = makeContext('America/New_York', { endpoint: 'nowhere.at.all' });
    for (const o of objs) assert.deepStrictEqual(mapRecord(o, plain), mapRecord(o, mapped));
    // hand-checked values of the first two
    const a = mapRecord(objs[0], plain), b = mapRecord(objs[1], plain);
    assert.ok(typeof a === 'object' && typeof b === 'object');
    assert.deepStrictEqual([a.endpoint, a.latency_ms, a.success, a.error_type], ['/v1/chat', 1500, false, 'RateLimit']);
    // 11:00 in New York on 4 March 2025 (EST, UTC-5) = 16:00Z; retries 2.7 -> 2; "yes" -> true; a batch id marks a batch
    assert.deepStrictEqual([b.ts, b.zone_assumed, b.latency_ms, b.status_code, b.success, b.error_type, b.method, b.retry_count, b.cost_usd,
      b.response_cache_hit, b.batch, b.request_hash, b.trace_id],
    [Date.UTC(2025, 2, 4, 16), true, 12, 503, false, 'HTTP 503', 'POST', 2, 0.5, true, true, 'h', '7']);
  });
  it('endpoints: bare paths are kept as they are, URLs lose scheme, host, query and fragment', () => {
    assert.strictEqual(endpointOf('/api/chat'), '/api/chat');
    assert.strictEqual(endpointOf('https://api.x.com/v1/chat?k=1#f'), '/v1/chat');
    assert.strictEqual(endpointOf('/p?q=1'), '/p');
    assert.strictEqual(endpointOf('x#y'), 'x');
    assert.strictEqual(endpointOf('ns:op'), 'ns:op'); // a colon without "://" is no scheme
    assert.strictEqual(endpointOf('https://host'), '/');
  });
  it('endpoints: more distinct values than are remembered, and values past 300 characters', () => {
    // 5,000 distinct raw values (the cache holds 4,096, then starts again): each still cut right, twice
    for (let round = 0; round < 2; round++) for (let k = 0; k < 5000; k++) assert.strictEqual(endpointOf(`/e${k}?q=${k}`), `/e${k}`);
    // strings are cut to 300 characters first: "https://h" (9) + 291 characters of "/a/a…" -> 145 x "/a" + "/"
    const long = 'https://h' + '/a'.repeat(200);
    assert.strictEqual(endpointOf(long), '/a'.repeat(145) + '/');
    assert.strictEqual(endpointOf(long), '/a'.repeat(145) + '/');
  });
});

describe('ingest fast paths: ISO day cache', () => {
  it('dayMs equals Date.UTC across day, month, year and the 0-99 year rule', () => {
    const days: [number, number, number][] = [[2026, 11, 3], [2026, 11, 4], [2026, 11, 3], [2024, 2, 29], [2026, 2, 31], [50, 1, 1], [2026, 12, 31]];
    for (const [y, m, d] of days) assert.strictEqual(dayMs(y, m, d), Date.UTC(y, m - 1, d));
    // 2026-02-31 rolls over to 2026-03-03, as Date.UTC does
    assert.strictEqual(dayMs(2026, 2, 31), Date.UTC(2026, 2, 3));
  });
  it('consecutive ISO times around midnight and back give the right instants', () => {
    const z = new ZoneOffsets('UTC');
    const out = { ms: NaN, zoneAssumed: false };
    const s = ['2026-11-03T23:59:59.999Z', '2026-11-04T00:00:00.001Z', '2026-11-03T12:00:00Z', '2026-11-03T24:00:00Z'];
    // 2026-11-03T00:00Z: 56 years of 365 days + 14 leap days (1972-2024) = 20454 days to 2026-01-01,
    // + 304 days (Jan-Oct) + 2 = 20760 days = 1793664000000 ms; then + 86399.999 s; the next day
    // (1793750400000) + 1 ms; noon; 24:00 = the next midnight
    const d0 = 20760 * 86_400_000;
    assert.strictEqual(d0, 1793664000000);
    assert.deepStrictEqual(s.map(x => parseIso(x, z, out)), [d0 + 86_399_999, d0 + 86_400_001, d0 + 43_200_000, d0 + 86_400_000]);
  });
});

describe('ingest fast paths: zone-assumed counts per batch', () => {
  it('a whole take uses the parser\'s count; batches cut from it count their own records', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimon-fast-'));
    try {
      const file = path.join(dir, 'z.jsonl');
      // lines 1 and 3 have no zone (assumed), line 2 has Z
      fs.writeFileSync(file, ['2025-03-04 10:00:00', '2025-03-04T10:00:01Z', '2025-03-04 10:00:02'].map(t => JSON.stringify({ ts: t, endpoint: '/z' })).join('\n') + '\n');
      const counts = async (batchSize: number): Promise<[number, number][]> => {
        const got: ReadBatch[] = [];
        const res = await new LogReader([], { timeZone: 'UTC', batchSize }).readNew([file], b => { got.push(b); });
        assert.strictEqual(res[0].zoneAssumed, 2);
        return got.map(b => [b.records.length, b.zoneAssumed]);
      };
      assert.deepStrictEqual(await counts(10), [[3, 2]]); // one batch: 2 of 3 assumed
      assert.deepStrictEqual(await counts(2), [[2, 1], [1, 1]]); // lines 1-2 (one assumed), line 3 (assumed)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ingest fast paths: reading one chunk ahead', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimon-ahead-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });
  const line = (ep: string): string => JSON.stringify({ ts: '2025-03-04T10:00:00Z', endpoint: ep }) + '\n';

  it('lines appended while a file is read are read once, in this read or the next', async () => {
    const file = path.join(dir, 'grow.jsonl');
    const l = line('/a0').length; // every line below has this length ("/a0".."/a9", "/b0".."/b4")
    fs.writeFileSync(file, Array.from({ length: 10 }, (_, k) => line(`/a${k}`)).join(''));
    let appended = false;
    const seen: [string, number][] = [];
    const r = new LogReader([], {
      timeZone: 'UTC', chunkSize: 2 * l,
      onProgress: () => { if (!appended) { appended = true; fs.appendFileSync(file, Array.from({ length: 5 }, (_, k) => line(`/b${k}`)).join('')); } },
    });
    const sink = (b: ReadBatch): void => { for (const x of b.records) seen.push([x.endpoint, x.offset]); };
    await r.readNew([file], sink);
    await r.readNew([file], sink);
    // 15 lines of l bytes: line k at k * l, each once, whichever read found it
    assert.deepStrictEqual(seen, [...Array.from({ length: 10 }, (_, k) => [`/a${k}`, k * l]), ...Array.from({ length: 5 }, (_, k) => [`/b${k}`, (10 + k) * l])]);
    assert.strictEqual(r.checkpoints()[0].offset, 15 * l);
  });
  it('a read stopped after the first chunk (sink failure) leaves the rest for the next read', async () => {
    const file = path.join(dir, 'stop.jsonl');
    const l = line('/a0').length;
    fs.writeFileSync(file, Array.from({ length: 6 }, (_, k) => line(`/a${k}`)).join(''));
    let fail = true;
    const got: string[] = [];
    const r = new LogReader([], { timeZone: 'UTC', chunkSize: 2 * l, batchSize: 2 });
    const sink = (b: ReadBatch): void => {
      if (fail && b.records.length && b.records[0].endpoint === '/a2') throw new Error('full');
      for (const x of b.records) got.push(x.endpoint);
    };
    const first = await r.readNew([file], sink);
    assert.strictEqual(first[0].status, 'error');
    fail = false;
    await r.readNew([file], sink);
    // the first batch (/a0, /a1) was stored and checkpointed; the failed one (/a2, /a3) comes again
    assert.deepStrictEqual(got, ['/a0', '/a1', '/a2', '/a3', '/a4', '/a5']);
  });
});
