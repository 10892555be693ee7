// Alert rule model, the defaults, the settings JSON schema and the validator that turns untrusted
// settings into rules. Units: rates in percent (10 = 10 %), latency in ms, money in USD.

export const ALERT_METRICS = [
  'errorRate', 'avgLatency', 'p95Latency', 'throughput', 'costPerHour', 'costPerDay', 'budgetUse', 'cacheHitRate',
] as const;
export type AlertMetric = typeof ALERT_METRICS[number];

export const ALERT_SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;
export type AlertSeverity = typeof ALERT_SEVERITIES[number];

export type AlertScope = { kind: 'all' } | { kind: 'endpoint'; value: string } | { kind: 'model'; value: string };
export type AlertComparison = 'above' | 'below';
/** Which threshold a value crosses. */
export type AlertLevel = 'warning' | 'critical';

export interface AlertRule {
  id: string;
  name?: string;
  metric: AlertMetric;
  scope: AlertScope;
  comparison: AlertComparison;
  /** at least one of warning / critical */
  warning?: number;
  critical?: number;
  windowMinutes: number;
  /** pending period: the condition must hold this long before the rule fires (0 = immediately) */
  forMinutes: number;
  /** a window with fewer calls is "no data" */
  minCalls: number;
  /** repeat interval of reminders while firing (0 = no reminders) */
  cooldownMinutes: number;
  severity: AlertSeverity;
  enabled: boolean;
}

/** Metrics measured over a budget period (the day): a new period ends a firing episode. */
export function isPeriodMetric(metric: AlertMetric): boolean {
  return metric === 'costPerDay' || metric === 'budgetUse';
}

export const METRIC_UNITS: Readonly<Record<AlertMetric, string>> = {
  errorRate: '%', avgLatency: 'ms', p95Latency: 'ms', throughput: 'calls/min', costPerHour: 'USD/h',
  costPerDay: 'USD/day', budgetUse: '%', cacheHitRate: '%',
};

export const METRIC_LABELS: Readonly<Record<AlertMetric, string>> = {
  errorRate: 'Error rate', avgLatency: 'Average latency', p95Latency: 'p95 latency', throughput: 'Throughput',
  costPerHour: 'Cost per hour', costPerDay: 'Cost today', budgetUse: 'Budget used', cacheHitRate: 'Cache hit rate',
};

/** The four rules of the old system, now evaluated for real (with minimum calls and pending periods). */
export const DEFAULT_ALERT_RULES: readonly AlertRule[] = [
  { id: 'high-error-rate', name: 'High error rate', metric: 'errorRate', scope: { kind: 'all' }, comparison: 'above',
    warning: 10, windowMinutes: 5, forMinutes: 0, minCalls: 10, cooldownMinutes: 60, severity: 'error', enabled: true },
  { id: 'slow-responses', name: 'Slow responses', metric: 'avgLatency', scope: { kind: 'all' }, comparison: 'above',
    warning: 10000, windowMinutes: 10, forMinutes: 0, minCalls: 5, cooldownMinutes: 60, severity: 'warning', enabled: true },
  { id: 'high-cost-per-hour', name: 'High cost per hour', metric: 'costPerHour', scope: { kind: 'all' }, comparison: 'above',
    warning: 1, windowMinutes: 60, forMinutes: 0, minCalls: 1, cooldownMinutes: 60, severity: 'warning', enabled: true },
  { id: 'low-cache-hit-rate', name: 'Low cache hit rate', metric: 'cacheHitRate', scope: { kind: 'all' }, comparison: 'below',
    warning: 30, windowMinutes: 30, forMinutes: 0, minCalls: 20, cooldownMinutes: 60, severity: 'info', enabled: true },
];

const RULE_DEFAULTS = { comparison: 'above', windowMinutes: 5, forMinutes: 0, minCalls: 1, cooldownMinutes: 60, severity: 'warning', enabled: true } as const;

/** JSON schema of the `apiMonitor.alerts.rules` setting (package.json contributes exactly this object). */
export const ALERT_RULES_SETTING_SCHEMA = {
  type: 'array',
  markdownDescription: 'Alert rules (error rate, latency, throughput, cost, budget use, cache hit rate), each with a scope (`all`, an endpoint or a model), `warning` / `critical` thresholds, `windowMinutes`, a pending period (`forMinutes`), `minCalls` and a reminder interval (`cooldownMinutes`). Rates are percent (10 = 10 %), latency is ms, cost is USD. Invalid rules are reported in the **API Monitor** output channel and ignored; the others still run.',
  default: DEFAULT_ALERT_RULES,
  items: {
    type: 'object',
    required: ['id', 'metric'],
    additionalProperties: false,
    properties: {
      id: { type: 'string', minLength: 1, description: 'Unique id of the rule.' },
      name: { type: 'string', description: 'Name shown in notifications.' },
      metric: { type: 'string', enum: [...ALERT_METRICS], description: 'What is measured.' },
      scope: {
        type: 'object',
        description: 'Which calls: all, one endpoint or one model.',
        required: ['kind'],
        properties: {
          kind: { type: 'string', enum: ['all', 'endpoint', 'model'] },
          value: { type: 'string', description: 'Endpoint or model name (for kind endpoint / model).' },
        },
      },
      comparison: { type: 'string', enum: ['above', 'below'], default: RULE_DEFAULTS.comparison },
      warning: { type: 'number', description: 'Warning threshold (percent, ms or USD).' },
      critical: { type: 'number', description: 'Critical threshold (percent, ms or USD).' },
      windowMinutes: { type: 'number', exclusiveMinimum: 0, default: RULE_DEFAULTS.windowMinutes },
      forMinutes: { type: 'number', minimum: 0, default: RULE_DEFAULTS.forMinutes, description: 'Pending period before firing (and before resolving).' },
      minCalls: { type: 'integer', minimum: 0, default: RULE_DEFAULTS.minCalls, description: 'A window with fewer calls counts as no data.' },
      cooldownMinutes: { type: 'number', minimum: 0, default: RULE_DEFAULTS.cooldownMinutes, description: 'Repeat interval of reminders while firing (0 = none).' },
      severity: { type: 'string', enum: [...ALERT_SEVERITIES], default: RULE_DEFAULTS.severity },
      enabled: { type: 'boolean', default: RULE_DEFAULTS.enabled },
    },
  },
} as const;

export interface RuleValidation {
  rules: AlertRule[];
  /** one message per problem, e.g. `rules[2].metric: must be one of errorRate, ...` */
  errors: string[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  try { const s = JSON.stringify(v); return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s; } catch { return typeof v; }
};

/**
 * Turn untrusted settings JSON into rules. Never throws: a rule with a problem is left out and each
 * problem is reported; the other rules are kept.
 */
export function validateAlertRules(input: unknown): RuleValidation {
  const rules: AlertRule[] = [];
  const errors: string[] = [];
  if (input === undefined || input === null) return { rules, errors };
  if (!Array.isArray(input)) return { rules, errors: [`rules: must be an array of rules, got ${show(input)}`] };
  const seen = new Set<string>();
  input.forEach((raw, i) => {
    const at = `rules[${i}]`;
    const r = validateAlertRule(raw, at);
    errors.push(...r.errors);
    if (!r.rule) return;
    if (seen.has(r.rule.id)) { errors.push(`${at}.id: duplicate id "${r.rule.id}" (rule ignored)`); return; }
    seen.add(r.rule.id);
    rules.push(r.rule);
  });
  return { rules, errors };
}

/** Validate one rule; `rule` is null when it has a problem (each listed in `errors`). */
export function validateAlertRule(raw: unknown, at = 'rule'): { rule: AlertRule | null; errors: string[] } {
  const errors: string[] = [];
  if (!isObj(raw)) return { rule: null, errors: [`${at}: must be an object, got ${show(raw)}`] };
  const known = new Set(Object.keys(ALERT_RULES_SETTING_SCHEMA.items.properties));
  for (const k of Object.keys(raw)) if (!known.has(k)) errors.push(`${at}.${k}: unknown property`);

  const id = raw.id;
  if (typeof id !== 'string' || id.trim() === '') errors.push(`${at}.id: must be a non-empty string, got ${show(id)}`);
  const name = raw.name;
  if (name !== undefined && typeof name !== 'string') errors.push(`${at}.name: must be a string, got ${show(name)}`);
  const metric = raw.metric;
  if (typeof metric !== 'string' || !(ALERT_METRICS as readonly string[]).includes(metric)) {
    errors.push(`${at}.metric: must be one of ${ALERT_METRICS.join(', ')}, got ${show(metric)}`);
  }
  let scope: AlertScope = { kind: 'all' };
  if (raw.scope !== undefined) {
    const s = raw.scope;
    if (!isObj(s) || !['all', 'endpoint', 'model'].includes(s.kind as string)) {
      errors.push(`${at}.scope: must be {"kind":"all"}, {"kind":"endpoint","value":...} or {"kind":"model","value":...}, got ${show(s)}`);
    } else if (s.kind === 'all') {
      scope = { kind: 'all' };
    } else if (typeof s.value !== 'string' || s.value === '') {
      errors.push(`${at}.scope.value: must be a non-empty ${s.kind} name, got ${show(s.value)}`);
    } else {
      scope = { kind: s.kind as 'endpoint' | 'model', value: s.value };
    }
  }
  const comparison = raw.comparison ?? RULE_DEFAULTS.comparison;
  if (comparison !== 'above' && comparison !== 'below') errors.push(`${at}.comparison: must be "above" or "below", got ${show(comparison)}`);

  const num = (key: string, def: number | undefined, min: number, exclusive: boolean, integer = false): number | undefined => {
    const v = raw[key];
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isFinite(v)) { errors.push(`${at}.${key}: must be a number, got ${show(v)}`); return def; }
    if (exclusive ? v <= min : v < min) { errors.push(`${at}.${key}: must be ${exclusive ? 'greater than' : 'at least'} ${min}, got ${v}`); return def; }
    if (integer && !Number.isInteger(v)) { errors.push(`${at}.${key}: must be a whole number, got ${v}`); return def; }
    return v;
  };
  const warning = num('warning', undefined, -Infinity, false);
  const critical = num('critical', undefined, -Infinity, false);
  if (raw.warning === undefined && raw.critical === undefined) errors.push(`${at}: needs a "warning" or a "critical" threshold (or both)`);
  if (warning !== undefined && critical !== undefined) {
    if (comparison === 'above' && critical < warning) errors.push(`${at}.critical: must not be below warning for "above" (${critical} < ${warning})`);
    if (comparison === 'below' && critical > warning) errors.push(`${at}.critical: must not be above warning for "below" (${critical} > ${warning})`);
  }
  const windowMinutes = num('windowMinutes', RULE_DEFAULTS.windowMinutes, 0, true)!;
  const forMinutes = num('forMinutes', RULE_DEFAULTS.forMinutes, 0, false)!;
  const minCalls = num('minCalls', RULE_DEFAULTS.minCalls, 0, false, true)!;
  const cooldownMinutes = num('cooldownMinutes', RULE_DEFAULTS.cooldownMinutes, 0, false)!;
  const severity = raw.severity ?? RULE_DEFAULTS.severity;
  if (!(ALERT_SEVERITIES as readonly unknown[]).includes(severity)) errors.push(`${at}.severity: must be one of ${ALERT_SEVERITIES.join(', ')}, got ${show(severity)}`);
  const enabled = raw.enabled ?? RULE_DEFAULTS.enabled;
  if (typeof enabled !== 'boolean') errors.push(`${at}.enabled: must be true or false, got ${show(enabled)}`);

  if (errors.length) return { rule: null, errors };
  const rule: AlertRule = {
    id: (id as string).trim(), metric: metric as AlertMetric, scope, comparison: comparison as AlertComparison,
    windowMinutes, forMinutes, minCalls, cooldownMinutes, severity: severity as AlertSeverity, enabled: enabled as boolean,
  };
  if (typeof name === 'string' && name !== '') rule.name = name;
  if (warning !== undefined) rule.warning = warning;
  if (critical !== undefined) rule.critical = critical;
  return { rule, errors };
}

/** "High error rate" or, without a name, "errorRate above 10 (endpoint /x)". */
export function ruleLabel(rule: AlertRule): string {
  if (rule.name) return rule.name;
  const scope = rule.scope.kind === 'all' ? '' : ` (${rule.scope.kind} ${rule.scope.value})`;
  return `${METRIC_LABELS[rule.metric]} ${rule.comparison} ${rule.warning ?? rule.critical}${scope}`;
}
