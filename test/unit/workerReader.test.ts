// The ingest worker: records as columns (exact round trip), and WorkerReader giving the same batches,
// results and checkpoints as the in-thread LogReader, with cancellation, storing failures, a worker
// that stops half-way, and the fallbacks. Needs dist/ingestWorker.js (`node esbuild.mjs` builds it).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LogReader, ReadBatch, ReadOptions, SourceResult } from '../../src/core/ingest/logReader';
import { columnBuffers, decodeRecords, encodeRecords, hasRecordShape, RECORD_FIELDS } from '../../src/core/ingest/recordColumns';
import { createLogReader, hasPrewarmedWorker, prewarmIngestWorker, resetWorkerBroken, unreadBytes, WorkerReader } from '../../src/core/ingest/workerReader';
import { MonitorEngine } from '../../src/core/monitorEngine';
import { emptyRecord, OriginRecord } from '../../src/core/model';

const FIX = path.resolve('test/fixtures');
const SCRIPT = path.resolve('dist/ingestWorker.js');
const WASM = fs.readFileSync(path.resolve('node_modules/sql.js/dist/sql-wasm.wasm'));

/** Batches as plain data: the parsers' records may be class instances, the decoded ones are literals. */
const plain = (bs: ReadBatch[]): unknown[] => bs.map(b => ({ ...b, records: b.records.map(r => ({ ...r })) }));

async function readAll(reader: { readNew: LogReader['readNew'] }, paths: string[], onBatch?: (b: ReadBatch, n: number) => void): Promise<{ batches: ReadBatch[]; results: SourceResult[] }> {
  const batches: ReadBatch[] = [];
  const results = await reader.readNew(paths, b => { batches.push(b); onBatch?.(b, batches.length); });
  return { batches, results };
}

const rec = (over: Partial<OriginRecord>): OriginRecord => ({ ...emptyRecord(0, '/a'), offset: 0, line: 1, ...over });

let dir: string;
/** line i of a generated log: always 256 bytes with its newline, so chunk and batch bounds can be worked out */
const line = (i: number): string => {
  const o = { ts: 1741082400000 + i * 1000, endpoint: `/e${i % 7}`, model: 'gpt-4o', latency_ms: i, usage: { prompt_tokens: 10, completion_tokens: i % 50 }, pad: '' };
  o.pad = 'x'.repeat(255 - JSON.stringify(o).length);
  return JSON.stringify(o) + '\n';
};
/** n generated lines; returns the file's path */
function bigFile(name: string, n: number): string {
  const f = path.join(dir, name);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(line(i));
  fs.writeFileSync(f, parts.join(''));
  return f;
}

describe('ingest worker: records as columns', () => {
  it('round-trips every kind of value, in RECORD_FIELDS key order', () => {
    const weird = { nested: [1] };
    const records = [
      rec({ ts: 1741082400000, endpoint: '/a', latency_ms: null, cost_usd: -0, input_tokens: NaN, success: false, response_cache_hit: true, model: 'm' }),
      rec({ ts: 1741082400001, endpoint: '/a', latency_ms: 2.5, request_id: undefined as unknown as null, request_hash: weird as unknown as string, offset: 61, line: 2 }),
    ];
    const c = encodeRecords(records)!;
    assert.strictEqual(c.n, 2);
    // distinct strings in row-major order of first use: record 0's '/a', 'm', 'unpriced'; record 1 repeats them
    assert.deepStrictEqual(c.strings, ['/a', 'm', 'unpriced']);
    assert.strictEqual(c.tags.length, 2 * 30);
    assert.deepStrictEqual(c.others, [weird]);
    const back = decodeRecords(c);
    assert.deepStrictEqual(back, records);
    assert.ok(Object.is(back[0].cost_usd, -0));
    assert.ok(Number.isNaN(back[0].input_tokens));
    assert.ok('request_id' in back[1] && back[1].request_id === undefined);
    for (const r of back) assert.deepStrictEqual(Object.keys(r), [...RECORD_FIELDS]);
  });

  it('refills a pool of records: same objects, new values, grown to the largest batch', () => {
    const pool: OriginRecord[] = [];
    const first = decodeRecords(encodeRecords([rec({ ts: 1, endpoint: '/a' }), rec({ ts: 2, endpoint: '/b', latency_ms: 5 })])!, pool);
    assert.strictEqual(first, pool);
    (first[0] as OriginRecord & { cost_estimated?: boolean }).cost_estimated = true; // a key the engine's pricing adds
    const second = decodeRecords(encodeRecords([rec({ ts: 3, endpoint: '/c', latency_ms: null, offset: 9 })])!, pool);
    assert.strictEqual(second.length, 1);
    assert.strictEqual(second[0], first[0]); // the same object, refilled
    assert.deepStrictEqual({ ...second[0], cost_estimated: undefined }, { ...rec({ ts: 3, endpoint: '/c', latency_ms: null, offset: 9 }), cost_estimated: undefined });
    assert.strictEqual(pool.length, 2);
    const third = decodeRecords(encodeRecords([rec({ ts: 4 }), rec({ ts: 5 }), rec({ ts: 6 })])!, pool);
    assert.deepStrictEqual(third.map(r => r.ts), [4, 5, 6]);
    assert.strictEqual(pool.length, 3);
  });

  it('fills buffers sent back (columnBuffers): values as with fresh ones, stale tags cleared', () => {
    // a batch of 3 with every tag non-zero (strings, booleans, nulls) leaves its buffers dirty
    const dirty = rec({ ts: 9, endpoint: '/dirty', model: 'x', provider: 'p', success: true, latency_ms: null });
    const firstCols = encodeRecords([dirty, dirty, dirty])!;
    const spare = columnBuffers(firstCols);
    // sizes: tags 3 records x 30 fields = 90 bytes; nums 90 x 8 = 720 bytes
    assert.deepStrictEqual(spare.map(b => b.byteLength), [90, 720]);
    const records = [rec({ ts: 1, endpoint: '/a', latency_ms: 5 }), rec({ ts: 2, endpoint: '/b', latency_ms: 7, cost_usd: 0.25 })];
    const c = encodeRecords(records, spare)!;
    assert.strictEqual(spare.length, 0, 'both buffers taken');
    assert.strictEqual(c.tags.buffer, firstCols.tags.buffer);
    assert.strictEqual(c.nums.buffer, firstCols.nums.buffer);
    // 2 records x 30 fields: views of 60 tags and 60 numbers on the larger buffers
    assert.strictEqual(c.tags.length, 60);
    assert.strictEqual(c.nums.length, 60);
    assert.deepStrictEqual(decodeRecords(c), records);
    // a spare buffer too small is left for later; a fresh one is made
    const small = [new ArrayBuffer(10)];
    const big = encodeRecords(records, small)!;
    assert.strictEqual(small.length, 1);
    assert.deepStrictEqual(decodeRecords(big), records);
  });

  it('refuses records of another shape (the caller then sends the objects)', () => {
    const extra = { ...rec({}), extra: 1 } as OriginRecord;
    assert.strictEqual(encodeRecords([rec({}), extra]), null);
    const { offset: _o, ...noOffset } = rec({});
    assert.strictEqual(hasRecordShape(noOffset), false);
    assert.deepStrictEqual(encodeRecords([])!.n, 0);
  });

  it('every fixture parses into records of exactly RECORD_FIELDS (so none loses a key in transit)', async () => {
    const files = fs.readdirSync(FIX).filter(f => fs.statSync(path.join(FIX, f)).isFile() && f !== 'README.md').map(f => path.join(FIX, f));
    const { batches } = await readAll(new LogReader([], { timeZone: 'UTC' }), files);
    const records = batches.flatMap(b => b.records);
    // README table: 3+3+3+2+7+3+3+3+3+3+3+3+2+2+3+0 = 46 records (mixed-timestamps gives 7 in any zone)
    assert.strictEqual(records.length, 3 + 3 + 3 + 2 + 7 + 3 + 3 + 3 + 3 + 3 + 3 + 3 + 2 + 2 + 3);
    for (const r of records) assert.ok(hasRecordShape(r), `keys ${Object.keys(r).join(',')}`);
  });
});

describe('ingest worker: WorkerReader', function () {
  this.timeout(20_000);
  before(() => assert.ok(fs.existsSync(SCRIPT), `${SCRIPT} missing: run node esbuild.mjs`));
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimon-worker-')); resetWorkerBroken(); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); resetWorkerBroken(); });

  it('gives the in-thread reader\'s batches, results and checkpoints on every fixture', async () => {
    const files = fs.readdirSync(FIX).filter(f => fs.statSync(path.join(FIX, f)).isFile() && f !== 'README.md').map(f => path.join(FIX, f));
    const opts: ReadOptions = { timeZone: 'America/New_York', maxProblemsPerSource: 20, batchSize: 2 };
    const inThread = new LogReader([], opts);
    const a = await readAll(inThread, files);
    const w = new WorkerReader([], opts, { script: SCRIPT, minBytes: 0, cores: 2 });
    const b = await readAll(w, files);
    assert.strictEqual(w.lastMode, 'worker');
    assert.deepStrictEqual(plain(b.batches), plain(a.batches));
    assert.deepStrictEqual(b.results, a.results);
    assert.deepStrictEqual(w.checkpoints(), inThread.checkpoints());
    const byName = (n: string): SourceResult => b.results.find(r => path.basename(r.path) === n)!;
    // README numbers: openai-chat 3 records at offsets 0, 317, 599; malformed 3 kept + 5 skipped; calls.csv 3 + 1; binary 0 + 1
    assert.deepStrictEqual(b.batches.filter(x => path.basename(x.path) === 'openai-chat.jsonl').flatMap(x => x.records.map(r => r.offset)), [0, 317, 599]);
    assert.deepStrictEqual([byName('malformed.jsonl').records, byName('malformed.jsonl').skipped], [3, 5]);
    assert.deepStrictEqual([byName('calls.csv').records, byName('calls.csv').skipped], [3, 1]);
    assert.deepStrictEqual([byName('binary.log').records, byName('binary.log').skipped, byName('binary.log').format], [0, 1, 'unknown']);
    assert.deepStrictEqual([byName('openai-chat.jsonl.gz').records, byName('mixed-timestamps.jsonl').zoneAssumed], [3, 2]);
  });

  it('applies the field mapping in the worker as in this thread', async () => {
    const f = path.join(dir, 'mapped.jsonl');
    // 10:00:00Z = 1741082400000; 10:00:01.5Z = 1741082401500
    fs.writeFileSync(f, '{"meta":{"when":"2025-03-04T10:00:00Z","op":"/x","ms":12}}\n{"meta":{"when":"2025-03-04T10:00:01.5Z","op":"/y","ms":7}}\n');
    const opts: ReadOptions = { timeZone: 'UTC', fieldMapping: { ts: 'meta.when', endpoint: 'meta.op', latency_ms: 'meta.ms' } };
    const w = new WorkerReader([], opts, { script: SCRIPT, minBytes: 0, cores: 2 });
    const got = await readAll(w, [f]);
    assert.strictEqual(w.lastMode, 'worker');
    assert.deepStrictEqual(got.batches.flatMap(b => b.records.map(r => [r.ts, r.endpoint, r.latency_ms])), [[1741082400000, '/x', 12], [1741082401500, '/y', 7]]);
    assert.deepStrictEqual(plain(got.batches), plain((await readAll(new LogReader([], opts), [f])).batches));
  });

  it('with reuseRecords the sink sees the same values in refilled objects', async () => {
    const f = bigFile('reuse.jsonl', 2500);
    const opts: ReadOptions = { timeZone: 'UTC', batchSize: 1000, chunkSize: 64 * 1024 };
    const ref = await readAll(new LogReader([], opts), [f]);
    const w = new WorkerReader([], opts, { script: SCRIPT, minBytes: 0, cores: 2, reuseRecords: true });
    const copies: unknown[][] = [];
    const firsts: OriginRecord[] = [];
    await w.readNew([f], b => { copies.push(b.records.map(r => ({ ...r }))); firsts.push(b.records[0]); });
    assert.deepStrictEqual(copies, ref.batches.map(b => b.records.map(r => ({ ...r }))));
    // 2500 records in batches of at most 1000: at least 3 batches, all refilling the same first object
    assert.ok(firsts.length >= 3);
    assert.ok(firsts.every(r => r === firsts[0]));
  });

  it('firstBatchSize reaches the worker: its batches ramp as an in-thread reader with the same option, small reads stay whole', async () => {
    const f = bigFile('ramp.jsonl', 2500);
    const opts: ReadOptions = { timeZone: 'UTC', batchSize: 1000, chunkSize: 64 * 1024 };
    const ref = await readAll(new LogReader([], { ...opts, firstBatchSize: 100 }), [f]);
    const w = await readAll(new WorkerReader([], opts, { script: SCRIPT, minBytes: 0, cores: 2, firstBatchSize: 100 }), [f]);
    assert.deepStrictEqual(plain(w.batches), plain(ref.batches));
    // the first batches: 100, then doubling (what a chunk holds may cut one short): never above 1000, all 2500 once
    assert.strictEqual(w.batches[0].records.length, 100);
    assert.ok(w.batches.every(b => b.records.length <= 1000));
    assert.strictEqual(w.batches.reduce((n, b) => n + b.records.length, 0), 2500);
    // a read kept in this thread (below minBytes) is not ramped: one batch of 1000, as before
    const small = await readAll(new WorkerReader([], opts, { script: SCRIPT, minBytes: 1e12, cores: 2, firstBatchSize: 100 }), [f]);
    assert.strictEqual(small.batches[0].records.length, 1000);
  });

  it('resumes from checkpoints like the in-thread reader (partial line completed later)', async () => {
    const f = path.join(dir, 'partial.jsonl');
    fs.copyFileSync(path.join(FIX, 'partial.jsonl'), f);
    const w1 = new WorkerReader([], { timeZone: 'UTC' }, { script: SCRIPT, minBytes: 0, cores: 2 });
    const first = await readAll(w1, [f]);
    // README: two 61-byte lines (62 with their newline) are read, the unterminated third waits at 2 * 62 = 124
    assert.strictEqual(first.results[0].records, 2);
    const cp1 = w1.checkpoints();
    assert.deepStrictEqual([cp1[0].offset, cp1[0].line], [2 * 62, 2]);
    fs.appendFileSync(f, 'ncy_ms":30}\n');
    const w2 = new WorkerReader(cp1, { timeZone: 'UTC' }, { script: SCRIPT, minBytes: 0, cores: 2 });
    const t = new LogReader(cp1, { timeZone: 'UTC' });
    const second = await readAll(w2, [f]);
    const ref = await readAll(t, [f]);
    assert.strictEqual(second.results[0].records, 1);
    assert.deepStrictEqual(plain(second.batches), plain(ref.batches));
    assert.deepStrictEqual(w2.checkpoints(), t.checkpoints());
    // 174 bytes + the 12 appended: the completed third line ends the file at 186
    assert.deepStrictEqual([w2.checkpoints()[0].offset, w2.checkpoints()[0].line], [174 + 12, 3]);
  });

  it('reports progress in step with the stored batches', async () => {
    const f = bigFile('p.jsonl', 3000);
    const size = fs.statSync(f).size;
    const seen: [number, number][] = [];
    const w = new WorkerReader([], { timeZone: 'UTC', batchSize: 500, chunkSize: 16 * 1024, onProgress: (r, t) => seen.push([r, t]) }, { script: SCRIPT, minBytes: 0, cores: 2 });
    const { batches } = await readAll(w, [f]);
    assert.strictEqual(batches.reduce((n, b) => n + b.records.length, 0), 3000);
    // one report per 16 KB chunk: ceil(size / 16384), the last one at size of size
    assert.strictEqual(seen.length, Math.ceil(size / 16384));
    assert.deepStrictEqual(seen[seen.length - 1], [size, size]);
  });

  it('stops on abort; what was handed over matches the checkpoint, and the next read gets the rest once', async () => {
    const n = 20_000;
    const f = bigFile('big.jsonl', n);
    const ac = new AbortController();
    const w = new WorkerReader([], { timeZone: 'UTC', batchSize: 1000, chunkSize: 64 * 1024, signal: ac.signal }, { script: SCRIPT, minBytes: 0, cores: 2 });
    const first = await readAll(w, [f], (_b, k) => { if (k === 1) ac.abort(); });
    const got = first.batches.flatMap(b => b.records);
    assert.ok(got.length >= 1000 && got.length < n, `stored ${got.length}`);
    const cp = w.checkpoints();
    // one record per line: the checkpoint stands right after the last record handed over
    assert.strictEqual(cp[0].line, got.length);
    assert.strictEqual(cp[0].offset, got[got.length - 1].offset + line(got.length - 1).length);
    const w2 = new WorkerReader(cp, { timeZone: 'UTC', batchSize: 1000 }, { script: SCRIPT, minBytes: 0, cores: 2 });
    const rest = (await readAll(w2, [f])).batches.flatMap(b => b.records);
    const lines = [...got, ...rest].map(r => r.line);
    assert.deepStrictEqual(lines, Array.from({ length: n }, (_, i) => i + 1));
  });

  it('a storing failure: status error, that path stops where the in-thread reader stops, other paths go on', async () => {
    const f1 = bigFile('one.jsonl', 5000);
    const f2 = bigFile('two.jsonl', 1200);
    const opts: ReadOptions = { timeZone: 'UTC', batchSize: 1000, chunkSize: 32 * 1024 };
    const run = async (reader: { readNew: LogReader['readNew'] }): Promise<{ stored: number; results: SourceResult[] }> => {
      let calls = 0, stored = 0;
      const results = await reader.readNew([f1, f2], b => {
        if (b.path === f1 && ++calls === 3) throw new Error('disk full');
        stored += b.records.length;
      });
      return { stored, results };
    };
    const t = new LogReader([], opts);
    const w = new WorkerReader([], opts, { script: SCRIPT, minBytes: 0, cores: 2 });
    const ref = await run(t);
    const got = await run(w);
    assert.strictEqual(w.lastMode, 'worker');
    // 32 KB chunks hold 32768 / 256 = 128 lines; a flush comes after 8 chunks (1024 >= 1000 records) and
    // hands over 1000 + 24: the 3rd call (the next 1000) fails, so one.jsonl keeps 1024, two.jsonl all 1200
    assert.strictEqual(ref.stored, 1000 + 24 + 1200);
    assert.strictEqual(got.stored, ref.stored);
    assert.deepStrictEqual(got.results.map(r => [r.status, r.records]), [['error', 1024], ['read', 1200]]);
    assert.deepStrictEqual(got.results[0].problems, [{ file: f1, line: 0, reason: 'storing failed: disk full' }]);
    assert.deepStrictEqual(got.results, ref.results.map(r => ({ ...r, bytesRead: got.results.find(x => x.path === r.path)!.bytesRead })));
    assert.deepStrictEqual(w.checkpoints(), t.checkpoints());
  });

  it('a worker that stops half-way: the read goes on in this thread, every line stored once', async () => {
    const n = 8000;
    const f = bigFile('crash.jsonl', n);
    // the real worker, made to exit instead of posting the first progress report after its 2nd batch
    const crashing = path.join(dir, 'crashingWorker.js');
    fs.writeFileSync(crashing, `const { parentPort } = require('worker_threads');
const post = parentPort.postMessage.bind(parentPort);
let batches = 0;
parentPort.postMessage = (m, t) => {
  if (m.type === 'batch') batches++;
  if (m.type === 'progress' && batches >= 2) process.exit(3);
  post(m, t);
};
require(${JSON.stringify(SCRIPT)});\n`);
    const w = new WorkerReader([], { timeZone: 'UTC', batchSize: 1000, chunkSize: 64 * 1024 }, { script: crashing, minBytes: 0, cores: 2 });
    const { batches, results } = await readAll(w, [f]);
    assert.strictEqual(w.lastMode, 'worker+thread');
    assert.deepStrictEqual(batches.flatMap(b => b.records.map(r => r.line)), Array.from({ length: n }, (_, i) => i + 1));
    assert.deepStrictEqual([results[0].status, results[0].records], ['read', n]);
    assert.strictEqual(w.checkpoints()[0].offset, fs.statSync(f).size);
  });

  it('falls back to this thread: small reads, one core, a missing script, a script that cannot start', async () => {
    const f = bigFile('small.jsonl', 10);
    const small = new WorkerReader([], { timeZone: 'UTC' }, { script: SCRIPT }); // default minimum 8 MB
    assert.strictEqual((await readAll(small, [f])).results[0].records, 10);
    assert.strictEqual(small.lastMode, 'thread');
    const oneCore = new WorkerReader([], { timeZone: 'UTC' }, { script: SCRIPT, minBytes: 0, cores: 1 });
    assert.strictEqual((await readAll(oneCore, [f])).results[0].records, 10);
    assert.strictEqual(oneCore.lastMode, 'thread');
    const missing = new WorkerReader([], { timeZone: 'UTC' }, { script: path.join(dir, 'nope.js'), minBytes: 0, cores: 2 });
    assert.strictEqual((await readAll(missing, [f])).results[0].records, 10);
    assert.strictEqual(missing.lastMode, 'thread');
    const bad = path.join(dir, 'bad.js');
    fs.writeFileSync(bad, 'throw new Error("broken bundle");\n');
    const broken = new WorkerReader([], { timeZone: 'UTC' }, { script: bad, minBytes: 0, cores: 2 });
    const r = await readAll(broken, [f]);
    assert.strictEqual(broken.lastMode, 'thread');
    assert.deepStrictEqual(r.batches.flatMap(b => b.records.map(x => x.line)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.strictEqual(broken.checkpoints()[0].offset, fs.statSync(f).size);
    // after a start failure, later reads of this process stay in-thread without trying again
    const after = new WorkerReader([], { timeZone: 'UTC' }, { script: SCRIPT, minBytes: 0, cores: 2 });
    await readAll(after, [f]);
    assert.strictEqual(after.lastMode, 'thread');
  });

  it('a prewarmed worker is taken by the next read, which gives the in-thread results', async () => {
    const f = bigFile('warm.jsonl', 3000);
    const opts: ReadOptions = { timeZone: 'UTC', batchSize: 1000 };
    prewarmIngestWorker(SCRIPT);
    assert.strictEqual(hasPrewarmedWorker(), true);
    prewarmIngestWorker(SCRIPT); // one at a time
    const w = new WorkerReader([], opts, { script: SCRIPT, minBytes: 0, cores: 2 });
    const got = await readAll(w, [f]);
    assert.strictEqual(hasPrewarmedWorker(), false);
    assert.strictEqual(w.lastMode, 'worker');
    const t = new LogReader([], opts);
    const ref = await readAll(t, [f]);
    assert.deepStrictEqual(plain(got.batches), plain(ref.batches));
    assert.deepStrictEqual(got.results, ref.results);
    assert.deepStrictEqual(w.checkpoints(), t.checkpoints());
  });

  it('an unused prewarmed worker stops after its time; none without the script', async () => {
    prewarmIngestWorker(path.join(dir, 'nope.js'));
    assert.strictEqual(hasPrewarmedWorker(), false);
    prewarmIngestWorker(SCRIPT, 50);
    assert.strictEqual(hasPrewarmedWorker(), true);
    await new Promise(r => setTimeout(r, 300));
    assert.strictEqual(hasPrewarmedWorker(), false);
  });

  it('counts unread bytes from the checkpoints (what decides worker or thread)', async () => {
    const f = bigFile('u.jsonl', 100);
    const size = fs.statSync(f).size;
    assert.strictEqual(await unreadBytes([f, f, path.join(dir, 'missing')], []), size);
    const r = new LogReader([], { timeZone: 'UTC' });
    await r.readNew([f], () => undefined);
    assert.strictEqual(await unreadBytes([f], r.checkpoints()), 0);
    fs.appendFileSync(f, line(100));
    assert.strictEqual(await unreadBytes([f], r.checkpoints()), line(100).length);
    // a .gz counts 5 times its size: the fixture's text is what gets parsed
    const gz = path.join(FIX, 'openai-chat.jsonl.gz');
    assert.strictEqual(await unreadBytes([gz], []), 5 * fs.statSync(gz).size);
    const rg = new LogReader([], { timeZone: 'UTC' });
    await rg.readNew([gz], () => undefined);
    assert.strictEqual(await unreadBytes([gz], rg.checkpoints()), 0);
  });

  it('createLogReader: a WorkerReader only with a script', () => {
    assert.ok(createLogReader([], {}, SCRIPT) instanceof WorkerReader);
    assert.ok(createLogReader([], {}) instanceof LogReader);
  });

  it('the engine with workerScript stores the same as without (a file above the 8 MB minimum)', async () => {
    // 35,000 lines of 256 bytes = 8,960,000 bytes, above DEFAULT_WORKER_MIN_BYTES (8 x 1024 x 1024 = 8,388,608)
    const n = 35_000;
    const f = bigFile('engine.jsonl', n);
    assert.ok(fs.statSync(f).size > 8 * 1024 * 1024);
    const now = 1741082400000 + n * 1000;
    const make = (workerScript?: string): Promise<MonitorEngine> => MonitorEngine.create({ wasmBinary: WASM, retentionDays: 3650, timeZone: 'UTC', now: () => now, workerScript });
    const withWorker = await make(SCRIPT);
    const without = await make();
    try {
      const a = await withWorker.ingestFiles([f]);
      const b = await without.ingestFiles([f]);
      assert.deepStrictEqual([a.records, a.skipped, a.files], [n, 0, 1]);
      assert.deepStrictEqual([b.records, b.skipped, b.files], [n, 0, 1]);
      const range = { from: 1741082400000, to: now };
      const wa = withWorker.window(range), wb = without.window(range);
      assert.strictEqual(wa.calls, n);
      assert.deepStrictEqual(wa, wb);
      assert.deepStrictEqual(withWorker.sources(), without.sources().map(s => ({ ...s, lastReadAt: withWorker.sources()[0].lastReadAt })));
      // nothing new: the second ingest reads nothing (checkpoint at the end of the file)
      assert.strictEqual((await withWorker.ingestFiles([f])).records, 0);
    } finally {
      withWorker.dispose();
      without.dispose();
    }
  });
});
