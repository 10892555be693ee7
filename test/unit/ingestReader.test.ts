// Tailing without double counting: append, partial lines, truncation, replacement, rotation, restart.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { Checkpoint, LogReader, ReadBatch, ReadOptions, SourceResult, warmUpReader } from '../../src/core/ingest/logReader';
import { OriginRecord } from '../../src/core/model';

/** A tiny store with the documented semantics: re-key renamedFrom, then reset, then add. */
class MiniStore {
  rows = new Map<string, OriginRecord[]>();
  batches: ReadBatch[] = [];
  sink = (b: ReadBatch): void => {
    this.batches.push(b);
    if (b.renamedFrom) {
      const moved = this.rows.get(b.renamedFrom) ?? [];
      this.rows.delete(b.renamedFrom);
      this.rows.set(b.path, [...(this.rows.get(b.path) ?? []), ...moved]);
    }
    if (b.reset) this.rows.set(b.path, []);
    const list = this.rows.get(b.path) ?? [];
    for (const r of b.records) {
      // identity = source + offset: a second insert would be a double count
      assert.ok(!list.some(x => x.offset === r.offset), `double insert ${b.path}@${r.offset}`);
      list.push(r);
    }
    this.rows.set(b.path, list);
  };
  endpoints(): string[] {
    return [...this.rows.values()].flat().map(r => r.endpoint).sort();
  }
}

let dir: string;
const line = (ep: string, sec = 0): string => JSON.stringify({ ts: `2025-03-04T10:00:${String(sec).padStart(2, '0')}Z`, endpoint: ep, latency_ms: 10, pad: 'x'.repeat(60) }) + '\n';
const p = (name: string): string => path.join(dir, name);
async function read(r: LogReader, store: MiniStore, paths: string[]): Promise<SourceResult[]> {
  return r.readNew(paths.map(p), store.sink);
}

describe('ingest: LogReader tailing', () => {
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimon-ingest-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it('reads appended lines once, with exact offsets and line numbers', async () => {
    const a = line('/a'), b = line('/b'), c = line('/c');
    fs.writeFileSync(p('app.jsonl'), a + b);
    const r = new LogReader([], { timeZone: 'UTC' });
    const s = new MiniStore();
    let res = await read(r, s, ['app.jsonl']);
    assert.strictEqual(res[0].records, 2);
    fs.appendFileSync(p('app.jsonl'), c);
    res = await read(r, s, ['app.jsonl']);
    assert.strictEqual(res[0].records, 1);
    assert.strictEqual(res[0].bytesRead, c.length);
    const rows = s.rows.get(p('app.jsonl'))!;
    assert.deepStrictEqual(rows.map(x => [x.endpoint, x.offset, x.line]), [['/a', 0, 1], ['/b', a.length, 2], ['/c', a.length + b.length, 3]]);
    assert.strictEqual(r.checkpoints()[0].offset, a.length + b.length + c.length);
    res = await read(r, s, ['app.jsonl']);
    assert.strictEqual(res[0].records, 0);
  });

  it('a partial last line waits until it is complete', async () => {
    const a = line('/a'), b = line('/b');
    fs.writeFileSync(p('app.jsonl'), a + b.slice(0, 20));
    const r = new LogReader([], { timeZone: 'UTC' });
    const s = new MiniStore();
    await read(r, s, ['app.jsonl']);
    assert.strictEqual(r.checkpoints()[0].offset, a.length); // stays before the partial line
    assert.strictEqual(s.endpoints().length, 1);
    fs.appendFileSync(p('app.jsonl'), b.slice(20));
    const res = await read(r, s, ['app.jsonl']);
    assert.strictEqual(res[0].records, 1);
    assert.deepStrictEqual(s.rows.get(p('app.jsonl'))!.map(x => [x.offset, x.line]), [[0, 1], [a.length, 2]]);
    assert.strictEqual(res[0].skipped, 0);
  });

  it('a complete object without its newline is read once; the late newline adds nothing', async () => {
    const a = line('/a');
    fs.writeFileSync(p('app.jsonl'), a.trimEnd());
    const r = new LogReader([], { timeZone: 'UTC' });
    const s = new MiniStore();
    assert.strictEqual((await read(r, s, ['app.jsonl']))[0].records, 1);
    fs.appendFileSync(p('app.jsonl'), '\n' + line('/b'));
    assert.strictEqual((await read(r, s, ['app.jsonl']))[0].records, 1);
    assert.deepStrictEqual(s.endpoints(), ['/a', '/b']);
  });

  it('truncation (shrunk in place) resets the source and reads from 0', async () => {
    fs.writeFileSync(p('app.jsonl'), line('/a') + line('/b') + line('/c'));
    const r = new LogReader([], { timeZone: 'UTC' });
    const s = new MiniStore();
    await read(r, s, ['app.jsonl']);
    fs.truncateSync(p('app.jsonl'), 0);
    fs.appendFileSync(p('app.jsonl'), line('/z'));
    const res = await read(r, s, ['app.jsonl']);
    assert.strictEqual(res[0].reset, true);
    assert.strictEqual(res[0].records, 1);
    assert.deepStrictEqual(s.endpoints(), ['/z']);
    assert.strictEqual(s.batches.at(-1)!.reset, true);
  });

  it('a replaced file (other content) resets; same-size rewrite with other first bytes too', async () => {
    fs.writeFileSync(p('app.jsonl'), line('/a') + line('/b'));
    const r = new LogReader([], { timeZone: 'UTC' });
    const s = new MiniStore();
    await read(r, s, ['app.jsonl']);
    fs.writeFileSync(p('tmp'), line('/x') + line('/y') + line('/w'));
    fs.renameSync(p('tmp'), p('app.jsonl'));
    const res = await read(r, s, ['app.jsonl']);
    assert.deepStrictEqual([res[0].reset, res[0].records], [true, 3]);
    assert.deepStrictEqual(s.endpoints(), ['/w', '/x', '/y']);
  });

  it('rotation by rename: the rotated file reads only its new bytes, the new file from 0, nothing lost', async () => {
    const a = line('/a', 1), b = line('/b', 2);
    fs.writeFileSync(p('app.log'), a + b);
    const r = new LogReader([], { timeZone: 'UTC' });
    const s = new MiniStore();
    await read(r, s, ['app.log']);
    fs.appendFileSync(p('app.log'), line('/c', 3)); // written just before rotation, not read yet
    fs.renameSync(p('app.log'), p('app.log.1'));
    fs.writeFileSync(p('app.log'), line('/d', 4));
    const res = await read(r, s, ['app.log', 'app.log.1']);
    const byPath = new Map(res.map(x => [path.basename(x.path), x]));
    assert.deepStrictEqual([byPath.get('app.log')!.records, byPath.get('app.log')!.reset], [1, false]);
    assert.deepStrictEqual([byPath.get('app.log.1')!.records, byPath.get('app.log.1')!.renamedFrom], [1, p('app.log')]);
    assert.deepStrictEqual(s.endpoints(), ['/a', '/b', '/c', '/d']); // 4 calls, each once
    const rotated = s.rows.get(p('app.log.1'))!;
    assert.deepStrictEqual(rotated.map(x => x.offset), [0, a.length, a.length + b.length]);
  });

  it('a gzipped rotated copy is not read again (only bytes beyond the checkpoint)', async () => {
    const a = line('/a', 1), b = line('/b', 2), c = line('/c', 3);
    fs.writeFileSync(p('app.log'), a + b);
    const r = new LogReader([], { timeZone: 'UTC' });
    const s = new MiniStore();
    await read(r, s, ['app.log']);
    fs.writeFileSync(p('app.log.1.gz'), zlib.gzipSync(Buffer.from(a + b + c)));
    fs.writeFileSync(p('app.log'), line('/d', 4));
    const res = await read(r, s, ['app.log.1.gz', 'app.log']);
    assert.deepStrictEqual(res.map(x => [path.basename(x.path), x.records, x.reset]), [['app.log.1.gz', 1, false], ['app.log', 1, false]]);
    assert.deepStrictEqual(s.endpoints(), ['/a', '/b', '/c', '/d']);
    assert.strictEqual(s.rows.get(p('app.log.1.gz'))!.find(x => x.endpoint === '/c')!.offset, a.length + b.length);
    // unchanged gz: nothing more
    const again = await read(r, s, ['app.log.1.gz', 'app.log']);
    assert.deepStrictEqual(again.map(x => x.records), [0, 0]);
  });

  it('two-step rotation (log.1 -> log.2, log -> log.1) keeps every call once', async () => {
    fs.writeFileSync(p('app.log'), line('/a', 1));
    const r = new LogReader([], { timeZone: 'UTC' });
    const s = new MiniStore();
    await read(r, s, ['app.log']);
    fs.renameSync(p('app.log'), p('app.log.1'));
    fs.writeFileSync(p('app.log'), line('/b', 2));
    await read(r, s, ['app.log', 'app.log.1']);
    fs.renameSync(p('app.log.1'), p('app.log.2'));
    fs.renameSync(p('app.log'), p('app.log.1'));
    fs.writeFileSync(p('app.log'), line('/c', 3));
    const res = await read(r, s, ['app.log', 'app.log.1', 'app.log.2']);
    assert.deepStrictEqual(res.map(x => x.records), [1, 0, 0]);
    assert.deepStrictEqual(s.endpoints(), ['/a', '/b', '/c']);
    assert.deepStrictEqual(s.rows.get(p('app.log.2'))!.map(x => x.endpoint), ['/a']);
  });

  it('a copy of a live file is a mirror: nothing read twice', async () => {
    fs.writeFileSync(p('app.log'), line('/a') + line('/b'));
    const r = new LogReader([], { timeZone: 'UTC' });
    const s = new MiniStore();
    await read(r, s, ['app.log']);
    fs.copyFileSync(p('app.log'), p('backup.log'));
    fs.appendFileSync(p('app.log'), line('/c'));
    const res = await read(r, s, ['app.log', 'backup.log']);
    assert.deepStrictEqual(res.map(x => [x.records, x.status]), [[1, 'read'], [0, 'mirror']]);
    assert.deepStrictEqual(s.endpoints(), ['/a', '/b', '/c']);
  });

  it('files outside the list still count for copy detection (rename seen alone, copy of a live file)', async () => {
    fs.writeFileSync(p('app.log'), line('/a') + line('/b'));
    const r = new LogReader([], { timeZone: 'UTC' });
    const s = new MiniStore();
    await read(r, s, ['app.log']);
    fs.copyFileSync(p('app.log'), p('copy.log'));
    let res = await read(r, s, ['copy.log']);
    assert.deepStrictEqual([res[0].records, res[0].status], [0, 'mirror']);
    fs.rmSync(p('copy.log'));
    fs.renameSync(p('app.log'), p('moved.log'));
    fs.appendFileSync(p('moved.log'), line('/c'));
    res = await read(r, s, ['moved.log']);
    assert.deepStrictEqual([res[0].records, res[0].renamedFrom], [1, p('app.log')]);
    assert.deepStrictEqual(s.endpoints(), ['/a', '/b', '/c']);
  });

  it('two CSV files sharing only their header are not copies of each other', async () => {
    const header = 'timestamp,endpoint,latency_ms,status_code,model,provider,cost_usd,request_id\n';
    fs.writeFileSync(p('day1.csv'), header); // just created, no rows yet
    const r = new LogReader([], { timeZone: 'UTC' });
    const s = new MiniStore();
    await read(r, s, ['day1.csv']);
    fs.writeFileSync(p('day2.csv'), header + '2025-03-05T10:00:00Z,/b,6,200,gpt-4o,openai,0.02,r2\n');
    const res = await read(r, s, ['day1.csv', 'day2.csv']);
    assert.deepStrictEqual(res.map(x => [x.records, x.status]), [[0, 'unchanged'], [1, 'read']]); // not a 'mirror'
    assert.deepStrictEqual(s.endpoints(), ['/b']);
  });

  it('OTLP files of one service share a long constant prefix but are distinct sources', async () => {
    const res0 = { attributes: Array.from({ length: 12 }, (_, i) => ({ key: `service.attr${i}`, value: { stringValue: 'same-everywhere' } })) };
    const l = (id: string, startS: number): string => JSON.stringify({ resourceSpans: [{ resource: res0, scopeSpans: [{ spans: [
      { spanId: id, name: `op-${id}`, startTimeUnixNano: `${startS}000000000`, endTimeUnixNano: `${startS}100000000` }] }] }] }) + '\n';
    assert.ok(l('a', 1).slice(0, 512) === l('b', 2).slice(0, 512)); // the first 512 bytes are identical
    fs.writeFileSync(p('t1.jsonl'), l('a', 1741082400));
    const r = new LogReader([], { timeZone: 'UTC' });
    const s = new MiniStore();
    await read(r, s, ['t1.jsonl']);
    fs.writeFileSync(p('t2.jsonl'), l('b', 1741082500));
    const res = await read(r, s, ['t1.jsonl', 't2.jsonl']);
    assert.deepStrictEqual(res.map(x => [x.records, x.status]), [[0, 'unchanged'], [1, 'read']]);
    assert.deepStrictEqual(s.endpoints(), ['op-a', 'op-b']);
  });

  it('copytruncate: the copy takes over the unread tail, the truncated file restarts', async () => {
    const a = line('/a'), b = line('/b');
    fs.writeFileSync(p('app.log'), a);
    const r = new LogReader([], { timeZone: 'UTC' });
    const s = new MiniStore();
    await read(r, s, ['app.log']);
    fs.appendFileSync(p('app.log'), b);
    fs.copyFileSync(p('app.log'), p('app.log.1'));
    fs.truncateSync(p('app.log'), 0);
    fs.appendFileSync(p('app.log'), line('/c'));
    const res = await read(r, s, ['app.log', 'app.log.1']);
    assert.deepStrictEqual(res.map(x => [x.records, x.reset]), [[1, false], [1, false]]);
    assert.deepStrictEqual(s.endpoints(), ['/a', '/b', '/c']);
  });

  it('restart from saved checkpoints reads only new bytes', async () => {
    const a = line('/a'), b = line('/b');
    fs.writeFileSync(p('app.jsonl'), a);
    const s = new MiniStore();
    const r1 = new LogReader([], { timeZone: 'UTC' });
    await read(r1, s, ['app.jsonl']);
    const saved = JSON.parse(JSON.stringify(r1.checkpoints())) as Checkpoint[];
    fs.appendFileSync(p('app.jsonl'), b);
    const r2 = new LogReader(saved, { timeZone: 'UTC' });
    const res = await read(r2, s, ['app.jsonl']);
    assert.deepStrictEqual([res[0].records, res[0].bytesRead, res[0].reset], [1, b.length, false]);
    assert.deepStrictEqual(s.rows.get(p('app.jsonl'))!.map(x => [x.offset, x.line]), [[0, 1], [a.length, 2]]);
  });

  it('the legacy snapshot rewritten in place is re-read with reset: never double counted', async () => {
    const snap = (ids: number[]): string => JSON.stringify({
      recent_calls: ids.map(i => ({ timestamp: `2025-03-04T10:00:0${i}`, endpoint: `/e${i}`, duration: 0.1, success: true, request_id: `id-${i}` })),
      last_updated: '2025-03-04T10:00:09',
    }, null, 2);
    fs.writeFileSync(p('api_metrics.json'), snap([1, 2, 3]));
    const r = new LogReader([], { timeZone: 'UTC' });
    const s = new MiniStore();
    let res = await read(r, s, ['api_metrics.json']);
    assert.deepStrictEqual([res[0].format, res[0].records, res[0].reset], ['legacy-snapshot', 3, false]);
    // the old system keeps the last N: the first call falls off, one is added
    fs.writeFileSync(p('api_metrics.json'), snap([2, 3, 4]));
    res = await read(r, s, ['api_metrics.json']);
    assert.deepStrictEqual([res[0].records, res[0].reset], [3, true]);
    assert.deepStrictEqual(s.endpoints(), ['/e2', '/e3', '/e4']);
    res = await read(r, s, ['api_metrics.json']);
    assert.deepStrictEqual([res[0].records, res[0].status], [0, 'unchanged']);
  });

  it('OTLP lines appended: spans of a line get offset + index, the next line starts at its own offset', async () => {
    const span = (id: string, startS: number): object => ({ spanId: id, name: `op-${id}`, startTimeUnixNano: `${startS}000000000`, endTimeUnixNano: `${startS}500000000` });
    const l = (...spans: object[]): string => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] }) + '\n';
    const l1 = l(span('a', 1741082400), span('b', 1741082401));
    fs.writeFileSync(p('traces.jsonl'), l1);
    const r = new LogReader([], { timeZone: 'UTC' });
    const s = new MiniStore();
    await read(r, s, ['traces.jsonl']);
    fs.appendFileSync(p('traces.jsonl'), l(span('c', 1741082402)));
    const res = await read(r, s, ['traces.jsonl']);
    assert.strictEqual(res[0].records, 1);
    assert.deepStrictEqual(s.rows.get(p('traces.jsonl'))!.map(x => [x.endpoint, x.offset, x.line, x.latency_ms]),
      [['op-a', 0, 1, 500], ['op-b', 1, 1, 500], ['op-c', l1.length, 2, 500]]);
  });

  it('a HAR file saved again replaces its calls (reset)', async () => {
    const har = (n: number): string => JSON.stringify({ log: { version: '1.2', entries: Array.from({ length: n }, (_, i) => ({
      startedDateTime: `2025-03-04T10:00:0${i}.000Z`, time: 10 + i, request: { method: 'GET', url: `https://x.test/e${i}` }, response: { status: 200 } })) } });
    fs.writeFileSync(p('s.har'), har(2));
    const r = new LogReader([], { timeZone: 'UTC' });
    const s = new MiniStore();
    await read(r, s, ['s.har']);
    fs.writeFileSync(p('s.har'), har(3));
    const res = await read(r, s, ['s.har']);
    assert.deepStrictEqual([res[0].format, res[0].records, res[0].reset], ['har', 3, true]);
    assert.deepStrictEqual(s.endpoints(), ['GET /e0', 'GET /e1', 'GET /e2']);
  });

  it('a huge line is skipped with a bounded buffer, the rest kept', async () => {
    const big = JSON.stringify({ ts: 1741082400, endpoint: '/big', blob: 'x'.repeat(2 * 1024 * 1024) }) + '\n';
    fs.writeFileSync(p('app.jsonl'), line('/a') + big + line('/b'));
    const r = new LogReader([], { timeZone: 'UTC', chunkSize: 64 * 1024 });
    const s = new MiniStore();
    const res = await read(r, s, ['app.jsonl']);
    assert.deepStrictEqual([res[0].records, res[0].skipped], [2, 1]);
    assert.deepStrictEqual(res[0].problems.map(x => [x.line, x.reason]), [[2, 'line longer than 1 MB, skipped']]);
    assert.deepStrictEqual(s.rows.get(p('app.jsonl'))!.map(x => x.line), [1, 3]);
  });

  it('a huge line still being written is reported once across reads', async () => {
    fs.writeFileSync(p('app.jsonl'), line('/a') + '{"ts":1,"blob":"' + 'x'.repeat(1100 * 1024));
    const r = new LogReader([], { timeZone: 'UTC', chunkSize: 256 * 1024 });
    const s = new MiniStore();
    let res = await read(r, s, ['app.jsonl']);
    assert.deepStrictEqual([res[0].records, res[0].skipped], [1, 1]);
    fs.appendFileSync(p('app.jsonl'), 'x'.repeat(1000) + '"}\n' + line('/b'));
    res = await read(r, s, ['app.jsonl']);
    assert.deepStrictEqual([res[0].records, res[0].skipped], [1, 0]);
    assert.deepStrictEqual(s.rows.get(p('app.jsonl'))!.map(x => [x.endpoint, x.line]), [['/a', 1], ['/b', 3]]);
  });

  it('batches are bounded, binary files are one problem, missing files are reported', async () => {
    fs.writeFileSync(p('app.jsonl'), [1, 2, 3, 4, 5].map(i => line(`/e${i}`, i)).join(''));
    fs.writeFileSync(p('bin.log'), Buffer.from([0, 1, 2, 3, 0, 0, 255]));
    const opts: ReadOptions = { timeZone: 'UTC', batchSize: 2 };
    const r = new LogReader([], opts);
    const s = new MiniStore();
    const res = await read(r, s, ['app.jsonl', 'bin.log', 'nope.jsonl']);
    assert.deepStrictEqual(s.batches.filter(b => b.path === p('app.jsonl')).map(b => b.records.length), [2, 2, 1]);
    assert.deepStrictEqual(res.map(x => [x.records, x.skipped, x.status]), [[5, 0, 'read'], [0, 1, 'read'], [0, 0, 'missing']]);
    assert.strictEqual(res[1].problems[0].reason, 'binary file, not a log');
    const again = await read(r, s, ['bin.log']);
    assert.deepStrictEqual([again[0].skipped, again[0].status], [0, 'unchanged']);
  });

  it('firstBatchSize: the batches of a source start small and double up to batchSize, every record once and in order', async () => {
    // 40 lines with batches of 2 doubling to 16: 2, 4, 8, 16, then the 10 left (2 + 4 + 8 + 16 + 10 = 40)
    fs.writeFileSync(p('app.jsonl'), Array.from({ length: 40 }, (_, i) => line(`/e${i}`, i + 1)).join(''));
    const r = new LogReader([], { timeZone: 'UTC', batchSize: 16, firstBatchSize: 2 });
    const s = new MiniStore();
    const res = await read(r, s, ['app.jsonl']);
    assert.deepStrictEqual(s.batches.map(b => b.records.length), [2, 4, 8, 16, 10]);
    assert.strictEqual(res[0].records, 40);
    assert.deepStrictEqual(s.rows.get(p('app.jsonl'))!.map(x => x.line), Array.from({ length: 40 }, (_, i) => i + 1));
    // a later read of the source starts small again (the ramp is per read): 2, 4, 8, then the 6 left of 20
    fs.appendFileSync(p('app.jsonl'), Array.from({ length: 20 }, (_, i) => line(`/f${i}`, i + 41)).join(''));
    await read(r, s, ['app.jsonl']);
    assert.deepStrictEqual(s.batches.slice(5).map(b => b.records.length), [2, 4, 8, 6]);
  });

  it('CSV appended across reads keeps its header; a record split by the read boundary waits', async () => {
    fs.writeFileSync(p('calls.csv'), 'timestamp,endpoint,latency_ms\n2025-03-04T10:00:00Z,/a,5\n2025-03-04T10:00:01Z,"/b\n');
    const r = new LogReader([], { timeZone: 'UTC' });
    const s = new MiniStore();
    let res = await read(r, s, ['calls.csv']);
    assert.strictEqual(res[0].records, 1); // the quoted field is still open
    fs.appendFileSync(p('calls.csv'), 'x",6\n2025-03-04T10:00:02Z,/c,7\n');
    res = await read(r, s, ['calls.csv']);
    assert.strictEqual(res[0].records, 2);
    assert.deepStrictEqual(s.rows.get(p('calls.csv'))!.map(x => [x.endpoint, x.latency_ms, x.line]), [['/a', 5, 2], ['/b\nx', 6, 3], ['/c', 7, 5]]);
  });

  it('a sink failure is reported, the checkpoint stays, nothing throws', async () => {
    fs.writeFileSync(p('app.jsonl'), line('/a'));
    const r = new LogReader([], { timeZone: 'UTC' });
    const res = await r.readNew([p('app.jsonl')], () => { throw new Error('disk full'); });
    assert.strictEqual(res[0].status, 'error');
    assert.strictEqual(res[0].problems[0].reason, 'storing failed: disk full');
    const s = new MiniStore();
    const again = await r.readNew([p('app.jsonl')], s.sink);
    assert.strictEqual(again[0].records, 1);
  });

  it('warmUpReader re-reads the end of what was read without storing anything or moving a checkpoint', async () => {
    // 3,000 lines of ~100 bytes: the slice (64 KB) starts mid-file, at a line start
    let text = '';
    for (let i = 0; i < 3000; i++) text += line(`/e${i % 7}`, i % 60);
    fs.writeFileSync(p('app.jsonl'), text);
    const r = new LogReader([], { timeZone: 'UTC' });
    const s = new MiniStore();
    await read(r, s, ['app.jsonl']);
    const cps = r.checkpoints();
    const before = JSON.stringify(cps);
    const missing: Checkpoint = { ...cps[0], path: p('gone.jsonl') };
    const parsed: number[] = [];
    await warmUpReader([...cps, missing], { timeZone: 'UTC' }, { rounds: 3, delayMs: 0, onRecords: n => parsed.push(n) });
    // rounds 1 and 3 read app.jsonl from the first line starting in its last 65,536 bytes; round 2 finds no file
    const start = text.indexOf('\n', text.length - 65536) + 1;
    const tail = text.slice(start).split('\n').length - 1;
    assert.deepStrictEqual(parsed, [tail, tail]);
    assert.ok(tail > 100 && tail < 3000);
    assert.strictEqual(JSON.stringify(cps), before);
    assert.strictEqual(s.batches.length, 1);
    // the reader that read the file goes on from its own checkpoint: only the new line
    fs.appendFileSync(p('app.jsonl'), line('/new'));
    const res = await read(r, s, ['app.jsonl']);
    assert.strictEqual(res[0].records, 1);
    assert.strictEqual(s.rows.get(p('app.jsonl'))!.length, 3001);
    // nothing to warm: resolves at once
    await warmUpReader([{ ...cps[0], gz: true }], {}, { delayMs: 0 });
  });

  it('warmUpReader waits while a real read of this thread is under way', async () => {
    let text = '';
    for (let i = 0; i < 300; i++) text += line(`/e${i % 7}`, i % 60);
    fs.writeFileSync(p('app.jsonl'), text);
    const r = new LogReader([], { timeZone: 'UTC' });
    const s = new MiniStore();
    await read(r, s, ['app.jsonl']);
    const cps = r.checkpoints();
    // a second file's read held open in its sink (a tail append being stored)
    fs.writeFileSync(p('other.jsonl'), line('/held'));
    let release!: () => void;
    const held = new Promise<void>(resolve => { release = resolve; });
    const realRead = new LogReader([], { timeZone: 'UTC' }).readNew([p('other.jsonl')], () => held);
    const parsed: number[] = [];
    const warm = warmUpReader(cps, { timeZone: 'UTC' }, { rounds: 1, delayMs: 0, onRecords: n => parsed.push(n) });
    await new Promise(res => setTimeout(res, 100));
    assert.deepStrictEqual(parsed, [], 'no warm-up round during the read');
    release();
    await realRead;
    await warm;
    // then its one round re-reads the whole file (300 lines of ~130 bytes = ~39 KB, under the 64 KB slice)
    assert.deepStrictEqual(parsed, [300]);
  });
});

describe('ingest: LogReader over every fixture with tiny chunks', () => {
  const FIX = [path.resolve(__dirname, '../../../test/fixtures'), path.resolve(process.cwd(), 'test/fixtures')].find(d => fs.existsSync(d))!;
  const names = fs.readdirSync(FIX).filter(f => fs.statSync(path.join(FIX, f)).isFile() && !f.endsWith('.md') && f !== 'partial.jsonl');
  for (const chunkSize of [5, 64]) {
    it(`chunk boundaries (${chunkSize} bytes) change nothing: same records as a whole-text parse`, async function () {
      this.timeout(30_000); // thousands of tiny reads on a shared machine
      for (const name of names) {
        const whole = new Map<string, OriginRecord[]>();
        const s1 = new MiniStore();
        await new LogReader([], { timeZone: 'UTC' }).readNew([path.join(FIX, name)], s1.sink);
        const s2 = new MiniStore();
        await new LogReader([], { timeZone: 'UTC', chunkSize }).readNew([path.join(FIX, name)], s2.sink);
        whole.set(name, s1.rows.get(path.join(FIX, name)) ?? []);
        assert.deepStrictEqual(s2.rows.get(path.join(FIX, name)) ?? [], whole.get(name), name);
        assert.deepStrictEqual(s2.batches.map(b => b.skipped).reduce((a, b) => a + b, 0), s1.batches.map(b => b.skipped).reduce((a, b) => a + b, 0), name);
      }
    });
  }
  it('record counts per fixture through the reader (gz included)', async () => {
    const counts: Record<string, number> = {};
    for (const name of names) {
      const s = new MiniStore();
      await new LogReader([], { timeZone: 'UTC' }).readNew([path.join(FIX, name)], s.sink);
      counts[name] = (s.rows.get(path.join(FIX, name)) ?? []).length;
    }
    assert.deepStrictEqual(counts, {
      'anthropic.jsonl': 3, 'api_metrics.json': 3, 'array.json': 3, 'binary.log': 0, 'calls.csv': 3, 'litellm-spend.json': 2,
      'litellm.jsonl': 3, 'malformed.jsonl': 3, 'mixed-timestamps.jsonl': 7, 'openai-chat.jsonl': 3, 'openai-chat.jsonl.gz': 3,
      'openai-responses.jsonl': 2, 'otlp-traces.json': 3, 'otlp-traces.jsonl': 3, 'session.har': 3,
    });
  });
  it('the partial-line fixture: 2 records now, the third once completed', async () => {
    const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), 'apimon-partial-'));
    try {
      const f = path.join(dir2, 'partial.jsonl');
      fs.copyFileSync(path.join(FIX, 'partial.jsonl'), f);
      const r = new LogReader([], { timeZone: 'UTC' });
      const s = new MiniStore();
      let res = await r.readNew([f], s.sink);
      assert.deepStrictEqual([res[0].records, res[0].skipped], [2, 0]);
      assert.strictEqual(r.checkpoints()[0].offset, 62 + 62); // two 61-byte lines + newlines
      fs.appendFileSync(f, 'ncy_ms":30}\n');
      res = await r.readNew([f], s.sink);
      assert.deepStrictEqual(s.rows.get(f)!.map(x => [x.latency_ms, x.offset, x.line]), [[10, 0, 1], [20, 62, 2], [30, 124, 3]]);
    } finally { fs.rmSync(dir2, { recursive: true, force: true }); }
  });
});

describe('ingest: LogReader limits and cancellation', () => {
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimon-ingest-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it('an oversized JSON array element is skipped, the others kept', async () => {
    const el = (ep: string, pad: number): string => JSON.stringify({ ts: 1741082400, endpoint: ep, pad: 'x'.repeat(pad) });
    fs.writeFileSync(p('calls.json'), `[\n${el('/a', 10)},\n${el('/big', 40_000)},\n${el('/b', 10)}\n]\n`);
    // maxLineBytes 2000 -> array elements up to 16 x 2000 = 32,000 bytes
    const r = new LogReader([], { timeZone: 'UTC', maxLineBytes: 2000, chunkSize: 4096 });
    const s = new MiniStore();
    const res = await read(r, s, ['calls.json']);
    assert.deepStrictEqual([res[0].records, res[0].skipped], [2, 1]);
    assert.deepStrictEqual(res[0].problems.map(x => x.line), [3]);
    assert.deepStrictEqual(s.endpoints(), ['/a', '/b']);
  });

  it('an aborted read keeps what was delivered and resumes after it', async () => {
    fs.writeFileSync(p('app.jsonl'), [1, 2, 3, 4, 5, 6].map(i => line(`/e${i}`, i)).join(''));
    const ac = new AbortController();
    const r = new LogReader([], { timeZone: 'UTC', chunkSize: line('/e1', 1).length * 2, signal: ac.signal, onProgress: () => ac.abort() });
    const s = new MiniStore();
    await r.readNew([p('app.jsonl')], s.sink);
    const first = s.endpoints().length;
    assert.strictEqual(first, 2); // one chunk of two lines, then the abort is seen
    const r2 = new LogReader(r.checkpoints(), { timeZone: 'UTC' });
    const res = await r2.readNew([p('app.jsonl')], s.sink);
    assert.strictEqual(res[0].records, 6 - 2);
    assert.deepStrictEqual(s.endpoints(), ['/e1', '/e2', '/e3', '/e4', '/e5', '/e6']);
  });
});
