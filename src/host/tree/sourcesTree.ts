// Log Sources view: every file with its format, records, skipped lines and last read time; a
// source with problems lists them (file, line, reason) and clicking one opens the file at the line.
import * as vscode from 'vscode';
import * as path from 'path';
import type { MonitorEngineApi } from '../../core/engine';
import type { Problem, SourceStats } from '../../core/model';
import { Disposable } from '../disposable';
import { formatClock, formatCount, mdEscape } from '../format';
import { COMMANDS, TREE_ITEM_CONTEXT } from '../registry';

export type SourceNode =
  | { kind: 'source'; path: string; stats: SourceStats | null; manual: boolean }
  | { kind: 'problem'; problem: Problem }
  | { kind: 'more'; count: number };

/** "jsonl · 1,204 records · 3 skipped · read 14:05:31" (last read time in the display zone) */
export function sourceDescription(s: SourceStats | null, timeZone: string): string {
  if (!s) {
    return 'not read yet';
  }
  const parts = [s.format, `${formatCount(s.records)} ${s.records === 1 ? 'record' : 'records'}`];
  if (s.skipped) {
    parts.push(`${formatCount(s.skipped)} skipped`);
  }
  if (s.lastReadAt !== null) {
    try {
      parts.push(`read ${new Intl.DateTimeFormat('en-GB', { timeZone: timeZone || undefined, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(new Date(s.lastReadAt))}`);
    } catch {
      // unknown zone: leave the time out rather than show it in the wrong zone
    }
  }
  return parts.join(' · ');
}

export class SourcesTree extends Disposable implements vscode.TreeDataProvider<SourceNode> {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<SourceNode | undefined>());
  readonly onDidChangeTreeData = this._onDidChange.event;
  private _roots: SourceNode[] = [];

  constructor(
    private readonly engine: Pick<MonitorEngineApi, 'sources'>,
    private readonly files: () => string[],
    private readonly isManual: (fsPath: string) => boolean,
    private readonly timeZone: () => string,
  ) {
    super();
  }

  refresh(): void {
    if (!this.isDisposed) {
      this._onDidChange.fire(undefined);
    }
  }

  roots(): SourceNode[] {
    return this._roots;
  }

  /** Every source the engine knows plus the files found but not read yet. */
  private _sources(): SourceNode[] {
    const stats = new Map<string, SourceStats>();
    try {
      for (const s of this.engine.sources()) {
        stats.set(s.path, s);
      }
    } catch {
      // the store may be closing; show the files without figures
    }
    const paths = new Set([...stats.keys(), ...this.files()]);
    return [...paths].sort().map(p => ({ kind: 'source', path: p, stats: stats.get(p) ?? null, manual: this.isManual(p) }));
  }

  getChildren(node?: SourceNode): SourceNode[] {
    if (!node) {
      this._roots = this._sources();
      return this._roots;
    }
    if (node.kind === 'source' && node.stats) {
      const out: SourceNode[] = node.stats.problems.map(problem => ({ kind: 'problem', problem }));
      const hidden = node.stats.skipped - node.stats.problems.length;
      if (hidden > 0) {
        out.push({ kind: 'more', count: hidden });
      }
      return out;
    }
    return [];
  }

  getTreeItem(node: SourceNode): vscode.TreeItem {
    if (node.kind === 'source') {
      const s = node.stats;
      const hasProblems = !!s && (s.problems.length > 0 || s.skipped > 0);
      const item = new vscode.TreeItem(path.basename(node.path),
        hasProblems ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
      item.id = `source:${node.path}`;
      item.resourceUri = vscode.Uri.file(node.path);
      item.description = sourceDescription(s, this.timeZone());
      item.contextValue = node.manual ? TREE_ITEM_CONTEXT.sourceManual : TREE_ITEM_CONTEXT.source;
      item.iconPath = hasProblems ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')) : new vscode.ThemeIcon('file');
      const md = new vscode.MarkdownString(undefined, false);
      md.isTrusted = false;
      md.appendMarkdown(`**${mdEscape(vscode.workspace.asRelativePath(node.path))}**${node.manual ? ' (added by hand)' : ''}\n\n`);
      if (s) {
        md.appendMarkdown([
          '| | |', '|---|---:|',
          `| Format | ${s.format} |`,
          `| Records | ${formatCount(s.records)} |`,
          `| Skipped lines | ${formatCount(s.skipped)} |`,
          `| Zone assumed | ${formatCount(s.zoneAssumed)} |`,
          `| Bytes read | ${formatCount(s.bytesRead)} |`,
          `| Last read | ${s.lastReadAt === null ? 'never' : formatClock(s.lastReadAt, this.timeZone())} |`,
        ].join('\n'));
      } else {
        md.appendMarkdown('Found, not read yet.');
      }
      item.tooltip = md;
      item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(node.path)] };
      return item;
    }
    if (node.kind === 'problem') {
      const p = node.problem;
      const item = new vscode.TreeItem(p.line > 0 ? `line ${p.line}` : 'whole file', vscode.TreeItemCollapsibleState.None);
      item.description = p.reason;
      item.tooltip = `${p.file}${p.line > 0 ? `:${p.line}` : ''}\n${p.reason}`;
      item.contextValue = TREE_ITEM_CONTEXT.problem;
      item.iconPath = new vscode.ThemeIcon('debug-hint');
      item.command = { command: COMMANDS.openProblem, title: 'Open Problem Location', arguments: [p] };
      return item;
    }
    const item = new vscode.TreeItem(`… ${formatCount(node.count)} more skipped`, vscode.TreeItemCollapsibleState.None);
    item.tooltip = 'Only the first problems of a source are kept; the count includes them all.';
    return item;
  }
}

/** Open a problem's file at its line (line 0 = the whole file: open at the top). */
export async function openProblem(p: Problem | undefined): Promise<void> {
  if (!p || typeof p.file !== 'string') {
    return;
  }
  const line = Math.max(0, (p.line || 1) - 1);
  const range = new vscode.Range(line, 0, line, 0);
  await vscode.window.showTextDocument(vscode.Uri.file(p.file), { selection: range, preview: true });
}
