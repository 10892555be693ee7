// The host services object: what the dashboard (H7, src/host/dashboard/) and the other adapters
// get from activate(). Only interfaces here, so a consumer does not depend on how they are built.
import type * as vscode from 'vscode';
import type { MonitorEngineApi } from '../core/engine';
import type { ApiMonitorConfig } from './config';
import type { Pricer } from '../core/pricing/pricer';

export type AlertSeverity = 'info' | 'warning' | 'error' | 'critical';

/** One alert as the host shows it (status bar, Alerts view, dashboard). */
export interface HostAlert {
  /** the firing episode (`ruleId@firedAt`, the history row id) */
  id: string;
  /** level reached: 'warning' or 'critical' */
  level: 'warning' | 'critical' | null;
  ruleId: string;
  ruleName: string;
  severity: AlertSeverity;
  state: 'pending' | 'firing' | 'resolved' | 'ok' | 'no-data';
  /** the metric value at the last evaluation, null = no data */
  value: number | null;
  threshold: number | null;
  /** human text: "error rate 12.5 % > 5 % over 15 min on /v1/chat" */
  message: string;
  /** epoch ms the state was entered */
  since: number;
  acknowledged: boolean;
  /** epoch ms until which notifications are silenced, or null */
  silencedUntil: number | null;
}

/** One history entry (a transition). */
export interface HostAlertEvent {
  id: number | string;
  ruleId: string;
  ruleName: string;
  severity: AlertSeverity;
  from: string;
  to: string;
  ts: number;
  value: number | null;
  /** the value with its unit ("1839 ms", "12.5 %") */
  message: string;
  /** the level the value crossed (null for info rules and old rows) */
  threshold: number | null;
  /** the threshold with its unit, or "—" */
  thresholdText: string;
  acknowledged: boolean;
}

export interface HostAlerts {
  /** firing alerts, most severe first */
  firing(): HostAlert[];
  /** recent transitions, newest first */
  history(limit?: number): HostAlertEvent[];
  /** the configured rules (raw objects, as in settings) and the ones that failed validation (index in the array, reason) */
  rules(): { rules: readonly unknown[]; invalid: { index: number; reason: string }[] };
  onDidChange: vscode.Event<void>;
  /** evaluate now (also runs on its timer and after each ingest) */
  evaluate(): Promise<void>;
  /** acknowledge a firing episode (HostAlert.id / HostAlertEvent.id) or the current episode of a rule (rule id) */
  acknowledge(ruleIdOrEventId: string | number): Promise<void>;
  acknowledgeAll(): Promise<void>;
  silence(ruleId: string, ms: number): Promise<void>;
  /**
   * Write `apiMonitor.alerts.rules` back to settings (workspace target when a folder is open).
   * `rule` is the settings object of a rule. Returns the validation errors joined by "; ", if any.
   */
  createRule(rule: unknown): Promise<string | undefined>;
  updateRule(ruleId: string, rule: unknown): Promise<string | undefined>;
  deleteRule(ruleId: string): Promise<void>;
  setEnabled(ruleId: string, enabled: boolean): Promise<void>;
}

export interface OpenDashboardOptions {
  endpoint?: string;
  model?: string;
  tab?: string;
}

export interface HostServices {
  /** the engine (MonitorEngine from src/core/monitorEngine.ts; typed by its contract) */
  engine: MonitorEngineApi;
  config(): ApiMonitorConfig;
  onDidIngest: vscode.Event<void>;
  onDidChangeConfig: vscode.Event<ApiMonitorConfig>;
  alerts: HostAlerts;
  /** H3's pricer with the overrides of settings and .vscode/api-monitor-prices.json */
  pricer(): Pricer;
  output: vscode.LogOutputChannel;
  /** the display time zone (IANA) */
  timeZone(): string;
  /** re-read every source now */
  refresh(): Promise<void>;
}
