// Endpoints view: one item per endpoint over a chosen range (last 24 h by default), sortable, with
// children by model and by status. Figures come straight from the engine's breakdown queries, so
// they match the dashboard for the same range.
import * as vscode from 'vscode';
import type { MonitorEngineApi } from '../../core/engine';
import type { BreakdownRow } from '../../core/metrics/types';
import type { QueryFilter } from '../../core/model';
import { Disposable } from '../disposable';
import { formatCount, formatMs, formatRatio, formatUsd, mdEscape, NO_DATA } from '../format';
import { TREE_ITEM_CONTEXT } from '../registry';

export type EndpointSort = 'cost' | 'calls' | 'errors' | 'latency';
export type EndpointRange = '1h' | '24h' | '7d' | '30d';

export const ENDPOINT_RANGES: Readonly<Record<EndpointRange, { ms: number; label: string }>> = {
  '1h': { ms: 3_600_000, label: 'last hour' },
  '24h': { ms: 86_400_000, label: 'last 24 h' },
  '7d': { ms: 7 * 86_400_000, label: 'last 7 days' },
  '30d': { ms: 30 * 86_400_000, label: 'last 30 days' },
};
export const ENDPOINT_SORTS: Readonly<Record<EndpointSort, string>> = {
  cost: 'Cost (highest first)',
  calls: 'Calls (most first)',
  errors: 'Errors (most first)',
  latency: 'p95 latency (slowest first)',
};

const SORT_KEY = 'apiMonitor.endpoints.sort';
const RANGE_KEY = 'apiMonitor.endpoints.range';

export type EndpointNode =
  | { kind: 'endpoint'; row: BreakdownRow }
  | { kind: 'group'; endpoint: string; group: 'model' | 'status' }
  | { kind: 'model'; endpoint: string; row: BreakdownRow }
  | { kind: 'status'; endpoint: string; label: string; count: number; ok: boolean }
  | { kind: 'message'; text: string };

/** Ranges longer than this get approximate percentiles from the engine (latency histograms). */
const EXACT_PERCENTILE_MS = 86_400_000;

/**
 * "1,204 calls · 99.2 % · p95 840 ms · $3.12" (segments with no data are left out); an approximate
 * p95 (ranges over 24 h) reads "p95 ≈840 ms".
 */
export function endpointDescription(r: BreakdownRow, approx = false): string {
  const parts = [`${formatCount(r.calls)} ${r.calls === 1 ? 'call' : 'calls'}`];
  if (r.successRate !== null) {
    parts.push(formatRatio(r.successRate));
  }
  if (r.p95 !== null) {
    parts.push(`p95 ${approx ? '≈' : ''}${formatMs(r.p95)}`);
  }
  const priced = r.calls - r.unpricedCalls;
  if (priced > 0) {
    parts.push(formatUsd(r.costUsd) + (r.unpricedCalls ? ` + ${formatCount(r.unpricedCalls)} unpriced` : ''));
  } else if (r.unpricedCalls > 0) {
    parts.push('unpriced');
  }
  return parts.join(' · ');
}

export function sortRows(rows: BreakdownRow[], sort: EndpointSort): BreakdownRow[] {
  const by: Record<EndpointSort, (r: BreakdownRow) => number> = {
    cost: r => r.costUsd,
    calls: r => r.calls,
    errors: r => r.errors,
    latency: r => r.p95 ?? -1,
  };
  const f = by[sort];
  return [...rows].sort((a, b) => f(b) - f(a) || b.calls - a.calls || a.key.localeCompare(b.key));
}

export class EndpointsTree extends Disposable implements vscode.TreeDataProvider<EndpointNode> {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<EndpointNode | undefined>());
  readonly onDidChangeTreeData = this._onDidChange.event;
  private _roots: EndpointNode[] = [];

  constructor(
    private readonly engine: Pick<MonitorEngineApi, 'byEndpoint' | 'byModel' | 'window' | 'topErrors'>,
    private readonly state: vscode.Memento,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  get sort(): EndpointSort {
    const s = this.state.get<string>(SORT_KEY);
    return s && s in ENDPOINT_SORTS ? (s as EndpointSort) : 'cost';
  }

  /** percentiles of the current range are approximate (histograms) */
  get approx(): boolean {
    return ENDPOINT_RANGES[this.range].ms > EXACT_PERCENTILE_MS;
  }

  get range(): EndpointRange {
    const r = this.state.get<string>(RANGE_KEY);
    return r && r in ENDPOINT_RANGES ? (r as EndpointRange) : '24h';
  }

  async setSort(sort: EndpointSort): Promise<void> {
    await this.state.update(SORT_KEY, sort);
    this.refresh();
  }

  async setRange(range: EndpointRange): Promise<void> {
    await this.state.update(RANGE_KEY, range);
    this.refresh();
  }

  /** The query filter of the view's range (what exports use when the dashboard is closed). */
  filter(): QueryFilter {
    // half-open [from, to) of exactly the range's length, ending just after now (a call stamped now
    // counts): a 24 h window stays within the engine's exact-percentile limit
    const to = this.now() + 1;
    return { from: to - ENDPOINT_RANGES[this.range].ms, to };
  }

  refresh(): void {
    if (!this.isDisposed) {
      this._onDidChange.fire(undefined);
    }
  }

  /** The endpoint rows as last shown (for tests and the go-to-code command). */
  roots(): EndpointNode[] {
    return this._roots;
  }

  getChildren(node?: EndpointNode): EndpointNode[] {
    try {
      const f = this.filter();
      if (!node) {
        const rows = sortRows(this.engine.byEndpoint(f), this.sort);
        this._roots = rows.length ? rows.map(row => ({ kind: 'endpoint', row })) : [];
        return this._roots;
      }
      if (node.kind === 'endpoint') {
        return [
          { kind: 'group', endpoint: node.row.key, group: 'model' },
          { kind: 'group', endpoint: node.row.key, group: 'status' },
        ];
      }
      if (node.kind === 'group' && node.group === 'model') {
        const rows = sortRows(this.engine.byModel({ ...f, endpoint: node.endpoint }), this.sort);
        return rows.length ? rows.map(row => ({ kind: 'model', endpoint: node.endpoint, row })) : [{ kind: 'message', text: 'No model recorded' }];
      }
      if (node.kind === 'group' && node.group === 'status') {
        const w = this.engine.window({ ...f, endpoint: node.endpoint });
        const out: EndpointNode[] = [{ kind: 'status', endpoint: node.endpoint, label: 'Succeeded', count: w.calls - w.errors, ok: true }];
        const errors = this.engine.topErrors({ ...f, endpoint: node.endpoint }, 20);
        if (errors.length) {
          for (const e of errors) {
            out.push({ kind: 'status', endpoint: node.endpoint, label: e.errorType || 'error', count: e.count, ok: false });
          }
        } else if (w.errors) {
          out.push({ kind: 'status', endpoint: node.endpoint, label: 'Failed', count: w.errors, ok: false });
        }
        return out;
      }
    } catch (e) {
      return [{ kind: 'message', text: `Cannot read the store: ${e instanceof Error ? e.message : String(e)}` }];
    }
    return [];
  }

  getTreeItem(node: EndpointNode): vscode.TreeItem {
    const rangeLabel = ENDPOINT_RANGES[this.range].label;
    switch (node.kind) {
      case 'endpoint': {
        const r = node.row;
        const item = new vscode.TreeItem(r.key, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `endpoint:${r.key}`;
        item.description = endpointDescription(r, this.approx);
        item.tooltip = rowTooltip(r, `Endpoint ${'`'}${r.key.replace(/`/g, "'")}${'`'}`, rangeLabel, this.approx, ENDPOINT_SORTS[this.sort]);
        item.contextValue = TREE_ITEM_CONTEXT.endpoint;
        const errorRate = r.calls ? r.errors / r.calls : 0;
        item.iconPath = errorRate >= 0.05
          ? new vscode.ThemeIcon('symbol-event', new vscode.ThemeColor('list.warningForeground'))
          : new vscode.ThemeIcon('symbol-event');
        return item;
      }
      case 'group': {
        const item = new vscode.TreeItem(node.group === 'model' ? 'By model' : 'By status', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `group:${node.endpoint}:${node.group}`;
        item.contextValue = TREE_ITEM_CONTEXT.endpointGroup;
        item.iconPath = new vscode.ThemeIcon(node.group === 'model' ? 'hubot' : 'pulse');
        return item;
      }
      case 'model': {
        const item = new vscode.TreeItem(node.row.key, vscode.TreeItemCollapsibleState.None);
        item.id = `model:${node.endpoint}:${node.row.key}`;
        item.description = endpointDescription(node.row, this.approx);
        item.tooltip = rowTooltip(node.row, `Model ${'`'}${node.row.key.replace(/`/g, "'")}${'`'} on this endpoint`, rangeLabel, this.approx);
        item.iconPath = new vscode.ThemeIcon('hubot');
        return item;
      }
      case 'status': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.id = `status:${node.endpoint}:${node.ok ? 'ok' : 'err'}:${node.label}`;
        item.description = `${formatCount(node.count)} ${node.count === 1 ? 'call' : 'calls'}`;
        item.iconPath = node.ok
          ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'))
          : new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
        return item;
      }
      case 'message':
        return new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
    }
  }
}

function rowTooltip(r: BreakdownRow, title: string, rangeLabel: string, approx: boolean, sortLabel?: string): vscode.MarkdownString {
  const priced = r.calls - r.unpricedCalls;
  const md = new vscode.MarkdownString(undefined, false);
  md.isTrusted = false;
  md.appendMarkdown(`**${title}**, ${mdEscape(rangeLabel)}\n\n`);
  md.appendMarkdown([
    '| | |', '|---|---:|',
    `| Calls | ${formatCount(r.calls)} |`,
    `| Errors | ${formatCount(r.errors)} |`,
    `| Success rate | ${formatRatio(r.successRate)} |`,
    `| Average latency | ${formatMs(r.avgLatency)} |`,
    `| p95 latency | ${formatMs(r.p95)} |`,
    `| Input tokens | ${formatCount(r.inputTokens)} |`,
    `| Output tokens | ${formatCount(r.outputTokens)} |`,
    `| Cost | ${priced > 0 ? formatUsd(r.costUsd) : NO_DATA} |`,
    `| Unpriced calls | ${formatCount(r.unpricedCalls)} |`,
    `| Response-cache hit rate | ${formatRatio(r.responseCacheHitRate)} |`,
    `| Prompt-cache token share | ${formatRatio(r.promptCacheTokenShare)} |`,
  ].join('\n'));
  const method = approx
    ? 'approximate, from latency histograms (within 2 %)'
    : 'nearest rank over the raw latencies of the range';
  md.appendMarkdown(`\n\np95: ${method}.${sortLabel ? ` Sorted by ${sortLabel.toLowerCase()}.` : ''}`);
  return md;
}
