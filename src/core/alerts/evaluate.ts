// The alert state machine: a pure function of (rule, previous state, one metric sample, clock).
// States: ok, pending, firing, resolved, noData. It decides which transitions happen and which of
// them deserve a notification; it never talks to the UI and never reads the clock itself.
import { AlertLevel, AlertRule, AlertSeverity, isPeriodMetric } from './rules';

export type AlertStatus = 'ok' | 'pending' | 'firing' | 'resolved' | 'noData';

export interface AlertRuleState {
  ruleId: string;
  status: AlertStatus;
  /** level of the pending or firing episode */
  level: AlertLevel | null;
  /** start of the breach being timed for the pending period */
  pendingSince: number | null;
  /** while firing: start of the clear stretch being timed before resolving */
  clearSince: number | null;
  /** `${ruleId}@${firedAt}`: identifies the firing episode (row of the history) */
  episodeId: string | null;
  firedAt: number | null;
  resolvedAt: number | null;
  /** null when the episode has not been notified yet (e.g. it fired while silenced) */
  lastNotifiedAt: number | null;
  /** an acknowledged episode sends no more reminders */
  acknowledged: boolean;
  lastEvalAt: number | null;
  lastValue: number | null;
  lastDataAt: number | null;
  /** set while the latest samples have no data */
  noDataSince: number | null;
  /** start of the budget period the state belongs to (period metrics only) */
  periodStart: number | null;
}

export interface AlertSample {
  /** null = no data */
  value: number | null;
  /** calls in the window (or in the period for period metrics) */
  calls: number;
  /** now, UTC epoch ms */
  at: number;
  /** start of the current budget period (costPerDay / budgetUse); a change ends a firing episode */
  periodStart?: number;
}

export type AlertEventKind =
  | 'pending' | 'pendingCancelled' | 'fired' | 'reminder' | 'escalated' | 'deescalated' | 'resolved'
  | 'noData' | 'dataBack' | 'periodReset' | 'closed';

export interface AlertEvent {
  ruleId: string;
  kind: AlertEventKind;
  at: number;
  /** the episode the event belongs to (null for transitions outside an episode) */
  episodeId: string | null;
  status: AlertStatus;
  level: AlertLevel | null;
  /** severity of the notification: critical when the critical level is crossed, else the rule's */
  severity: AlertSeverity;
  value: number | null;
  threshold: number | null;
  /** the user should be told (false for quiet transitions and while silenced) */
  notify: boolean;
  /** it would have notified, but the rule is silenced */
  silenced: boolean;
}

export function initialAlertState(ruleId: string): AlertRuleState {
  return {
    ruleId, status: 'ok', level: null, pendingSince: null, clearSince: null, episodeId: null, firedAt: null,
    resolvedAt: null, lastNotifiedAt: null, acknowledged: false, lastEvalAt: null, lastValue: null, lastDataAt: null,
    noDataSince: null, periodStart: null,
  };
}

const LEVEL_RANK: Record<AlertLevel, number> = { warning: 1, critical: 2 };

/** The level a value crosses (strictly above / below the threshold), or null when clear. */
export function levelOf(rule: AlertRule, value: number): AlertLevel | null {
  const crosses = (t: number | undefined): boolean => t !== undefined && (rule.comparison === 'above' ? value > t : value < t);
  if (crosses(rule.critical)) return 'critical';
  if (crosses(rule.warning)) return 'warning';
  return null;
}

export function thresholdOf(rule: AlertRule, level: AlertLevel | null): number | null {
  if (level === 'critical') return rule.critical ?? null;
  return rule.warning ?? rule.critical ?? null;
}

/**
 * Feed one sample. Timing rule: a sample describes the interval since the previous evaluation
 * (at most one window back), so N consecutive breaching per-minute samples count as N minutes of
 * breach; the pending period is met when that stretch reaches `forMinutes`. Clearing is timed the
 * same way before a firing rule resolves, so flapping data gives one fire and one resolve.
 */
export function evaluate(
  rule: AlertRule, prev: AlertRuleState | undefined, sample: AlertSample, silencedUntil?: number,
): { state: AlertRuleState; events: AlertEvent[] } {
  const s: AlertRuleState = prev ? { ...prev } : initialAlertState(rule.id);
  const events: AlertEvent[] = [];
  const at = sample.at;
  const silenced = silencedUntil !== undefined && at < silencedUntil;
  const forMs = Math.max(0, rule.forMinutes) * 60_000;
  const windowMs = Math.max(0, rule.windowMinutes) * 60_000;
  const cooldownMs = Math.max(0, rule.cooldownMinutes) * 60_000;

  const emit = (kind: AlertEventKind, wantsNotify: boolean, episodeId = s.episodeId): void => {
    const level = s.level;
    const severity: AlertSeverity = kind === 'resolved' ? 'info' : level === 'critical' ? 'critical' : rule.severity;
    events.push({
      ruleId: rule.id, kind, at, episodeId, status: s.status, level, severity,
      value: s.lastValue, threshold: thresholdOf(rule, level), notify: wantsNotify && !silenced, silenced: wantsNotify && silenced,
    });
  };

  let intervalStart = s.lastEvalAt === null ? at : Math.min(at, Math.max(s.lastEvalAt, at - windowMs));

  if (isPeriodMetric(rule.metric) && sample.periodStart !== undefined) {
    if (s.periodStart !== null && sample.periodStart !== s.periodStart) {
      if (s.status === 'firing') {
        // A new budget period starts from zero: the episode is over, a new crossing fires again.
        s.status = 'ok';
        emit('periodReset', false);
        endEpisode(s);
      } else if (s.status === 'pending') {
        s.status = 'ok';
        emit('pendingCancelled', false, null);
        s.pendingSince = null; s.level = null;
      }
      intervalStart = Math.max(intervalStart, Math.min(at, sample.periodStart));
    }
    s.periodStart = sample.periodStart;
  }

  const v = sample.value;
  const noData = v === null || !Number.isFinite(v) || !(sample.calls > 0) || sample.calls < rule.minCalls;
  if (noData) {
    // No data never fires and never resolves: a firing rule stays firing, a pending one starts over.
    if (s.status === 'pending') { s.pendingSince = null; s.level = null; }
    s.clearSince = null;
    if (s.status !== 'firing') s.status = 'noData';
    if (s.noDataSince === null) { s.noDataSince = at; emit('noData', false); }
    s.lastEvalAt = at;
    return { state: s, events };
  }
  s.lastValue = v;
  s.lastDataAt = at;
  if (s.noDataSince !== null) {
    s.noDataSince = null;
    if (s.status === 'noData') s.status = s.resolvedAt !== null && s.firedAt !== null ? 'resolved' : 'ok';
    emit('dataBack', false);
  }
  const level = levelOf(rule, v);

  if (s.status === 'firing') {
    if (level === null) {
      if (s.clearSince === null) s.clearSince = intervalStart;
      if (at - s.clearSince >= forMs) {
        const wasNotified = s.lastNotifiedAt !== null;
        s.status = 'resolved';
        s.resolvedAt = at;
        emit('resolved', wasNotified);
        endEpisode(s);
      }
    } else {
      s.clearSince = null;
      const prevLevel = s.level ?? level;
      if (LEVEL_RANK[level] > LEVEL_RANK[prevLevel]) {
        // The rule already held its pending period, so a higher level is reported at once.
        s.level = level;
        emit('escalated', true);
        if (!silenced) s.lastNotifiedAt = at;
      } else {
        if (LEVEL_RANK[level] < LEVEL_RANK[prevLevel]) { s.level = level; emit('deescalated', false); }
        const due = !silenced && !s.acknowledged &&
          (s.lastNotifiedAt === null || (cooldownMs > 0 && at - s.lastNotifiedAt >= cooldownMs));
        if (due) { emit('reminder', true); s.lastNotifiedAt = at; }
      }
    }
  } else if (level === null) {
    if (s.status === 'pending') {
      s.status = 'ok';
      emit('pendingCancelled', false, null);
      s.level = null;
    } else if (s.status === 'noData') {
      s.status = 'ok';
    }
    s.pendingSince = null;
  } else {
    if (s.pendingSince === null) s.pendingSince = intervalStart;
    if (s.level === null || s.status !== 'pending' || LEVEL_RANK[level] > LEVEL_RANK[s.level]) s.level = level;
    if (at - s.pendingSince >= forMs) {
      s.status = 'firing';
      s.level = level;
      s.firedAt = at;
      s.resolvedAt = null;
      s.episodeId = `${rule.id}@${at}`;
      s.acknowledged = false;
      s.pendingSince = null;
      s.clearSince = null;
      s.lastNotifiedAt = silenced ? null : at;
      emit('fired', true);
    } else if (s.status !== 'pending') {
      s.status = 'pending';
      emit('pending', false, null);
    }
  }
  s.lastEvalAt = at;
  return { state: s, events };
}

function endEpisode(s: AlertRuleState): void {
  s.level = null;
  s.episodeId = null;
  s.clearSince = null;
  s.pendingSince = null;
  s.lastNotifiedAt = null;
  s.acknowledged = false;
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();
/** HH:MM in a time zone (the machine's when undefined or invalid). */
export function clockTime(ms: number, timeZone?: string): string {
  const key = timeZone ?? '';
  let f = timeFormats.get(key);
  if (!f) {
    try { f = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }); }
    catch { f = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }); }
    timeFormats.set(key, f);
  }
  return f.format(ms);
}

/** One line for the tree view / status: "firing (critical) since 10:02, no data since 12:01". */
export function describeAlertState(state: AlertRuleState, timeZone?: string): string {
  const t = (ms: number | null): string => (ms === null ? '?' : clockTime(ms, timeZone));
  const lvl = state.level ? ` (${state.level})` : '';
  switch (state.status) {
    case 'firing': {
      const base = `firing${lvl} since ${t(state.firedAt)}`;
      if (state.noDataSince !== null) return `${base}, no data since ${t(state.noDataSince)}`;
      return state.acknowledged ? `${base}, acknowledged` : base;
    }
    case 'pending': return `pending${lvl} since ${t(state.pendingSince)}`;
    case 'resolved': return `resolved at ${t(state.resolvedAt)}`;
    case 'noData': return `no data since ${t(state.noDataSince)}`;
    case 'ok': return 'ok';
  }
}
