// Export commands: calls as CSV / JSON Lines, the metrics summary (JSON) and the report (HTML or
// Markdown), written with H4's writers. Rows stream from the engine in chunks through a file
// stream (bounded memory), with a cancellable progress notification checked between chunks; a
// cancelled export deletes its partial file. The filter is the dashboard's when it is open, else
// the last 24 h. Tests pass `{ uri, range, format }` to skip every dialog.
import * as vscode from 'vscode';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { once } from 'events';
import type { MonitorEngineApi } from '../core/engine';
import type { CallRecord, QueryFilter } from '../core/model';
import { EXPORT_STREAM_BUFFER, jsonlRows } from '../core/export/csv';
import { csvExportChunks } from '../core/export/storeCsv';
import { summaryJson, type ReportAlert, type ReportBudget, type ReportData } from '../core/export/reportData';
import { buildReportData } from '../core/export/reportBuilder';
import type { ApiMonitorConfig } from './config';
import { startOfPeriod } from './time';
import { htmlReport } from '../core/export/htmlReport';
import { markdownReport } from '../core/export/markdownReport';
import type { HostAlerts } from './services';

export interface ExportArgs {
  /** target file (path or URI string); skips the save dialog */
  uri?: string;
  /** range to export; default: the dashboard's filter, else the last 24 h */
  range?: { from: number; to: number; endpoint?: string; model?: string; provider?: string };
  /** exportReport only */
  format?: 'html' | 'md';
}

export interface ExportResult {
  file: string;
  rows: number;
  cancelled: boolean;
}

export interface ExportDeps {
  engine: MonitorEngineApi & { byProvider?(f: QueryFilter): unknown };
  timeZone: () => string;
  alerts: Pick<HostAlerts, 'history'>;
  /** the dashboard's current filter, undefined when closed */
  dashboardFilter: () => QueryFilter | undefined;
  priceTableVersion: () => string | null;
  config: () => ApiMonitorConfig;
  now?: () => number;
}

const DAY = 86_400_000;
/** from this many rows an export gets a cancellable notification */
const LARGE_EXPORT_ROWS = 20_000;

export class ExportCommands {
  constructor(private readonly deps: ExportDeps) {}

  private _now(): number {
    return (this.deps.now ?? Date.now)();
  }

  filterOf(args?: ExportArgs): QueryFilter {
    const r = args?.range;
    if (r && Number.isFinite(r.from) && Number.isFinite(r.to) && r.to > r.from) {
      return { ...r };
    }
    const d = this.deps.dashboardFilter();
    if (d) {
      return d;
    }
    const to = this._now() + 1;
    return { from: to - DAY, to };
  }

  async exportCalls(kind: 'csv' | 'jsonl', args?: ExportArgs): Promise<ExportResult | undefined> {
    const filter = this.filterOf(args);
    const target = await this._target(args, kind === 'csv' ? 'api-calls' : 'api-calls', kind, kind === 'csv'
      ? { 'CSV': ['csv'] } : { 'JSON Lines': ['jsonl', 'ndjson'] });
    if (!target) {
      return undefined;
    }
    const timeZone = this.deps.timeZone();
    // right after a cold ingest, its rows are still being written into the store: in slices, not at once
    await this.deps.engine.callsReady();
    let jsonlCount = 0;
    const counted = function* (it: Iterable<CallRecord>): Iterable<CallRecord> {
      for (const r of it) {
        jsonlCount++;
        yield r;
      }
    };
    // CSV: written straight from the store's pages (src/core/export/storeCsv.ts), counting its rows
    const csv = kind === 'csv' ? csvExportChunks(this.deps.engine, filter, { timeZone }) : null;
    const chunks = csv ?? jsonlRows(counted(this.deps.engine.iterateCalls(filter)), { timeZone });
    const rows = (): number => (csv ? csv.rows : jsonlCount);
    // a small export finishes before a notification could be read: show progress in the status bar only
    const total = this.deps.engine.window(filter).calls;
    const cancelled = await this._writeChunks(target, chunks, `Exporting ${total.toLocaleString('en-US')} calls as ${kind === 'csv' ? 'CSV' : 'JSON Lines'}`,
      rows, total, total >= LARGE_EXPORT_ROWS);
    return this._done(target, rows(), cancelled, `${rows().toLocaleString('en-US')} calls`, !args?.uri);
  }

  async exportSummary(args?: ExportArgs): Promise<ExportResult | undefined> {
    const filter = this.filterOf(args);
    const target = await this._target(args, 'api-metrics-summary', 'json', { 'JSON': ['json'] });
    if (!target) {
      return undefined;
    }
    await this.deps.engine.callsReady();
    const text = summaryJson(this.reportData(filter));
    await fs.promises.writeFile(target.fsPath, text, 'utf8');
    return this._done(target, 1, false, 'the metrics summary', !args?.uri);
  }

  async exportReport(args?: ExportArgs): Promise<ExportResult | undefined> {
    let format = args?.format;
    if (!format && !args?.uri) {
      const pick = await vscode.window.showQuickPick([
        { label: 'HTML', description: 'a self-contained page with charts and tables', format: 'html' as const },
        { label: 'Markdown', description: 'tables, for a pull request or a wiki', format: 'md' as const },
      ], { placeHolder: 'Report format' });
      if (!pick) {
        return undefined;
      }
      format = pick.format;
    }
    format ??= args?.uri?.toLowerCase().endsWith('.md') ? 'md' : 'html';
    const filter = this.filterOf(args);
    const target = await this._target(args, 'api-monitor-report', format, format === 'html' ? { 'HTML': ['html', 'htm'] } : { 'Markdown': ['md'] });
    if (!target) {
      return undefined;
    }
    await this.deps.engine.callsReady();
    const data = this.reportData(filter);
    const text = format === 'html' ? htmlReport(data) : markdownReport(data);
    await fs.promises.writeFile(target.fsPath, text, 'utf8');
    return this._done(target, 1, false, 'the report', !args?.uri);
  }

  /** The figures of a range, as the summary and the reports show them (H4's builder + alerts and budget). */
  reportData(filter: QueryFilter): ReportData {
    const now = this._now();
    const timeZone = this.deps.timeZone();
    const alerts: ReportAlert[] = this.deps.alerts.history(200)
      .filter(a => a.ts >= filter.from && a.ts < filter.to)
      .map(a => ({
        ruleId: a.ruleId, ruleName: a.ruleName, severity: a.severity, level: null, state: a.to, value: a.value,
        threshold: a.threshold, valueText: a.message, thresholdText: a.thresholdText, startedAt: a.ts, resolvedAt: a.to === 'firing' ? null : a.ts,
      }));
    const b = this.deps.config().budget;
    let budget: ReportBudget | undefined;
    if (b) {
      // a budget is global: the spend of the current period over every call, whatever the export filter
      const spent = this.deps.engine.window({ from: startOfPeriod(now, timeZone, b.period), to: now + 1 }).costUsd;
      budget = { amount: b.amount, period: b.period, spent, share: b.amount > 0 ? spent / b.amount : null };
    }
    return buildReportData(this.deps.engine, filter, {
      timeZone, now, priceTableVersion: this.deps.priceTableVersion(), topErrors: 20,
      notes: [
        'Rates with no calls are null (no data), not 0.',
        'Unpriced calls (unknown model or no token usage) are left out of the cost and counted apart.',
      ],
      extras: { alerts, ...(budget ? { budget } : {}) },
    });
  }

  private async _target(args: ExportArgs | undefined, base: string, ext: string, filters: Record<string, string[]>): Promise<vscode.Uri | undefined> {
    if (args?.uri) {
      return /^[a-z][a-z0-9+.-]+:\/\//i.test(args.uri) ? vscode.Uri.parse(args.uri) : vscode.Uri.file(args.uri);
    }
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: this.deps.timeZone() || undefined }).format(new Date(this._now()));
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `${base}-${day}.${ext}`;
    return vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : vscode.Uri.file(path.join(os.homedir(), name)),
      filters,
      saveLabel: 'Export',
    });
  }

  /** Stream chunks to the file; true when cancelled (the partial file is removed). */
  private async _writeChunks(target: vscode.Uri, chunks: Iterable<string>, title: string, progress: () => number, total: number,
    large: boolean): Promise<boolean> {
    const location = large ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window;
    return vscode.window.withProgress({ location, title, cancellable: large }, async (report, token) => {
      const out = fs.createWriteStream(target.fsPath, { encoding: 'utf8', highWaterMark: EXPORT_STREAM_BUFFER });
      const closed = once(out, 'close');
      let cancelled = false;
      let lastReport = 0;
      try {
        for (const chunk of chunks) {
          if (token.isCancellationRequested) {
            cancelled = true;
            break;
          }
          if (!out.write(chunk)) {
            await once(out, 'drain');
          }
          const n = progress();
          if (n - lastReport >= 10_000) {
            report.report({ message: `${n.toLocaleString('en-US')} calls`, increment: total > 0 ? ((n - lastReport) / total) * 100 : undefined });
            lastReport = n;
            // let the host breathe between chunks (persist timers, UI messages)
            await new Promise(r => setImmediate(r));
          }
        }
      } finally {
        out.end();
        await closed;
      }
      if (cancelled) {
        await fs.promises.rm(target.fsPath, { force: true });
      }
      return cancelled;
    });
  }

  private _done(target: vscode.Uri, rows: number, cancelled: boolean, what: string, interactive: boolean): ExportResult {
    if (cancelled) {
      void vscode.window.showInformationMessage('Export cancelled; nothing was written.');
      return { file: target.fsPath, rows, cancelled };
    }
    const open = 'Open';
    const reveal = 'Reveal';
    const msg = vscode.window.showInformationMessage(`Exported ${what} to ${vscode.workspace.asRelativePath(target)}.`, open, reveal);
    if (interactive) {
      void msg.then(async a => {
        if (a === open) {
          await vscode.commands.executeCommand('vscode.open', target);
        } else if (a === reveal) {
          const inside = !!vscode.workspace.getWorkspaceFolder(target);
          await vscode.commands.executeCommand(inside ? 'revealInExplorer' : 'revealFileInOS', target);
        }
      });
    }
    return { file: target.fsPath, rows, cancelled };
  }
}
