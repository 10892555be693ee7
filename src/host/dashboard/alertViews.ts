// Conversions between the alert engine's rules/alerts and the flat views the dashboard shows.
// Pure (no vscode), unit-tested.
import type { AlertRule } from '../../core/alerts/rules';
import type { HostAlert, HostAlertEvent } from '../services';
import type { RuleView, AlertView } from '../../shared/protocol';

export function ruleToView(r: AlertRule): RuleView {
  return {
    id: r.id, name: r.name ?? '', enabled: r.enabled, metric: r.metric,
    scope: r.scope.kind === 'all' ? 'all' : `${r.scope.kind}:${r.scope.value}`,
    comparison: r.comparison, warning: r.warning ?? null, critical: r.critical ?? null,
    windowMinutes: r.windowMinutes, forMinutes: r.forMinutes, minCalls: r.minCalls, cooldownMinutes: r.cooldownMinutes,
    severity: r.severity,
  };
}

/** The settings object of a rule (the shape `apiMonitor.alerts.rules` holds); absent thresholds are left out. */
export function viewToRaw(v: RuleView): Record<string, unknown> {
  const m = /^(endpoint|model):(.+)$/.exec(v.scope);
  const raw: Record<string, unknown> = {
    id: v.id, metric: v.metric, scope: m ? { kind: m[1], value: m[2] } : { kind: 'all' }, comparison: v.comparison,
    windowMinutes: v.windowMinutes, forMinutes: v.forMinutes, minCalls: v.minCalls, cooldownMinutes: v.cooldownMinutes,
    severity: v.severity, enabled: v.enabled,
  };
  if (v.name.trim()) raw.name = v.name.trim();
  if (v.warning !== null) raw.warning = v.warning;
  if (v.critical !== null) raw.critical = v.critical;
  return raw;
}

/** A rule id from its name, unique among `taken`: "P95 high!" → "p95-high", then "p95-high-2". */
export function newRuleId(name: string, taken: ReadonlySet<string>): string {
  const base = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'rule';
  let id = base;
  for (let i = 2; taken.has(id); i++) id = `${base}-${i}`;
  return id;
}

export function firingToView(a: HostAlert): AlertView {
  return {
    id: a.ruleId, ruleId: a.ruleId, ruleName: a.ruleName, severity: a.severity, state: a.state, level: null,
    since: a.since, value: a.value, message: a.message, acknowledged: a.acknowledged,
  };
}

export function eventToView(e: HostAlertEvent): AlertView {
  return {
    id: String(e.id), ruleId: e.ruleId, ruleName: e.ruleName, severity: e.severity, state: e.to, level: null,
    since: e.ts, value: e.value, message: e.message, acknowledged: e.acknowledged,
  };
}
