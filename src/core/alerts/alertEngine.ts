// Holds the state of every rule between rounds, runs the state machine for all enabled rules and
// folds the round's notifications into ONE grouped notification (several rules firing together
// must not open several toasts).
import { AlertEvent, AlertRuleState, AlertSample, evaluate, initialAlertState } from './evaluate';
import { AlertRule, AlertSeverity, METRIC_UNITS, ruleLabel } from './rules';

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
