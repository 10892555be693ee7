import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MonitorEngine, ReaderBatch, ReaderFactory } from '../../src/core/monitorEngine';
import { emptyRecord, OriginRecord } from '../../src/core/model';

const wasm = fs.readFileSync(path.join(process.cwd(), 'node_modules/sql.js/dist/sql-wasm.wasm'));
const T0 = Date.UTC(2026, 0, 10, 12);
const MIN = 60_000, HOUR = 3_600_000;
const RANGE = { from: T0 - HOUR, to: T0 + HOUR };

function line(i: number, o: Record<string, unknown> = {}): string {
  return JSON.stringify({ timestamp: new Date(T0 + i * MIN).toISOString(), endpoint: '/chat', model: 'gpt-4o', latency_ms: 100 * (i + 1), status: 200, ...o }) + '\n';
}

describe('MonitorEngine', function () {
  // sql.js start-up and file reads are slow on a loaded 2-core machine; no timing is asserted
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimon-engine-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const create = (o: Partial<Parameters<typeof MonitorEngine.create>[0]> = {}, readerFactory?: ReaderFactory): Promise<MonitorEngine> =>
    MonitorEngine.create({ wasmBinary: wasm, retentionDays: 30, timeZone: 'UTC', now: () => T0 + HOUR, ...o }, { readerFactory });

  it('ingests JSONL incrementally, reports skipped lines, survives a restart from the persisted store', async () => {
    const log = path.join(dir, 'calls.jsonl');
    fs.writeFileSync(log, line(0) + line(1) + '{not json\n' + line(2, { status: 500, error: 'boom' }));
    const storeFile = path.join(dir, 'store', 'db.sqlite');
    const e1 = await create({ storeFile });
    const r1 = await e1.ingestFiles([log]);
    assert.deepStrictEqual([r1.files, r1.records, r1.skipped], [1, 3, 1]);
    const w = e1.window(RANGE);
    assert.deepStrictEqual([w.calls, w.errors, w.latency.p50, w.latency.avg], [3, 1, 200, 200]); // 100, 200, 300
    const src = e1.sources();
    assert.strictEqual(src.length, 1);
    assert.deepStrictEqual([src[0].records, src[0].skipped, src[0].problems.length, src[0].problems[0].line], [3, 1, 1, 3]);

    fs.appendFileSync(log, line(3));
    const r2 = await e1.ingestFiles([log]);
    assert.strictEqual(r2.records, 1); // only the appended line
    assert.strictEqual(e1.window(RANGE).calls, 4);
    await e1.persist();
    e1.dispose();

    const e2 = await create({ storeFile });
    assert.strictEqual(e2.window(RANGE).calls, 4);
    const r3 = await e2.ingestFiles([log]);
    assert.strictEqual(r3.records, 0); // checkpoint restored from the store
    fs.appendFileSync(log, line(4));
    assert.strictEqual((await e2.ingestFiles([log])).records, 1);
    assert.strictEqual(e2.window(RANGE).calls, 5);
    const dims = e2.dimensions();
    assert.deepStrictEqual([dims.endpoints, dims.models], [['/chat'], ['gpt-4o']]);
    assert.deepStrictEqual(e2.timeBounds(), { first: T0, last: T0 + 4 * MIN });
    e2.dispose();
  });

  it('the save at shutdown takes its bytes at once (the engine may be disposed right after) and saves nothing mid-ingest', async () => {
    const log = path.join(dir, 'calls.jsonl');
    fs.writeFileSync(log, line(0) + line(1) + line(2));
    const storeFile = path.join(dir, 'db.sqlite');
    const e1 = await create({ storeFile });
    await e1.ingestFiles([log]);
    const saving = e1.persistNow();
    e1.dispose(); // as VS Code disposes the extension's subscriptions while deactivate() awaits
    assert.strictEqual(await saving, true);
    const e2 = await create({ storeFile });
    // 3 calls, and the checkpoint: nothing is read again
    assert.strictEqual(e2.window(RANGE).calls, 3);
    assert.strictEqual((await e2.ingestFiles([log])).records, 0);
    // during an ingest (a reader that waits), nothing is saved: rows and checkpoints match only at its end
    let release!: () => void;
    const gate = new Promise<void>(r => { release = r; });
    fs.appendFileSync(log, line(3));
    const slow: ReaderFactory = () => ({ readNew: async (): Promise<unknown> => { await gate; return []; }, checkpoints: () => [] });
    const e3 = await create({ storeFile }, slow);
    const ingest = e3.ingestFiles([log]);
    await new Promise(r => setImmediate(r));
    assert.strictEqual(await e3.persistNow(), false);
    release();
    await ingest;
    assert.strictEqual(await e3.persistNow(), true);
    e2.dispose();
    e3.dispose();
  });

  it('an unreadable path is reported once in its source stats, not once per ingest', async () => {
    const e = await create();
    const notAFile = path.join(dir, 'folder.jsonl');
    fs.mkdirSync(notAFile);
    await e.ingestFiles([notAFile]);
    await e.ingestFiles([notAFile]);
    const s = e.sources().find(x => x.path === notAFile);
    assert.ok(s, JSON.stringify(e.sources()));
    assert.strictEqual(s.skipped, 1);
    assert.strictEqual(s.problems.length, 1);
    assert.strictEqual(s.problems[0].line, 0);
    e.dispose();
  });

  it('a replaced file resets its source: no double counting', async () => {
    const log = path.join(dir, 'calls.jsonl');
    fs.writeFileSync(log, line(0) + line(1) + line(2));
    const e = await create();
    await e.ingestFiles([log]);
    assert.strictEqual(e.window(RANGE).calls, 3);
    fs.writeFileSync(log, line(5, { endpoint: '/new' }));
    await e.ingestFiles([log]);
    const w = e.window(RANGE);
    assert.strictEqual(w.calls, 1);
    assert.deepStrictEqual(e.byEndpoint(RANGE).map(r => r.key), ['/new']);
    e.dispose();
  });

  it('applies reset batches, prices at ingest, streams calls back in order', async () => {
    const mk = (i: number, o: Partial<OriginRecord> = {}): OriginRecord => ({ ...emptyRecord(T0 + i * MIN, '/x'), offset: i * 10, line: i + 1, model: 'm', input_tokens: 10 * (i + 1), ...o });
    const batches: ReaderBatch[][] = [
      [{ path: 'p', format: 'jsonl', records: [mk(0), mk(1), mk(2, { cost_usd: 5, cost_source: 'logged' })], problems: [], skipped: 0, zoneAssumed: 0, reset: false }],
      [{ path: 'p', format: 'json-array', records: [mk(0), mk(1)], problems: [{ file: 'p', line: 7, reason: 'bad' }], skipped: 1, zoneAssumed: 0, reset: true }],
    ];
    let run = 0;
    const factory: ReaderFactory = () => {
      const mine = batches[run++];
      return { async readNew(_p, sink) { for (const b of mine) await sink(b); return []; }, checkpoints: () => [{ path: 'p', offset: 99 * run }] };
    };
    // $0.001 per input token
    const pricer = { version: 't1', price: (r: { input_tokens: number | null; cost_usd: number | null }) => r.cost_usd !== null
      ? { cost_usd: r.cost_usd, cost_source: 'logged' as const, estimated: false }
      : { cost_usd: (r.input_tokens ?? 0) * 0.001, cost_source: 'computed' as const, estimated: false } };
    const e = await create({ pricer }, factory);
    await e.ingestFiles(['p']);
    assert.ok(Math.abs(e.window(RANGE).costUsd - (0.01 + 0.02 + 5)) < 1e-12);
    await e.ingestFiles(['p']);
    const w = e.window(RANGE);
    assert.strictEqual(w.calls, 2); // the reset dropped the first three
    assert.ok(Math.abs(w.costUsd - 0.03) < 1e-12);
    assert.deepStrictEqual(e.sources().map(s => [s.records, s.skipped, s.format, s.bytesRead]), [[2, 1, 'json-array', 198]]);
    const rows = [...e.iterateCalls(RANGE)];
    assert.deepStrictEqual(rows.map(r => [r.ts, r.cost_usd, r.cost_source, r.endpoint, r.model]), [[T0, 0.01, 'computed', '/x', 'm'], [T0 + MIN, 0.02, 'computed', '/x', 'm']]);
    // re-pricing at $0.002 a token doubles the computed costs, through the rollups too
    assert.strictEqual(await e.reprice({ version: 't2', price: (r) => ({ cost_usd: (r.input_tokens ?? 0) * 0.002, cost_source: 'computed', estimated: false }) }), 2);
    assert.ok(Math.abs(e.window({ from: T0 - 3 * 86_400_000, to: T0 + HOUR }).costUsd - 0.06) < 1e-12);
    e.dispose();
  });

  it('yields to the event loop between batches, honours abort and dispose', async () => {
    const mk = (i: number): OriginRecord => ({ ...emptyRecord(T0 + i * MIN, '/x'), offset: i, line: i + 1 });
    const batch = (i: number): ReaderBatch => ({ path: 'p', format: 'jsonl', records: [mk(i)], problems: [], skipped: 0, zoneAssumed: 0, reset: false });
    let tickedBetween = false;
    let sinkError: unknown = null;
    // eslint-disable-next-line prefer-const -- assigned once below, after the reader factory that closes over it
    let engine!: MonitorEngine;
    let signalSeen: AbortSignal | undefined;
    const factory: ReaderFactory = (_c, o) => {
      signalSeen = o.signal;
      return {
        async readNew(_p, sink) {
          let ticked = false;
          setImmediate(() => { ticked = true; });
          await sink(batch(0));
          tickedBetween = ticked; // a callback queued before the first batch ran before the second
          engine.dispose();
          try { await sink(batch(1)); } catch (e) { sinkError = e; }
          return [];
        },
        checkpoints: () => [],
      };
    };
    engine = await create({}, factory);
    const ac = new AbortController();
    const r = await engine.ingestFiles(['p'], { signal: ac.signal });
    assert.strictEqual(signalSeen, ac.signal);
    assert.strictEqual(tickedBetween, true);
    assert.match(String(sinkError), /disposed/);
    assert.strictEqual(r.records, 1);

    const e2 = await create({}, () => { throw new Error('must not be called'); });
    ac.abort();
    assert.deepStrictEqual((await e2.ingestFiles(['p'], { signal: ac.signal })).records, 0);
    e2.dispose();
  });

  it('retention: raw rows older than retentionDays go, the rollups keep the totals', async () => {
    const DAY = 86_400_000;
    const e = await create({ retentionDays: 2, now: () => T0 });
    e.ingestRecords('f', [5, 3, 1, 0].map(d => ({ ...emptyRecord(T0 - d * DAY - HOUR, '/x'), offset: d, line: d + 1 })));
    // cutoff = now - 2 days: the calls 5 and 3 days old go
    assert.strictEqual(e.applyRetention(), 2);
    assert.strictEqual([...e.iterateCalls({ from: 0, to: T0 })].length, 2);
    assert.strictEqual(e.window({ from: T0 - 10 * DAY, to: T0 }).calls, 4);
    e.dispose();
  });

  it('a cold ingest answers queries before its raw rows are in SQLite; callsReady writes them in slices, then an export reads every call', async () => {
    const log = path.join(dir, 'calls.jsonl');
    // 250 calls, one a minute from T0: latencies 100, 200, ..., 25,000 ms
    fs.writeFileSync(log, Array.from({ length: 250 }, (_, i) => line(i)).join(''));
    const e = await create();
    try {
      assert.strictEqual((await e.ingestFiles([log])).records, 250);
      // deferred: the table is still empty, the figures are not
      assert.strictEqual(e.store.hasDeferredRows, true);
      assert.strictEqual(Number(e.store.db.exec('SELECT count(*) FROM calls')[0].values[0][0]), 0);
      assert.strictEqual(e.window({ from: T0, to: T0 + 250 * MIN }).calls, 250);
      await e.callsReady();
      assert.strictEqual(e.store.hasDeferredRows, false);
      const calls = [...e.iterateCalls({ from: T0, to: T0 + 250 * MIN })];
      assert.strictEqual(calls.length, 250);
      // in time order, latency 100 x (i + 1): first 100, last 25,000
      assert.deepStrictEqual([calls[0].latency_ms, calls[249].latency_ms, calls[249].ts], [100, 25_000, T0 + 249 * MIN]);
    } finally { e.dispose(); }
  });

  it('iterateCalls pages through many rows without losing or repeating any', async () => {
    const e = await create();
    const recs: OriginRecord[] = [];
    // 4,500 calls, 3 per timestamp: pages of 2,000 split ties on the same ts
    for (let i = 0; i < 4500; i++) recs.push({ ...emptyRecord(T0 + Math.floor(i / 3), '/x'), offset: i, line: i + 1, latency_ms: i });
    e.ingestRecords('f', recs);
    const out = [...e.iterateCalls({ from: T0, to: T0 + HOUR })];
    assert.strictEqual(out.length, 4500);
    assert.deepStrictEqual(out.map(r => r.latency_ms), recs.map(r => r.latency_ms));
    e.dispose();
  });
});
