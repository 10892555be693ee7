// Holds the state of every rule between rounds, runs the state machine for all enabled rules and
// folds the round's notifications into ONE grouped notification (several rules firing together
// must not open several toasts).
import { AlertEvent, AlertRuleState, AlertSample, evaluate, initialAlertState } from './evaluate';
import type { AlertHistoryRow, EpisodeState } from './history';
import { AlertLevel, AlertRule, AlertSeverity, METRIC_UNITS, ruleLabel } from './rules';

export type AlertSampler = (rule: AlertRule, now: number) => Omit<AlertSample, 'at'>;

export interface AlertNotice {
  ruleId: string;
  label: string;
  kind: AlertEvent['kind'];
  severity: AlertSeverity;
  episodeId: string | null;
  value: number | null;
  threshold: number | null;
  /** "High error rate fired: 12.5 % above 10 %" */
  text: string;
}

export interface AlertRound {
  /** every transition of the round, quiet ones included (for the history) */
  transitions: AlertEvent[];
  /** null when nothing needs telling */
  notify: { severity: AlertSeverity; rules: AlertNotice[]; message: string } | null;
  /** samplers that threw (the rule was treated as having no data) */
  errors: string[];
}

const SEVERITY_RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, error: 2, critical: 3 };

export function formatAlertValue(value: number | null, rule: AlertRule): string {
  if (value === null) return 'no data';
  const unit = METRIC_UNITS[rule.metric];
  if (unit.startsWith('USD')) return `$${roundTo(value, value !== 0 && Math.abs(value) < 0.01 ? 6 : 2)}${unit.slice(3)}`;
  if (unit === '%') return `${roundTo(value, 1)} %`;
  if (unit === 'ms') return `${Math.round(value)} ms`;
  return `${roundTo(value, 2)} ${unit}`;
}
const roundTo = (x: number, digits: number): string => String(Number(x.toFixed(digits)));

function noticeText(e: AlertEvent, rule: AlertRule): string {
  const label = ruleLabel(rule);
  const v = formatAlertValue(e.value, rule);
  const t = e.threshold === null ? '' : ` ${rule.comparison} ${formatAlertValue(e.threshold, rule)}`;
  switch (e.kind) {
    case 'fired': return `${label} fired: ${v}${t}`;
    case 'reminder': return `${label} still firing: ${v}${t}`;
    case 'escalated': return `${label} is now critical: ${v}${t}`;
    case 'resolved': return `${label} resolved: ${v}`;
    default: return `${label}: ${e.kind}`;
  }
}

export interface AlertSeed {
  /** the states to start the engine with */
  states: AlertRuleState[];
  /** firing episodes of the history that no state continues (older duplicates): close them */
  orphans: string[];
}

/**
 * Start-up states from the states saved by the last session (may be missing or stale: another
 * window, a host killed before the save) and the episodes still open in the history (the store's
 * database, the record every window shares). An open episode is continued (same id, same start,
 * its last notification time, so the cooldown runs on) instead of firing a second time.
 * `periodStartOf(metric, startedAt)` gives the budget period an episode of a period metric
 * belongs to, so a restart in a later period still ends it; `episodeState` tells a saved firing
 * episode that the history has since closed (it is then not continued).
 */
export function seedAlertStates(
  saved: readonly AlertRuleState[], open: readonly AlertHistoryRow[],
  opts: { periodStartOf?: (metric: string, startedAt: number) => number | null; episodeState?: (id: string) => EpisodeState | null } = {},
): AlertSeed {
  const byRule = new Map<string, AlertRuleState>();
  for (const s of saved) {
    if (!s || typeof s.ruleId !== 'string') continue;
    const closed = s.status === 'firing' && s.episodeId !== null && (opts.episodeState?.(s.episodeId) ?? 'firing') !== 'firing';
    if (!closed) byRule.set(s.ruleId, { ...s });
  }
  const orphans: string[] = [];
  const newestOpen = new Map<string, AlertHistoryRow>();
  for (const row of open) {
    const cur = newestOpen.get(row.ruleId);
    if (!cur || row.startedAt > cur.startedAt) {
      if (cur) orphans.push(cur.id);
      newestOpen.set(row.ruleId, row);
    } else {
      orphans.push(row.id);
    }
  }
  for (const [ruleId, row] of newestOpen) {
    const prev = byRule.get(ruleId);
    if (prev && prev.status === 'firing' && prev.episodeId === row.id) {
      // same episode in both: the later notification and any acknowledgement win
      const notified = [prev.lastNotifiedAt, row.lastNotifiedAt].filter((x): x is number => x !== null);
      prev.lastNotifiedAt = notified.length ? Math.max(...notified) : null;
      prev.acknowledged = prev.acknowledged || row.acknowledgedAt !== null;
      continue;
    }
    if (prev && prev.status === 'firing' && prev.firedAt !== null && prev.firedAt > row.startedAt) {
      // the saved state holds a newer episode than the history (the store was not saved): keep it
      orphans.push(row.id);
      continue;
    }
    const level: AlertLevel = row.level === 'critical' ? 'critical' : 'warning';
    byRule.set(ruleId, {
      ...initialAlertState(ruleId), status: 'firing', level, episodeId: row.id, firedAt: row.startedAt,
      lastNotifiedAt: row.lastNotifiedAt, acknowledged: row.acknowledgedAt !== null, lastValue: row.value,
      periodStart: opts.periodStartOf?.(row.metric, row.startedAt) ?? null,
    });
  }
  return { states: [...byRule.values()], orphans };
}

export class AlertEngine {
  private readonly stateMap = new Map<string, AlertRuleState>();
  private readonly silences = new Map<string, number>();

  constructor(initial?: Iterable<AlertRuleState>) {
    if (initial) for (const s of initial) this.stateMap.set(s.ruleId, { ...s });
  }

  /** Evaluate every enabled rule once at `now`. Rules gone or disabled drop their state (closing a firing episode quietly). */
  evaluateAll(rules: readonly AlertRule[], sampler: AlertSampler, now: number): AlertRound {
    const transitions: AlertEvent[] = [];
    const notices: AlertNotice[] = [];
    const errors: string[] = [];
    const active = new Set<string>();
    for (const rule of rules) {
      if (!rule.enabled) continue;
      active.add(rule.id);
      let sample: AlertSample;
      try {
        sample = { ...sampler(rule, now), at: now };
      } catch (err) {
        errors.push(`${rule.id}: ${err instanceof Error ? err.message : String(err)}`);
        sample = { value: null, calls: 0, at: now };
      }
      const silencedUntil = this.silences.get(rule.id);
      if (silencedUntil !== undefined && now >= silencedUntil) this.silences.delete(rule.id);
      const { state, events } = evaluate(rule, this.stateMap.get(rule.id), sample, silencedUntil);
      this.stateMap.set(rule.id, state);
      for (const e of events) {
        transitions.push(e);
        if (e.notify) {
          notices.push({ ruleId: rule.id, label: ruleLabel(rule), kind: e.kind, severity: e.severity, episodeId: e.episodeId,
            value: e.value, threshold: e.threshold, text: noticeText(e, rule) });
        }
      }
    }
    for (const [id, s] of [...this.stateMap]) {
      if (active.has(id)) continue;
      if (s.status === 'firing') {
        transitions.push({ ruleId: id, kind: 'closed', at: now, episodeId: s.episodeId, status: 'ok', level: s.level,
          severity: 'info', value: s.lastValue, threshold: null, notify: false, silenced: false });
      }
      this.stateMap.delete(id);
    }
    if (notices.length === 0) return { transitions, notify: null, errors };
    let severity: AlertSeverity = 'info';
    for (const n of notices) if (SEVERITY_RANK[n.severity] > SEVERITY_RANK[severity]) severity = n.severity;
    const message = notices.length === 1 ? notices[0].text : `${notices.length} alerts: ${notices.map(n => n.text).join('; ')}`;
    return { transitions, notify: { severity, rules: notices, message }, errors };
  }

  /** Replace every rule state (start-up seeding, e.g. from seedAlertStates, when the history becomes readable late). */
  restore(states: Iterable<AlertRuleState>): void {
    this.stateMap.clear();
    for (const s of states) this.stateMap.set(s.ruleId, { ...s });
  }

  /** Acknowledge a firing episode (AlertEvent.episodeId): no more reminders for it. */
  acknowledge(episodeId: string): boolean {
    for (const s of this.stateMap.values()) {
      if (s.episodeId === episodeId && s.status === 'firing') { s.acknowledged = true; return true; }
    }
    return false;
  }

  /** Acknowledge every firing episode; returns how many. */
  acknowledgeAll(): number {
    let n = 0;
    for (const s of this.stateMap.values()) if (s.status === 'firing' && !s.acknowledged) { s.acknowledged = true; n++; }
    return n;
  }

  /** Mute a rule until `untilMs`: it is still evaluated and its transitions recorded, but nothing notifies. */
  silence(ruleId: string, untilMs: number): void {
    this.silences.set(ruleId, untilMs);
  }

  unsilence(ruleId: string): void {
    this.silences.delete(ruleId);
  }

  silencedUntil(ruleId: string): number | null {
    return this.silences.get(ruleId) ?? null;
  }

  state(ruleId: string): AlertRuleState {
    return { ...(this.stateMap.get(ruleId) ?? initialAlertState(ruleId)) };
  }

  /** Snapshot of every state (to persist across reloads and pass back to the constructor). */
  states(): AlertRuleState[] {
    return [...this.stateMap.values()].map(s => ({ ...s }));
  }
}
