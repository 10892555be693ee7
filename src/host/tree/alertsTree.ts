// Alerts view: firing alerts first (severity icon in theme colours), then the recent history.
// Acknowledge / silence are item actions; the view refreshes on every alert change.
import * as vscode from 'vscode';
import { Disposable } from '../disposable';
import { formatClock } from '../format';
import { TREE_ITEM_CONTEXT } from '../registry';
import type { HostAlert, HostAlertEvent, HostAlerts } from '../services';

export type AlertNode =
  | { kind: 'firing'; alert: HostAlert }
  | { kind: 'historyGroup'; count: number }
  | { kind: 'history'; alert: HostAlertEvent }
  | { kind: 'message'; text: string };

const HISTORY_LIMIT = 30;

export function severityIcon(severity: HostAlert['severity']): vscode.ThemeIcon {
  switch (severity) {
    case 'critical':
      return new vscode.ThemeIcon('flame', new vscode.ThemeColor('errorForeground'));
    case 'error':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
    case 'warning':
      return new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    default:
      return new vscode.ThemeIcon('info', new vscode.ThemeColor('notificationsInfoIcon.foreground'));
  }
}

export class AlertsTree extends Disposable implements vscode.TreeDataProvider<AlertNode> {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<AlertNode | undefined>());
  readonly onDidChangeTreeData = this._onDidChange.event;
  private _roots: AlertNode[] = [];

  constructor(
    private readonly alerts: Pick<HostAlerts, 'firing' | 'history' | 'onDidChange'> & { silencedUntil?(ruleId: string): number | null },
    private readonly timeZone: () => string,
  ) {
    super();
    this._register(alerts.onDidChange(() => this.refresh()));
  }

  refresh(): void {
    if (!this.isDisposed) {
      this._onDidChange.fire(undefined);
    }
  }

  roots(): AlertNode[] {
    return this._roots;
  }

  getChildren(node?: AlertNode): AlertNode[] {
    if (!node) {
      const firing = this.alerts.firing();
      const firingIds = new Set(firing.map(a => a.id));
      const past = this.alerts.history(HISTORY_LIMIT).filter(a => !firingIds.has(String(a.id)));
      this._roots = [
        ...firing.map(alert => ({ kind: 'firing', alert }) as AlertNode),
        ...(past.length ? [{ kind: 'historyGroup', count: past.length } as AlertNode] : []),
      ];
      // an empty list shows the view's welcome content
      return this._roots;
    }
    if (node.kind === 'historyGroup') {
      const firingIds = new Set(this.alerts.firing().map(a => a.id));
      return this.alerts.history(HISTORY_LIMIT).filter(a => !firingIds.has(String(a.id))).map(alert => ({ kind: 'history', alert }));
    }
    return [];
  }

  getTreeItem(node: AlertNode): vscode.TreeItem {
    const tz = this.timeZone();
    switch (node.kind) {
      case 'firing': {
        const a = node.alert;
        const item = new vscode.TreeItem(a.ruleName, vscode.TreeItemCollapsibleState.None);
        item.id = `firing:${a.id}`;
        const silenced = this.alerts.silencedUntil?.(a.ruleId) ?? null;
        item.description = `${a.message} · since ${formatClock(a.since, tz)}${a.acknowledged ? ' · acknowledged' : ''}${silenced ? ` · silenced until ${formatClock(silenced, tz)}` : ''}`;
        item.tooltip = `${a.severity.toUpperCase()}: ${a.ruleName}\n${a.message}\nFiring since ${formatClock(a.since, tz)}${a.acknowledged ? '\nAcknowledged' : ''}`;
        item.iconPath = severityIcon(a.severity);
        item.contextValue = TREE_ITEM_CONTEXT.alertFiring;
        return item;
      }
      case 'historyGroup': {
        const item = new vscode.TreeItem('Recent', vscode.TreeItemCollapsibleState.Expanded);
        item.id = 'history';
        item.description = `${node.count}`;
        item.iconPath = new vscode.ThemeIcon('history');
        return item;
      }
      case 'history': {
        const a = node.alert;
        const item = new vscode.TreeItem(a.ruleName, vscode.TreeItemCollapsibleState.None);
        item.id = `history:${a.id}`;
        item.description = `${a.to} · ${formatClock(a.ts, tz)}${a.acknowledged ? ' · acknowledged' : ''}`;
        item.tooltip = `${a.ruleName} (${a.severity})\n${a.from} → ${a.to} at ${formatClock(a.ts, tz)}\nLast value: ${a.message}`;
        item.iconPath = a.to === 'resolved' ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')) : severityIcon(a.severity);
        item.contextValue = a.acknowledged ? undefined : TREE_ITEM_CONTEXT.alertHistory;
        return item;
      }
      case 'message':
        return new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
    }
  }
}
