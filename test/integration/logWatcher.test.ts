// The log watcher inside the real extension host: a large file added mid-session is read under the
// cancellable progress notification (as the cold ingest is), and a cancel pauses automatic reads.
// Its own engine, watcher and temp files, so the fixture workspace's numbers are untouched.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { IngestProgress } from '../../src/core/engine';
import { MonitorEngine } from '../../src/core/monitorEngine';
import { readConfig, type ApiMonitorConfig } from '../../src/host/config';
import { LogWatcher } from '../../src/host/logWatcher';

const EXTENSION_ID = 'api-monitor.api-monitor';

/** a Memento kept in a Map (the watcher keeps its manual sources there) */
function memento(): vscode.Memento {
  const m = new Map<string, unknown>();
  return {
    keys: () => [...m.keys()],
    get: <T>(k: string, d?: T) => (m.has(k) ? m.get(k) as T : d) as T,
    update: async (k: string, v: unknown) => { m.set(k, v); },
  };
}

/** n lines of exactly `width` bytes each (newline included), one call per second from t0 */
function writeLog(file: string, n: number, width: number, t0: number): void {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const o = { ts: t0 + i * 1000, endpoint: `/e${i % 5}`, model: 'gpt-4o', latency_ms: i % 1000, pad: '' };
    o.pad = 'x'.repeat(width - 1 - JSON.stringify(o).length);
    parts.push(JSON.stringify(o) + '\n');
  }
  fs.writeFileSync(file, parts.join(''));
}

describe('log watcher: files added mid-session', function () {
  this.timeout(120_000);
  const t0 = Date.UTC(2025, 2, 4, 10);
  let dir: string;
  let engine: MonitorEngine;
  let output: vscode.LogOutputChannel;
  const events = new vscode.EventEmitter<{ config: ApiMonitorConfig; affects(): boolean }>();

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimon-integ-watcher-'));
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    engine = await MonitorEngine.create({
      wasmBinary: fs.readFileSync(path.join(ext.extensionPath, 'dist', 'sql-wasm.wasm')),
      retentionDays: 3650, timeZone: 'UTC', now: () => t0 + 86_400_000,
    });
    output = vscode.window.createOutputChannel('API Monitor watcher test', { log: true });
  });
  after(() => {
    engine.dispose();
    output.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** a watcher that finds no file by glob (only files added by hand) and records each progress notification */
  function watcher(onProgress: (signal: AbortController) => void): { w: LogWatcher; notifications: IngestProgress[][] } {
    const notifications: IngestProgress[][] = [];
    const config = { ...readConfig(), logFiles: ['no-such-folder-apimon/**/*.jsonl'], autoRefresh: false };
    const w = new LogWatcher({
      engine, config: () => config, onDidChangeConfig: events.event, state: memento(), output,
      withProgress: async task => {
        const reports: IngestProgress[] = [];
        notifications.push(reports);
        const ctl = new AbortController();
        onProgress(ctl);
        return task(ctl.signal, p => reports.push(p));
      },
    });
    return { w, notifications };
  }

  it('reads a small file without a notification and a file of more than 8 MB under one', async () => {
    const { w, notifications } = watcher(() => undefined);
    try {
      await w.start();
      assert.strictEqual(notifications.length, 0, 'no files: no cold-ingest notification');
      // 100 lines x 128 bytes = 12,800 bytes: far below 8 x 1024 x 1024 = 8,388,608
      const small = path.join(dir, 'small.jsonl');
      writeLog(small, 100, 128, t0);
      await w.addManual(small);
      assert.strictEqual(notifications.length, 0);
      // 34,000 lines x 256 bytes = 8,704,000 bytes, above the 8,388,608 minimum
      const big = path.join(dir, 'big.jsonl');
      writeLog(big, 34_000, 256, t0);
      await w.addManual(big);
      assert.strictEqual(notifications.length, 1);
      assert.ok(notifications[0].length > 0, 'the read reported progress');
      const stats = new Map(engine.sources().map(s => [path.basename(s.path), s]));
      assert.deepStrictEqual([stats.get('small.jsonl')?.records, stats.get('big.jsonl')?.records], [100, 34_000]);
      assert.strictEqual(stats.get('big.jsonl')?.bytesRead, 8_704_000);
      assert.strictEqual(w.paused, false);
    } finally {
      w.dispose();
    }
  });

  it('keeps what was read when the notification is cancelled and pauses until an explicit read', async () => {
    // cancelled as the notification opens: the engine stops at its first batch boundary
    let cancel = true;
    const { w, notifications } = watcher(ctl => { if (cancel) { ctl.abort(); } });
    try {
      await w.start();
      const big = path.join(dir, 'big2.jsonl');
      // one hour later than big.jsonl: a file with the same first bytes would be taken for a copy of it (not read twice)
      writeLog(big, 34_000, 256, t0 + 3_600_000);
      await w.addManual(big);
      assert.strictEqual(notifications.length, 1);
      assert.strictEqual(w.paused, true);
      const read = engine.sources().find(s => s.path === big)?.records ?? 0;
      assert.ok(read < 34_000, `stopped early (${read} records)`);
      // Refresh Now (an explicit read) resumes from where it stopped: every line once
      cancel = false;
      await w.ingestNow([big]);
      assert.strictEqual(w.paused, false);
      const s = engine.sources().find(x => x.path === big)!;
      assert.deepStrictEqual([s.records, s.bytesRead], [34_000, 8_704_000]);
    } finally {
      w.dispose();
    }
  });
});
