// Alert history in the store's sql.js database. One row per firing episode in `alert_events`
// (updated as the episode moves: reminder, escalation, resolve, acknowledge), and every transition
// of the state machine, quiet ones included, in `alert_transitions` for the timeline.
import type { Database, SqlValue } from 'sql.js';
import type { AlertEvent, AlertStatus } from './evaluate';
import { AlertRule, ruleLabel } from './rules';

export type EpisodeState = 'firing' | 'resolved' | 'reset' | 'closed';

export interface AlertHistoryRow {
  id: string;
  ruleId: string;
  ruleName: string;
  /** "all", "endpoint:/v1/chat", "model:gpt-4o" */
  scope: string;
  metric: string;
  severity: string;
  level: string | null;
  value: number | null;
  threshold: number | null;
  startedAt: number;
  resolvedAt: number | null;
  acknowledgedAt: number | null;
  lastNotifiedAt: number | null;
  /** firing, resolved, reset (budget period ended), closed (rule removed or disabled) */
  state: EpisodeState;
}

export interface AlertTransitionRow {
  ruleId: string;
  episodeId: string | null;
  kind: AlertEvent['kind'];
  status: AlertStatus;
  at: number;
  value: number | null;
  level: string | null;
  notified: boolean;
}

const schemaSql = (schema: string): string => `
CREATE TABLE IF NOT EXISTS ${schema}.alert_events (
  id TEXT PRIMARY KEY,
  rule_id TEXT NOT NULL,
  rule_name TEXT NOT NULL,
  scope TEXT NOT NULL,
  metric TEXT NOT NULL,
  severity TEXT NOT NULL,
  level TEXT,
  value REAL,
  threshold REAL,
  started_at INTEGER NOT NULL,
  resolved_at INTEGER,
  acknowledged_at INTEGER,
  last_notified_at INTEGER,
  state TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ${schema}.idx_alert_events_started ON alert_events(started_at);
CREATE TABLE IF NOT EXISTS ${schema}.alert_transitions (
  rule_id TEXT NOT NULL,
  episode_id TEXT,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  at INTEGER NOT NULL,
  value REAL,
  level TEXT,
  notified INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ${schema}.idx_alert_transitions_at ON alert_transitions(at);
`;

const scopeText = (rule: AlertRule): string => (rule.scope.kind === 'all' ? 'all' : `${rule.scope.kind}:${rule.scope.value}`);
const finite = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : x);

export class AlertHistory {
  /** schema: where the tables go (the engine's store keeps its tables in an attached schema, see STORE_SCHEMA) */
  constructor(private readonly db: Database, schema = 'main') {
    db.exec(schemaSql(schema));
  }

  /** Record the transitions of a round (AlertRound.transitions) with the rules they belong to. */
  recordAll(events: readonly AlertEvent[], rules: readonly AlertRule[]): void {
    const byId = new Map(rules.map(r => [r.id, r] as const));
    for (const e of events) this.record(e, byId.get(e.ruleId));
  }

  record(e: AlertEvent, rule: AlertRule | undefined): void {
    const value = finite(e.value);
    this.db.run('INSERT INTO alert_transitions (rule_id, episode_id, kind, status, at, value, level, notified) VALUES (?,?,?,?,?,?,?,?)',
      [e.ruleId, e.episodeId, e.kind, e.status, e.at, value, e.level, e.notify ? 1 : 0]);
    if (e.episodeId === null) return;
    const notified = e.notify ? e.at : null;
    switch (e.kind) {
      case 'fired':
        this.db.run(`INSERT OR REPLACE INTO alert_events (id, rule_id, rule_name, scope, metric, severity, level, value, threshold,
          started_at, resolved_at, acknowledged_at, last_notified_at, state) VALUES (?,?,?,?,?,?,?,?,?,?,NULL,NULL,?, 'firing')`,
          [e.episodeId, e.ruleId, rule ? ruleLabel(rule) : e.ruleId, rule ? scopeText(rule) : 'all', rule ? rule.metric : '',
            e.severity, e.level, value, finite(e.threshold), e.at, notified]);
        break;
      case 'reminder': case 'escalated': case 'deescalated':
        this.db.run(`UPDATE alert_events SET value = ?, level = ?, threshold = ?, severity = CASE WHEN ? = 'escalated' THEN ? ELSE severity END,
          last_notified_at = COALESCE(?, last_notified_at) WHERE id = ?`,
          [value, e.level, finite(e.threshold), e.kind, e.severity, notified, e.episodeId]);
        break;
      case 'resolved': case 'periodReset': case 'closed': {
        const state: EpisodeState = e.kind === 'resolved' ? 'resolved' : e.kind === 'periodReset' ? 'reset' : 'closed';
        this.db.run('UPDATE alert_events SET state = ?, resolved_at = ?, value = COALESCE(?, value) WHERE id = ?',
          [state, e.at, value, e.episodeId]);
        break;
      }
      default:
        break;
    }
  }

  /** Episodes overlapping [from, to), newest first. */
  list(q: { from: number; to: number; ruleId?: string; state?: EpisodeState; limit?: number }): AlertHistoryRow[] {
    let sql = 'SELECT * FROM alert_events WHERE started_at < ? AND (resolved_at IS NULL OR resolved_at >= ?)';
    const params: SqlValue[] = [q.to, q.from];
    if (q.ruleId !== undefined) { sql += ' AND rule_id = ?'; params.push(q.ruleId); }
    if (q.state !== undefined) { sql += ' AND state = ?'; params.push(q.state); }
    sql += ' ORDER BY started_at DESC, id';
    if (q.limit !== undefined) { sql += ' LIMIT ?'; params.push(Math.max(0, Math.floor(q.limit))); }
    const out: AlertHistoryRow[] = [];
    const st = this.db.prepare(sql);
    try {
      st.bind(params);
      while (st.step()) {
        const r = st.getAsObject();
        out.push({
          id: String(r.id), ruleId: String(r.rule_id), ruleName: String(r.rule_name), scope: String(r.scope), metric: String(r.metric),
          severity: String(r.severity), level: r.level === null ? null : String(r.level), value: r.value as number | null,
          threshold: r.threshold as number | null, startedAt: r.started_at as number, resolvedAt: r.resolved_at as number | null,
          acknowledgedAt: r.acknowledged_at as number | null, lastNotifiedAt: r.last_notified_at as number | null, state: r.state as EpisodeState,
        });
      }
    } finally {
      st.free();
    }
    return out;
  }

  /** Episodes still firing (not resolved, reset or closed), newest first: what a restart must continue. */
  openEpisodes(): AlertHistoryRow[] {
    return this.list({ from: 0, to: Number.MAX_SAFE_INTEGER, state: 'firing' });
  }

  /** State of one episode, null when the history does not hold it. */
  episodeState(id: string): EpisodeState | null {
    const st = this.db.prepare('SELECT state FROM alert_events WHERE id = ?');
    try {
      st.bind([id]);
      return st.step() ? (st.get()[0] as EpisodeState) : null;
    } finally {
      st.free();
    }
  }

  /** Close a firing episode that no engine continues (e.g. a duplicate left by an older version); false when not firing. */
  closeEpisode(id: string, at: number): boolean {
    this.db.run("UPDATE alert_events SET state = 'closed', resolved_at = ? WHERE id = ? AND state = 'firing'", [at, id]);
    return this.db.getRowsModified() > 0;
  }

  /** Transitions in [from, to), oldest first. */
  transitions(q: { from: number; to: number; ruleId?: string }): AlertTransitionRow[] {
    let sql = 'SELECT * FROM alert_transitions WHERE at >= ? AND at < ?';
    const params: SqlValue[] = [q.from, q.to];
    if (q.ruleId !== undefined) { sql += ' AND rule_id = ?'; params.push(q.ruleId); }
    sql += ' ORDER BY at, rowid';
    const out: AlertTransitionRow[] = [];
    const st = this.db.prepare(sql);
    try {
      st.bind(params);
      while (st.step()) {
        const r = st.getAsObject();
        out.push({ ruleId: String(r.rule_id), episodeId: r.episode_id === null ? null : String(r.episode_id), kind: r.kind as AlertEvent['kind'],
          status: r.status as AlertStatus, at: r.at as number, value: r.value as number | null, level: r.level as string | null, notified: r.notified === 1 });
      }
    } finally {
      st.free();
    }
    return out;
  }

  /** Returns false when the episode does not exist or was already acknowledged. */
  acknowledge(id: string, at: number): boolean {
    this.db.run('UPDATE alert_events SET acknowledged_at = ? WHERE id = ? AND acknowledged_at IS NULL', [at, id]);
    return this.db.getRowsModified() > 0;
  }

  /** Acknowledge every unacknowledged episode; returns how many. */
  acknowledgeAll(at: number): number {
    this.db.run('UPDATE alert_events SET acknowledged_at = ? WHERE acknowledged_at IS NULL', [at]);
    return this.db.getRowsModified();
  }

  /** Delete finished episodes that ended before `olderThanMs` and transitions before it (firing episodes are kept). */
  prune(olderThanMs: number): number {
    this.db.run("DELETE FROM alert_events WHERE state != 'firing' AND resolved_at < ?", [olderThanMs]);
    const n = this.db.getRowsModified();
    this.db.run('DELETE FROM alert_transitions WHERE at < ?', [olderThanMs]);
    return n;
  }
}
