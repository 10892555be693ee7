// The ingest worker inside the real extension host: the extension's own dist/ingestWorker.js starts as
// a worker_threads Worker there and a log above the 8 MB minimum is parsed by it. Its own engine and
// temp file, so the fixture workspace's numbers (extension.test.ts) are untouched.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Checkpoint } from '../../src/core/ingest/logReader';
import { WorkerReader } from '../../src/core/ingest/workerReader';
import { MonitorEngine } from '../../src/core/monitorEngine';

const EXTENSION_ID = 'api-monitor.api-monitor';

describe('ingest worker in the extension host', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimon-integ-worker-')); });
  after(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it('parses a 9 MB log in dist/ingestWorker.js and stores every line', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const script = path.join(ext.extensionPath, 'dist', 'ingestWorker.js');
    assert.ok(fs.existsSync(script), script);
    // 35,000 lines of 256 bytes = 8,960,000 bytes, above the 8 x 1024 x 1024 = 8,388,608 minimum
    const n = 35_000;
    const t0 = Date.UTC(2025, 2, 4, 10);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      const o = { ts: t0 + i * 1000, endpoint: `/e${i % 5}`, model: 'gpt-4o', latency_ms: i % 1000, pad: '' };
      o.pad = 'x'.repeat(255 - JSON.stringify(o).length);
      parts.push(JSON.stringify(o) + '\n');
    }
    const file = path.join(dir, 'big.jsonl');
    fs.writeFileSync(file, parts.join(''));
    assert.strictEqual(fs.statSync(file).size, n * 256);
    let reader: WorkerReader | undefined;
    const engine = await MonitorEngine.create({
      wasmBinary: fs.readFileSync(path.join(ext.extensionPath, 'dist', 'sql-wasm.wasm')), retentionDays: 3650, timeZone: 'UTC',
      now: () => t0 + n * 1000,
    }, { readerFactory: (cps, o) => (reader = new WorkerReader(cps as Checkpoint[], { timeZone: o.timeZone, signal: o.signal, batchSize: 10_000 }, { script, cores: 2 })) });
    try {
      const res = await engine.ingestFiles([file]);
      assert.strictEqual(reader?.lastMode, 'worker');
      assert.deepStrictEqual([res.records, res.skipped], [n, 0]);
      // ts t0 .. t0 + 34,999 s: all inside [t0, t0 + n s)
      assert.strictEqual(engine.window({ from: t0, to: t0 + n * 1000 }).calls, n);
      assert.strictEqual(engine.sources()[0].bytesRead, n * 256);
    } finally {
      engine.dispose();
    }
  });
});
