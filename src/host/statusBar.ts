// Two status bar items: today's cost (with budget share) and the count of firing alerts. The alert
// item is hidden while nothing fires, so the bar stays quiet in the normal case; its background
// uses the theme's warning/error status bar colours only.
import * as vscode from 'vscode';
import type { MonitorEngineApi } from '../core/engine';
import type { ApiMonitorConfig } from './config';
import { Disposable } from './disposable';
import { countOf } from '../shared/text';
import { formatBudget, formatCount, formatMs, formatRatio, formatUsd, NO_DATA } from './format';
import { COMMANDS, SETTINGS, STATUS_BAR_IDS, type SettingKey } from './registry';
import type { HostAlerts } from './services';
import { startOfLocalDay, startOfPeriod } from './time';

export interface StatusBarDeps {
  engine: Pick<MonitorEngineApi, 'window' | 'sources'>;
  config: () => ApiMonitorConfig;
  timeZone: () => string;
  alerts: Pick<HostAlerts, 'firing' | 'onDidChange'>;
  onDidIngest: vscode.Event<unknown>;
  onDidChangeConfig: vscode.Event<{ config: ApiMonitorConfig; affects(keys: readonly SettingKey[]): boolean }>;
  /** true while the session's first read of the logs runs (today's figures are still growing) */
  loading?: () => boolean;
  /** false in a workspace with no log file found or added and nothing stored: the cost item stays hidden */
  hasSources?: () => boolean;
  now?: () => number;
}

/** The texts the status bar shows, computed without the vscode UI (also the test hook). */
export interface StatusBarTexts {
  cost: string;
  costTooltip: string;
  /** hidden in a workspace without logs (the extension also starts in those, at startup) */
  costHidden: boolean;
  /** undefined when the alerts item is hidden */
  alerts: string | undefined;
  alertsBackground: 'statusBarItem.warningBackground' | 'statusBarItem.errorBackground' | undefined;
}

export function computeStatusTexts(deps: Omit<StatusBarDeps, 'onDidIngest' | 'onDidChangeConfig'>): StatusBarTexts {
  const now = (deps.now ?? Date.now)();
  const cfg = deps.config();
  const tz = deps.timeZone();
  const dayStart = startOfLocalDay(now, tz);
  // `to` is half-open: now + 1 keeps a call stamped exactly now
  const today = deps.engine.window({ from: dayStart, to: now + 1 });
  const priced = today.calls - today.unpricedCalls;
  const costToday = today.calls === 0 ? 0 : priced > 0 ? today.costUsd : null;
  const loading = deps.loading?.() ?? false;
  // while the first read runs, "$0.00 today" would be a number that is not true yet
  let cost = loading && today.calls === 0 ? '$(sync~spin) reading logs…'
    : `${loading ? '$(sync~spin)' : '$(pulse)'} ${costToday === null ? NO_DATA : formatUsd(costToday)} today`;
  const lines = [`**API Monitor: today** (since 00:00, ${tz})`, ''];
  if (loading) {
    lines.push('Still reading the logs: these figures grow until the first read finishes.', '');
  }
  if (cfg.budget && !(loading && today.calls === 0)) {
    const periodStart = startOfPeriod(now, tz, cfg.budget.period);
    const spent = cfg.budget.period === 'day' ? today.costUsd : deps.engine.window({ from: periodStart, to: now + 1 }).costUsd;
    const share = spent / cfg.budget.amount;
    cost += ` · ${Math.round(share * 100)} % of ${formatBudget(cfg.budget.amount, cfg.budget.period)}`;
    lines.push(`Budget: ${formatUsd(spent)} of ${formatBudget(cfg.budget.amount, cfg.budget.period)} (${formatRatio(share, 0)})`, '');
  }
  if (today.calls === 0 && deps.engine.sources().length === 0) {
    lines.push('No log source yet: add one with **API Monitor: Add Log File…**');
  } else {
    const costPerHour = costToday === null ? null : today.costPerHour;
    lines.push(
      `| | |`, `|---|---:|`,
      `| Calls | ${formatCount(today.calls)} |`,
      `| Success rate | ${formatRatio(today.successRate)} |`,
      `| p95 latency | ${formatMs(today.latency.p95)}${today.latency.n ? ` (n = ${formatCount(today.latency.n)})` : ''} |`,
      `| Cost | ${costToday === null ? NO_DATA : formatUsd(costToday)} |`,
      `| Cost per hour today | ${costPerHour === null ? NO_DATA : formatUsd(costPerHour)} |`,
      `| Unpriced calls | ${formatCount(today.unpricedCalls)} |`,
    );
  }
  lines.push('', 'Click to open the dashboard.');
  const firing = deps.alerts.firing();
  let alerts: string | undefined;
  let alertsBackground: StatusBarTexts['alertsBackground'];
  if (firing.length) {
    alerts = `$(bell) ${firing.length}`;
    if (firing.some(a => a.severity === 'error' || a.severity === 'critical')) {
      alertsBackground = 'statusBarItem.errorBackground';
    } else if (firing.some(a => a.severity === 'warning')) {
      alertsBackground = 'statusBarItem.warningBackground';
    }
  }
  const costHidden = deps.hasSources !== undefined && !deps.hasSources() && today.calls === 0;
  return { cost, costTooltip: lines.join('\n'), costHidden, alerts, alertsBackground };
}

export class StatusBar extends Disposable {
  private readonly _cost: vscode.StatusBarItem;
  private readonly _alerts: vscode.StatusBarItem;
  private _timer: NodeJS.Timeout | undefined;
  private _last: StatusBarTexts | undefined;

  constructor(private readonly deps: StatusBarDeps) {
    super();
    this._cost = this._register(vscode.window.createStatusBarItem(STATUS_BAR_IDS.cost, vscode.StatusBarAlignment.Right, 100));
    this._cost.name = 'API Monitor Cost';
    this._cost.command = COMMANDS.openDashboard;
    this._alerts = this._register(vscode.window.createStatusBarItem(STATUS_BAR_IDS.alerts, vscode.StatusBarAlignment.Right, 99));
    this._alerts.name = 'API Monitor Alerts';
    this._alerts.command = { command: COMMANDS.openDashboard, title: 'Open Dashboard', arguments: [{ tab: 'alerts' }] };
    this._register(deps.onDidIngest(() => this.update()));
    this._register(deps.alerts.onDidChange(() => this.update()));
    this._register(deps.onDidChangeConfig(e => {
      if (e.affects([SETTINGS.budget, SETTINGS.defaultTimeZone])) {
        this.update();
      }
      if (e.affects([SETTINGS.autoRefresh, SETTINGS.refreshIntervalSeconds])) {
        this._schedule();
      }
    }));
    this._register({ dispose: () => clearInterval(this._timer) });
    this._schedule();
    this.update();
  }

  /** What is shown now (for the integration tests). */
  texts(): StatusBarTexts | undefined {
    return this._last;
  }

  update(): void {
    if (this.isDisposed) {
      return;
    }
    let t: StatusBarTexts;
    try {
      t = computeStatusTexts(this.deps);
    } catch (e) {
      t = { cost: '$(pulse) API Monitor', costTooltip: `API Monitor: ${e instanceof Error ? e.message : String(e)}`, costHidden: false, alerts: undefined, alertsBackground: undefined };
    }
    this._last = t;
    this._cost.text = t.cost;
    // screen readers would read "$(pulse)" literally
    this._cost.accessibilityInformation = { label: `API Monitor: ${t.cost.replace(/^\$\([\w~-]+\)\s*/, '').replace(/·/g, ',')}`, role: 'button' };
    const md = new vscode.MarkdownString(t.costTooltip);
    md.isTrusted = false;
    this._cost.tooltip = md;
    if (t.costHidden) {
      this._cost.hide();
    } else {
      this._cost.show();
    }
    if (t.alerts) {
      this._alerts.text = t.alerts;
      const firing = this.deps.alerts.firing();
      this._alerts.accessibilityInformation = { label: `API Monitor: ${countOf(firing.length, 'firing alert')}`, role: 'button' };
      this._alerts.tooltip = `Firing alerts:\n${firing.map(a => `• ${a.ruleName}: ${a.message}`).join('\n')}\nClick to open the dashboard.`;
      this._alerts.backgroundColor = t.alertsBackground ? new vscode.ThemeColor(t.alertsBackground) : undefined;
      this._alerts.show();
    } else {
      this._alerts.hide();
    }
  }

  /** Time-relative figures ("today", cost per hour) change with the clock, not only with new lines. */
  private _schedule(): void {
    clearInterval(this._timer);
    const cfg = this.deps.config();
    this._timer = setInterval(() => this.update(), (cfg.autoRefresh ? cfg.refreshIntervalSeconds : 60) * 1000);
  }
}
