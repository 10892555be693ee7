// Host side of the alerts: reads and validates the rules of the settings, runs H4's AlertEngine on
// a timer and after each ingest with samples from the engine's window queries, records every
// transition in the history (the store's database when the engine exposes it), and tells the user:
// info → status bar and Alerts view only; warning → a warning message; error/critical → an error
// message with Open Dashboard / Acknowledge / Silence 1 h. One message per round, never one per rule.
import * as vscode from 'vscode';
import type { Database } from 'sql.js';
import type { MonitorEngineApi } from '../../core/engine';
import { AlertEngine, formatAlertValue, seedAlertStates, type AlertRound } from '../../core/alerts/alertEngine';
import type { AlertRuleState } from '../../core/alerts/evaluate';
import { AlertHistory, type AlertHistoryRow } from '../../core/alerts/history';
import { ALERT_SEVERITIES, ruleLabel, validateAlertRule, validateAlertRules, type AlertRule, type AlertSeverity } from '../../core/alerts/rules';
import { ruleWindowFilter, sampleFromWindow } from '../../core/alerts/sampler';
import type { ApiMonitorConfig } from '../config';
import { Disposable } from '../disposable';
import { CONTEXT_KEYS, SETTINGS, type SettingKey } from '../registry';
import type { AlertSeverity as HostSeverity, HostAlert, HostAlertEvent, HostAlerts, OpenDashboardOptions } from '../services';
import { startOfLocalDay, startOfPeriod } from '../time';

const STATE_KEY = 'apiMonitor.alerts.state';
const SILENCE_KEY = 'apiMonitor.alerts.silences';
export const SILENCE_MS = 3_600_000;
const RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, error: 2, critical: 3 };
/** An ingest triggers an evaluation, but a burst of appends should cost one round. */
const AFTER_INGEST_DEBOUNCE_MS = 300;

export interface AlertManagerDeps {
  engine: Pick<MonitorEngineApi, 'window'>;
  /** the store's sql.js database for the persistent history; undefined = history in memory */
  database?: () => Database | undefined;
  /** the schema of that database that is saved with the store (the store's tables live in an attached one) */
  databaseSchema?: string;
  config: () => ApiMonitorConfig;
  timeZone: () => string;
  output: vscode.LogOutputChannel;
  state: vscode.Memento;
  onDidIngest: vscode.Event<unknown>;
  onDidChangeConfig: vscode.Event<{ config: ApiMonitorConfig; affects(keys: readonly SettingKey[]): boolean }>;
  openDashboard: (opts?: OpenDashboardOptions) => unknown;
  /** false while the cold ingest runs: half-read logs would fire (or resolve) alerts on partial data */
  canEvaluate?: () => boolean;
  now?: () => number;
}

/** Turn a protocol RuleView (scope "endpoint:/x", null thresholds) or a rule object into raw rule JSON. */
export function toRuleJson(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return input;
  }
  const r: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  if (typeof r.scope === 'string') {
    const s = r.scope;
    const i = s.indexOf(':');
    r.scope = s === 'all' || i < 0 ? { kind: 'all' } : { kind: s.slice(0, i), value: s.slice(i + 1) };
  }
  for (const k of ['warning', 'critical', 'name']) {
    if (r[k] === null || r[k] === '') {
      delete r[k];
    }
  }
  return r;
}

export class AlertManager extends Disposable implements HostAlerts {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this._onDidChange.event;
  private readonly _engine: AlertEngine;
  private _rules: AlertRule[] = [];
  private _errors: string[] = [];
  private readonly _reported = new Set<string>();
  private _timer: NodeJS.Timeout | undefined;
  private _afterIngest: NodeJS.Timeout | undefined;
  private _history: AlertHistory | undefined;
  private _historyDb: Database | undefined;
  /** fallback when the engine does not expose its database */
  private _memHistory: HostAlertEvent[] = [];
  private _evaluating: Promise<void> | undefined;
  /** the start-up states were taken from the history (or a round ran without it) */
  private _seeded = false;
  private readonly _now: () => number;
  /** last round, for tests */
  lastRound: AlertRound | undefined;

  constructor(private readonly deps: AlertManagerDeps) {
    super();
    this._now = deps.now ?? Date.now;
    this._engine = new AlertEngine();
    this._seedFromHistory();
    for (const [ruleId, until] of Object.entries(deps.state.get<Record<string, number>>(SILENCE_KEY, {}))) {
      if (typeof until === 'number' && until > this._now()) {
        this._engine.silence(ruleId, until);
      }
    }
    this._loadRules();
    this._register(deps.onDidChangeConfig(e => {
      if (e.affects([SETTINGS.alertRules])) {
        this._loadRules();
        void this.evaluate();
      }
      if (e.affects([SETTINGS.alertEvaluationIntervalSeconds])) {
        this._schedule();
      }
      if (e.affects([SETTINGS.budget, SETTINGS.defaultTimeZone])) {
        void this.evaluate();
      }
    }));
    this._register(deps.onDidIngest(() => {
      clearTimeout(this._afterIngest);
      this._afterIngest = setTimeout(() => void this.evaluate(), AFTER_INGEST_DEBOUNCE_MS);
    }));
    this._register({ dispose: () => { clearInterval(this._timer); clearTimeout(this._afterIngest); } });
    this._schedule();
  }

  rules(): { rules: readonly unknown[]; invalid: { index: number; reason: string }[] } {
    const invalid = this._errors.map(reason => ({ index: Number(/^rules\[(\d+)\]/.exec(reason)?.[1] ?? -1), reason }));
    return { rules: this.deps.config().alertRules, invalid };
  }

  /** The valid, parsed rules. */
  validRules(): readonly AlertRule[] {
    return this._rules;
  }

  firing(): HostAlert[] {
    const out: HostAlert[] = [];
    for (const rule of this._rules) {
      const s = this._engine.state(rule.id);
      if (s.status !== 'firing' || !s.episodeId) {
        continue;
      }
      const severity: AlertSeverity = s.level === 'critical' ? 'critical' : rule.severity;
      const threshold = s.level === 'critical' ? rule.critical ?? null : rule.warning ?? rule.critical ?? null;
      out.push({
        id: s.episodeId, ruleId: rule.id, ruleName: ruleLabel(rule), severity, state: 'firing', level: s.level,
        since: s.firedAt ?? s.lastEvalAt ?? this._now(), value: s.lastValue, threshold,
        silencedUntil: this._engine.silencedUntil(rule.id),
        message: `${formatAlertValue(s.lastValue, rule)}${threshold === null ? '' : ` ${rule.comparison} ${formatAlertValue(threshold, rule)}`}`
          + ` over ${rule.windowMinutes} min${rule.scope.kind === 'all' ? '' : ` on ${rule.scope.kind} ${rule.scope.value}`}`,
        acknowledged: s.acknowledged,
      });
    }
    return out.sort((a, b) => RANK[b.severity] - RANK[a.severity] || b.since - a.since);
  }

  history(limit = 50): HostAlertEvent[] {
    const h = this._historyStore();
    if (!h) {
      return this._memHistory.slice(0, limit);
    }
    try {
      return h.list({ from: 0, to: Number.MAX_SAFE_INTEGER, limit }).map(r => this._rowView(r));
    } catch (e) {
      this.deps.output.warn(`Alert history unavailable: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    }
  }

  silencedUntil(ruleId: string): number | null {
    return this._engine.silencedUntil(ruleId);
  }

  async evaluate(): Promise<void> {
    // rounds never overlap: a timer tick during an ingest-triggered round waits for it
    while (this._evaluating) {
      await this._evaluating;
    }
    if (this.isDisposed) {
      return;
    }
    this._evaluating = this._round().finally(() => {
      this._evaluating = undefined;
    });
    await this._evaluating;
  }

  async acknowledge(episodeOrRuleId: string | number): Promise<void> {
    let episode = String(episodeOrRuleId);
    const byRule = this._engine.state(episode);
    if (byRule.episodeId && this._rules.some(r => r.id === episode)) {
      episode = byRule.episodeId;
    }
    const inEngine = this._engine.acknowledge(episode);
    const inHistory = this._historyStore()?.acknowledge(episode, this._now()) ?? false;
    for (const m of this._memHistory) {
      if (m.id === episode) {
        m.acknowledged = true;
      }
    }
    if (inEngine || inHistory) {
      this.deps.output.info(`[alert] ${episode} acknowledged`);
    }
    this._changed();
  }

  async acknowledgeAll(): Promise<void> {
    const n = this._engine.acknowledgeAll();
    const m = this._historyStore()?.acknowledgeAll(this._now()) ?? 0;
    for (const h of this._memHistory) {
      h.acknowledged = true;
    }
    this.deps.output.info(`[alert] acknowledged all (${Math.max(n, m)})`);
    this._changed();
  }

  async silence(ruleId: string, ms: number): Promise<void> {
    const until = this._now() + ms;
    this._engine.silence(ruleId, until);
    const all = { ...this.deps.state.get<Record<string, number>>(SILENCE_KEY, {}), [ruleId]: until };
    await this.deps.state.update(SILENCE_KEY, all);
    this.deps.output.info(`[alert] ${ruleId} silenced until ${new Date(until).toISOString()}`);
    this._changed();
  }

  async createRule(rule: unknown): Promise<string | undefined> {
    const raw = toRuleJson(rule);
    const v = validateAlertRule(raw, 'rule');
    if (!v.rule) {
      return v.errors.join('; ');
    }
    const list = this._rawRules();
    if (list.some(r => (r as { id?: unknown })?.id === v.rule!.id)) {
      return `rule.id: a rule with id "${v.rule.id}" already exists`;
    }
    await this._writeRules([...list, raw]);
    return undefined;
  }

  async updateRule(ruleId: string, rule: unknown): Promise<string | undefined> {
    const raw = toRuleJson(rule);
    const v = validateAlertRule(raw, 'rule');
    if (!v.rule) {
      return v.errors.join('; ');
    }
    const list = this._rawRules();
    const i = list.findIndex(r => (r as { id?: unknown })?.id === ruleId);
    if (i < 0) {
      return `rule.id: no rule with id "${ruleId}"`;
    }
    if (v.rule.id !== ruleId && list.some(r => (r as { id?: unknown })?.id === v.rule!.id)) {
      return `rule.id: a rule with id "${v.rule.id}" already exists`;
    }
    const next = [...list];
    next[i] = raw;
    await this._writeRules(next);
    return undefined;
  }

  async deleteRule(ruleId: string): Promise<void> {
    await this._writeRules(this._rawRules().filter(r => (r as { id?: unknown })?.id !== ruleId));
  }

  async setEnabled(ruleId: string, enabled: boolean): Promise<void> {
    await this._writeRules(this._rawRules().map(r =>
      (r as { id?: unknown })?.id === ruleId ? { ...(r as object), enabled } : r));
  }

  // ---- internals ----

  private _rawRules(): unknown[] {
    return [...this.deps.config().alertRules];
  }

  private async _writeRules(rules: unknown[]): Promise<void> {
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration().update(SETTINGS.alertRules, rules, target);
    // the change event reloads the rules; do it now too so the caller sees the result at once
    this._loadRules(rules);
    this._changed();
  }

  private _loadRules(raw: readonly unknown[] = this.deps.config().alertRules): void {
    const v = validateAlertRules(raw);
    this._rules = v.rules;
    this._errors = v.errors;
    const fresh = v.errors.filter(e => !this._reported.has(e));
    for (const e of fresh) {
      this._reported.add(e);
      this.deps.output.warn(`Alert rule ignored: ${e}`);
    }
  }

  private _schedule(): void {
    clearInterval(this._timer);
    this._timer = setInterval(() => void this.evaluate(), this.deps.config().alertEvaluationIntervalSeconds * 1000);
  }

  /**
   * Start from the saved states merged with the episodes still open in the history, so a reload or
   * a second window continues a firing episode (same start, cooldown from its last notification)
   * instead of firing it again. Runs once, before the first round; when the history is not
   * readable yet, the saved states are used and the next round tries again.
   */
  private _seedFromHistory(): void {
    if (this._seeded) {
      return;
    }
    const raw = this.deps.state.get<AlertRuleState[]>(STATE_KEY, []);
    const saved = Array.isArray(raw) ? raw : [];
    const h = this._historyStore();
    if (!h) {
      this._engine.restore(saved);
      return;
    }
    this._seeded = true;
    try {
      const tz = this.deps.timeZone();
      const budget = this.deps.config().budget;
      const seed = seedAlertStates(saved, h.openEpisodes(), {
        episodeState: id => h.episodeState(id),
        periodStartOf: (metric, startedAt) => metric === 'costPerDay' ? startOfLocalDay(startedAt, tz)
          : metric === 'budgetUse' && budget ? startOfPeriod(startedAt, tz, budget.period) : null,
      });
      this._engine.restore(seed.states);
      const now = this._now();
      for (const id of seed.orphans) {
        if (h.closeEpisode(id, now)) {
          this.deps.output.info(`[alert] ${id} closed: a newer episode of the same rule is open`);
        }
      }
    } catch (e) {
      this._engine.restore(saved);
      this.deps.output.warn(`Alert history not read at start: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private _historyStore(): AlertHistory | undefined {
    const db = this.deps.database?.();
    if (!db) {
      return undefined;
    }
    if (db !== this._historyDb) {
      try {
        this._history = new AlertHistory(db, this.deps.databaseSchema);
        this._historyDb = db;
      } catch (e) {
        this.deps.output.warn(`Alert history unavailable: ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      }
    }
    return this._history;
  }

  private _sampler(now: number): (rule: AlertRule) => { value: number | null; calls: number; periodStart?: number } {
    const tz = this.deps.timeZone();
    const cfg = this.deps.config();
    let today: { cost: number | null; calls: number; dayStart: number } | undefined;
    const todayFigures = (): { cost: number | null; calls: number; dayStart: number } => {
      if (!today) {
        const dayStart = startOfLocalDay(now, tz);
        const w = this.deps.engine.window({ from: dayStart, to: now + 1 });
        today = { cost: w.calls - w.unpricedCalls > 0 ? w.costUsd : w.calls === 0 ? 0 : null, calls: w.calls, dayStart };
      }
      return today;
    };
    return rule => {
      const w = this.deps.engine.window(ruleWindowFilter(rule, now));
      if (rule.metric === 'costPerDay') {
        const t = todayFigures();
        return sampleFromWindow(rule, w, { costToday: t.cost, callsToday: t.calls, periodStart: t.dayStart });
      }
      if (rule.metric === 'budgetUse') {
        if (!cfg.budget) {
          return { value: null, calls: 0 };
        }
        const periodStart = startOfPeriod(now, tz, cfg.budget.period);
        const p = this.deps.engine.window({ from: periodStart, to: now + 1 });
        return sampleFromWindow(rule, w, { budgetShare: p.costUsd / cfg.budget.amount, callsToday: p.calls, periodStart });
      }
      return sampleFromWindow(rule, w);
    };
  }

  private async _round(): Promise<void> {
    if (this.deps.canEvaluate && !this.deps.canEvaluate()) {
      return;
    }
    if (!this._seeded) {
      this._seedFromHistory();
      // whatever was readable now is what the session continues from
      this._seeded = true;
    }
    const now = this._now();
    let round: AlertRound;
    try {
      const sample = this._sampler(now);
      round = this._engine.evaluateAll(this._rules, rule => sample(rule), now);
    } catch (e) {
      this.deps.output.error(`Alert evaluation failed: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    this.lastRound = round;
    for (const err of round.errors) {
      this.deps.output.warn(`[alert] sampler: ${err}`);
    }
    if (round.transitions.length) {
      const byId = new Map(this._rules.map(r => [r.id, r] as const));
      for (const t of round.transitions) {
        const rule = byId.get(t.ruleId);
        this.deps.output.info(`[alert] ${t.ruleId} ${t.kind} → ${t.status}${t.level ? ` (${t.level})` : ''}: value ${rule ? formatAlertValue(t.value, rule) : String(t.value)}${t.silenced ? ' (silenced)' : ''}`);
      }
      const h = this._historyStore();
      if (h) {
        try {
          h.recordAll(round.transitions, this._rules);
        } catch (e) {
          this.deps.output.warn(`Alert history not recorded: ${e instanceof Error ? e.message : String(e)}`);
        }
      } else {
        this._recordInMemory(round, byId);
      }
      // views first (the firing list already changed), then the state for the next session
      this._changed();
      await this.deps.state.update(STATE_KEY, this._engine.states());
    }
    if (round.notify) {
      this._notify(round.notify);
    }
  }

  private _notify(n: NonNullable<AlertRound['notify']>): void {
    if (n.severity === 'info') {
      // info alerts: status bar and Alerts view only. A round of resolutions is "info" too, but the
      // user was told when a warning/error rule fired, so they are told once when it resolves.
      const resolved = n.rules.filter(r => r.kind === 'resolved' && this._rules.find(x => x.id === r.ruleId)?.severity !== 'info');
      if (resolved.length) {
        void vscode.window.showInformationMessage(`API Monitor: ${resolved.map(r => r.text).join('; ')}`);
      }
      return;
    }
    const open = 'Open Dashboard';
    if (n.severity === 'warning') {
      void vscode.window.showWarningMessage(`API Monitor: ${n.message}`, open).then(a => {
        if (a === open) {
          this.deps.openDashboard({ tab: 'alerts' });
        }
      });
      return;
    }
    const ack = 'Acknowledge';
    const silence = 'Silence 1 h';
    void vscode.window.showErrorMessage(`API Monitor: ${n.message}`, open, ack, silence).then(async a => {
      if (a === open) {
        this.deps.openDashboard({ tab: 'alerts' });
      } else if (a === ack) {
        for (const r of n.rules) {
          if (r.episodeId) {
            await this.acknowledge(r.episodeId);
          }
        }
      } else if (a === silence) {
        for (const r of n.rules) {
          await this.silence(r.ruleId, SILENCE_MS);
        }
      }
    });
  }

  private _recordInMemory(round: AlertRound, byId: Map<string, AlertRule>): void {
    for (const t of round.transitions) {
      if (!t.episodeId || !['fired', 'resolved', 'periodReset', 'closed'].includes(t.kind)) {
        continue;
      }
      const rule = byId.get(t.ruleId);
      const to = t.kind === 'fired' ? 'firing' : t.kind === 'resolved' ? 'resolved' : t.kind === 'periodReset' ? 'reset' : 'closed';
      const existing = this._memHistory.find(m => m.id === t.episodeId);
      if (existing) {
        existing.from = existing.to;
        existing.to = to;
        existing.ts = t.at;
        existing.value = t.value;
        existing.message = rule ? formatAlertValue(t.value, rule) : String(t.value);
        existing.threshold = t.threshold;
        existing.thresholdText = thresholdText(t.threshold, rule);
        continue;
      }
      this._memHistory.unshift({
        id: t.episodeId, ruleId: t.ruleId, ruleName: rule ? ruleLabel(rule) : t.ruleId, severity: t.severity,
        from: 'ok', to, ts: t.at, value: t.value, message: rule ? formatAlertValue(t.value, rule) : String(t.value),
        threshold: t.threshold, thresholdText: thresholdText(t.threshold, rule), acknowledged: false,
      });
    }
    this._memHistory.length = Math.min(this._memHistory.length, 200);
  }

  /** An episode row as a history entry: from → to is the episode's last move. */
  private _rowView(r: AlertHistoryRow): HostAlertEvent {
    const rule = this._rules.find(x => x.id === r.ruleId);
    const severity = (ALERT_SEVERITIES as readonly string[]).includes(r.severity) ? r.severity as HostSeverity : 'warning';
    return {
      id: r.id, ruleId: r.ruleId, ruleName: r.ruleName, severity, from: r.state === 'firing' ? 'ok' : 'firing', to: r.state,
      ts: r.resolvedAt ?? r.startedAt, value: r.value,
      message: rule ? formatAlertValue(r.value, rule) : r.value === null ? 'no data' : String(r.value),
      threshold: r.threshold, thresholdText: thresholdText(r.threshold, rule),
      acknowledged: r.acknowledgedAt !== null,
    };
  }

  private _changed(): void {
    if (this.isDisposed) {
      return;
    }
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.hasFiringAlerts, this.firing().length > 0);
    this._onDidChange.fire();
  }
}

/** A threshold with its rule's unit; "—" when there is none (info rules) or the rule is gone. */
function thresholdText(threshold: number | null, rule: AlertRule | undefined): string {
  return threshold === null ? '—' : rule ? formatAlertValue(threshold, rule) : String(threshold);
}
