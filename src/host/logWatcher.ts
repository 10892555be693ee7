// Finds the log files (settings globs in every workspace folder + files added by hand), follows
// them with file-system watchers and feeds the engine incrementally. Ingests are serialised (one
// at a time, pending paths merged) and changes are debounced so a burst of appends costs one read,
// while a new line still reaches every view well within a second.
import * as vscode from 'vscode';
import * as path from 'path';
import * as fs from 'fs';
import type { IngestProgress, IngestResult, MonitorEngineApi } from '../core/engine';
import { globToRegExp, matchesAny } from '../core/ingest/discovery';
import type { ApiMonitorConfig } from './config';
import { Disposable } from './disposable';
import type { SettingKey } from './registry';
import { SETTINGS } from './registry';

const MANUAL_KEY = 'apiMonitor.manualSources';
/** appends are debounced this long (the brief allows ≤ 250 ms) */
export const CHANGE_DEBOUNCE_MS = 150;
/** a rescan (new file created, settings changed) waits a little longer: findFiles is not free */
const RESCAN_DEBOUNCE_MS = 400;
const MAX_FILES = 2000;
/** A read of more unread bytes than this (a large file added mid-session) shows the cancellable progress notification. */
const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;

export interface IngestEvent {
  result: IngestResult;
  /** the cold ingest of the session (run with a progress notification) */
  initial: boolean;
}

export interface LogWatcherDeps {
  engine: Pick<MonitorEngineApi, 'ingestFiles' | 'sources'>;
  config: () => ApiMonitorConfig;
  onDidChangeConfig: vscode.Event<{ config: ApiMonitorConfig; affects(keys: readonly SettingKey[]): boolean }>;
  state: vscode.Memento;
  output: vscode.LogOutputChannel;
  /** wraps the cold ingest (a cancellable progress notification in the extension) */
  withProgress?: <T>(task: (signal: AbortSignal, report: (p: IngestProgress) => void) => Promise<T>) => Promise<T>;
  /** fired when the engine may have removed a source (manual source removed) */
  removeSource?: (fsPath: string) => void;
}

export class LogWatcher extends Disposable {
  private readonly _onDidIngest = this._register(new vscode.EventEmitter<IngestEvent>());
  readonly onDidIngest = this._onDidIngest.event;
  private readonly _onDidChangeFiles = this._register(new vscode.EventEmitter<void>());
  /** the set of known files changed (found, added or removed) */
  readonly onDidChangeFiles = this._onDidChangeFiles.event;

  private _files = new Set<string>();
  private _watchers: vscode.Disposable[] = [];
  private _pending = new Set<string>();
  private _changeTimer: NodeJS.Timeout | undefined;
  private _rescanTimer: NodeJS.Timeout | undefined;
  private _pollTimer: NodeJS.Timeout | undefined;
  private _running: Promise<void> | undefined;
  private _initialDone = false;
  /**
   * The user cancelled the cold read: automatic reads (watcher events, the poll, rescans) wait
   * until an explicit read (Refresh Now, Add Log File) so a cancelled huge file is not resumed
   * behind the user's back.
   */
  private _paused = false;
  private _abort = new AbortController();

  constructor(private readonly deps: LogWatcherDeps) {
    super();
    this._register({ dispose: () => this._stopTimers() });
    this._register({ dispose: () => this._abort.abort() });
    this._register({ dispose: () => this._disposeWatchers() });
    this._register(deps.onDidChangeConfig(e => {
      if (e.affects([SETTINGS.logFiles, SETTINGS.excludeFiles])) {
        this._scheduleRescan();
      }
      if (e.affects([SETTINGS.autoRefresh, SETTINGS.refreshIntervalSeconds])) {
        this._startPoll();
      }
    }));
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => this._scheduleRescan()));
  }

  /** Known files (found by the globs or added by hand), absolute paths. */
  files(): string[] {
    return [...this._files].sort();
  }

  manualSources(): string[] {
    return this.deps.state.get<string[]>(MANUAL_KEY, []).filter(p => typeof p === 'string');
  }

  isManual(fsPath: string): boolean {
    return this.manualSources().includes(fsPath);
  }

  /** Discover, watch, then run the cold ingest (with progress when given). Does not throw. */
  async start(): Promise<void> {
    await this._rescan(false);
    const run = async (signal: AbortSignal, report: (p: IngestProgress) => void): Promise<void> => {
      await this._ingest(this.files(), true, this._linked(signal), report);
    };
    // the cold ingest counts as the ingest in flight: appends seen meanwhile wait for it
    this._running = (async (): Promise<void> => {
      if (this.deps.withProgress && this._files.size) {
        await this.deps.withProgress((signal, report) => run(signal, report));
      } else {
        await run(this._abort.signal, () => undefined);
      }
    })();
    try {
      await this._running;
    } finally {
      this._running = undefined;
      this._initialDone = true;
      this._startPoll();
    }
    if (this._pending.size) {
      await this._drain();
    }
  }

  async addManual(fsPath: string): Promise<void> {
    const list = this.manualSources();
    if (!list.includes(fsPath)) {
      await this.deps.state.update(MANUAL_KEY, [...list, fsPath]);
    }
    await this._rescan(true);
    await this.ingestNow([fsPath]);
  }

  async removeManual(fsPath: string): Promise<boolean> {
    const list = this.manualSources();
    if (!list.includes(fsPath)) {
      return false;
    }
    await this.deps.state.update(MANUAL_KEY, list.filter(p => p !== fsPath));
    this.deps.removeSource?.(fsPath);
    await this._rescan(true);
    return true;
  }

  get paused(): boolean {
    return this._paused;
  }

  /** Read these files (default: every known file) now, after any ingest in flight. Resumes after a cancel. */
  async ingestNow(paths?: string[]): Promise<void> {
    this._paused = false;
    for (const p of paths ?? this.files()) {
      this._pending.add(p);
    }
    await this._drain();
  }

  /**
   * Forget every source and read all files from the start (after the ingest in flight, so a source
   * is never removed under a running read). Used when the field mapping changes.
   */
  async rereadAll(): Promise<void> {
    while (this._running) {
      await this._running;
    }
    this._running = (async (): Promise<void> => {
      for (const s of this.deps.engine.sources()) {
        this.deps.removeSource?.(s.path);
      }
    })();
    await this._running.finally(() => {
      this._running = undefined;
    });
    await this.ingestNow();
  }

  /** Re-discover files, then read them all. */
  async refresh(): Promise<void> {
    await this._rescan(true);
    await this.ingestNow();
  }

  // ---- discovery and watching ----

  private _scheduleRescan(): void {
    clearTimeout(this._rescanTimer);
    this._rescanTimer = setTimeout(() => void this._rescan(true).then(() => {
      if (!this._paused) {
        return this.ingestNow();
      }
      return undefined;
    }), RESCAN_DEBOUNCE_MS);
  }

  private async _rescan(rewatch: boolean): Promise<void> {
    const cfg = this.deps.config();
    const found = new Set<string>();
    const exclude = cfg.excludeFiles.length ? `{${cfg.excludeFiles.join(',')}}` : null;
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      for (const glob of cfg.logFiles) {
        try {
          const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, glob), exclude, MAX_FILES);
          for (const u of uris) {
            if (u.scheme === 'file') {
              found.add(u.fsPath);
            }
          }
        } catch (e) {
          this.deps.output.warn(`Cannot search for log files with "${glob}": ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }
    for (const p of this.manualSources()) {
      found.add(p);
    }
    if (this.isDisposed) {
      return;
    }
    const changed = found.size !== this._files.size || [...found].some(f => !this._files.has(f));
    this._files = found;
    if (rewatch || !this._watchers.length) {
      this._watch(cfg);
    }
    if (changed) {
      this.deps.output.info(`Log files: ${found.size} (${[...found].map(f => vscode.workspace.asRelativePath(f)).join(', ') || 'none'})`);
      this._onDidChangeFiles.fire();
    }
  }

  private _watch(cfg: ApiMonitorConfig): void {
    this._disposeWatchers();
    const excludes = cfg.excludeFiles.map(g => globToRegExp(g));
    const onChange = (u: vscode.Uri): void => {
      if (this._files.has(u.fsPath)) {
        this._scheduleIngest(u.fsPath);
        return;
      }
      // a new file: rescan (findFiles applies the excludes), unless it is excluded anyway, so a busy
      // excluded folder (node_modules, build output) does not cause a search on every write
      const rel = vscode.workspace.asRelativePath(u, false).replace(/\\/g, '/');
      if (!matchesAny(rel, excludes)) {
        this._scheduleRescan();
      }
    };
    const add = (pattern: vscode.RelativePattern): void => {
      const w = vscode.workspace.createFileSystemWatcher(pattern);
      w.onDidCreate(onChange);
      w.onDidChange(onChange);
      w.onDidDelete(() => this._scheduleRescan());
      this._watchers.push(w);
    };
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      for (const glob of cfg.logFiles) {
        add(new vscode.RelativePattern(folder, glob));
      }
    }
    for (const p of this.manualSources()) {
      add(new vscode.RelativePattern(vscode.Uri.file(path.dirname(p)), path.basename(p)));
    }
  }

  private _disposeWatchers(): void {
    for (const w of this._watchers.splice(0)) {
      w.dispose();
    }
  }

  // ---- ingest ----

  private _scheduleIngest(fsPath: string): void {
    if (this._paused) {
      return;
    }
    this._pending.add(fsPath);
    if (!this._changeTimer) {
      this._changeTimer = setTimeout(() => {
        this._changeTimer = undefined;
        void this._drain();
      }, CHANGE_DEBOUNCE_MS);
    }
  }

  /** Safety net for watchers that miss events (network drives, files outside the workspace). */
  private _startPoll(): void {
    clearInterval(this._pollTimer);
    this._pollTimer = undefined;
    const cfg = this.deps.config();
    if (!cfg.autoRefresh || !this._initialDone || this.isDisposed) {
      return;
    }
    this._pollTimer = setInterval(() => {
      if (!this._paused) {
        void this.ingestNow();
      }
    }, cfg.refreshIntervalSeconds * 1000);
  }

  private async _drain(): Promise<void> {
    while (this._running) {
      await this._running;
    }
    if (!this._pending.size || this.isDisposed) {
      return;
    }
    const paths = [...this._pending];
    this._pending.clear();
    // A large read (a big file added or found mid-session) gets the cold ingest's cancellable progress
    // notification; a cancel pauses reading until Refresh Now, as it does at start-up.
    // (_running is set before the size check awaits, so no other drain starts in between)
    const withProgress = this.deps.withProgress;
    this._running = (async (): Promise<void> => {
      if (withProgress && (await this._unreadBytes(paths)) >= PROGRESS_MIN_BYTES) {
        await withProgress((signal, report) => this._ingest(paths, false, this._linked(signal), report, true));
      } else {
        await this._ingest(paths, false, this._abort.signal, () => undefined);
      }
    })().finally(() => {
      this._running = undefined;
    });
    await this._running;
    if (this._pending.size) {
      await this._drain();
    }
  }

  /** Aborted when signal is (the user cancels the notification) or when this watcher is disposed (the window closes). */
  private _linked(signal: AbortSignal): AbortSignal {
    const both = new AbortController();
    const abort = (): void => both.abort();
    for (const s of [signal, this._abort.signal]) {
      if (s.aborted) {
        both.abort();
      } else {
        s.addEventListener('abort', abort, { once: true });
      }
    }
    return both.signal;
  }

  /** Bytes of these files not read yet (size minus what the store has read of each; a shrunk file counts whole). */
  private async _unreadBytes(paths: string[]): Promise<number> {
    const read = new Map(this.deps.engine.sources().map(s => [s.path, s.bytesRead]));
    let total = 0;
    for (const p of paths) {
      try {
        const size = (await fs.promises.stat(p)).size;
        const done = read.get(p) ?? 0;
        total += size >= done ? size - done : size;
      } catch {
        // gone: nothing to read
      }
    }
    return total;
  }

  /** cancellable: read under the progress notification, so a cancel pauses automatic reads */
  private async _ingest(paths: string[], initial: boolean, signal: AbortSignal, report: (p: IngestProgress) => void,
    cancellable = initial): Promise<void> {
    if (!paths.length && !initial) {
      return;
    }
    try {
      const result = await this.deps.engine.ingestFiles(paths, { signal, onProgress: report });
      if (signal.aborted && cancellable) {
        // the engine stops at a batch boundary and returns what it stored
        this._paused = true;
        this.deps.output.info('Reading the logs was cancelled; what was read so far is kept. Refresh Now reads the rest.');
      }
      if (initial || result.records || result.skipped) {
        this.deps.output.info(`Read ${paths.length} file(s): ${result.records} records, ${result.skipped} skipped in ${Math.round(result.ms)} ms`);
      }
      if (!this.isDisposed) {
        this._onDidIngest.fire({ result, initial });
      }
    } catch (e) {
      if (signal.aborted) {
        if (cancellable) {
          this._paused = true;
        }
        this.deps.output.info('Reading the logs was cancelled; what was read so far is kept. Refresh Now reads the rest.');
        if (!this.isDisposed) {
          this._onDidIngest.fire({ result: { files: 0, records: 0, skipped: 0, ms: 0 }, initial });
        }
        return;
      }
      this.deps.output.error(`Reading logs failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    }
  }

  private _stopTimers(): void {
    clearTimeout(this._changeTimer);
    clearTimeout(this._rescanTimer);
    clearInterval(this._pollTimer);
  }
}
