import type { AlertsData, RuleView, AlertView, AlertMetric, Severity, Comparison } from '../../src/shared/protocol';
import type { TabView, Ctx } from '../context';
import { h, clear, table, section, button, select } from '../dom';
import { validateRuleForm, type RuleFormInput, NO_DATA } from '../format';
import { countOf } from '../../src/shared/text';
import { alertList } from './realtime';

const METRICS: { value: AlertMetric; label: string; unit: string }[] = [
  { value: 'errorRate', label: 'Error rate', unit: '%' }, { value: 'p95Latency', label: 'p95 latency', unit: 'ms' },
  { value: 'avgLatency', label: 'Average latency', unit: 'ms' }, { value: 'throughput', label: 'Throughput', unit: 'calls/min' },
  { value: 'costPerHour', label: 'Cost per hour', unit: 'USD/h' }, { value: 'costPerDay', label: 'Cost today', unit: 'USD' },
  { value: 'budgetUse', label: 'Budget used', unit: '%' }, { value: 'cacheHitRate', label: 'Cache hit rate', unit: '%' },
];
const SEVERITIES: Severity[] = ['info', 'warning', 'error', 'critical'];
const unitOf = (m: string): string => METRICS.find(x => x.value === m)?.unit ?? '';

const EMPTY: RuleFormInput = { name: '', metric: 'errorRate', scope: 'all', comparison: 'above', warning: '', critical: '',
  windowMinutes: '5', forMinutes: '0', minCalls: '10', cooldownMinutes: '60', severity: 'warning' };

function ruleToForm(r: RuleView): RuleFormInput {
  const s = (v: number | null): string => (v === null ? '' : String(v));
  return { name: r.name, metric: r.metric, scope: r.scope, comparison: r.comparison, warning: s(r.warning), critical: s(r.critical),
    windowMinutes: String(r.windowMinutes), forMinutes: String(r.forMinutes), minCalls: String(r.minCalls),
    cooldownMinutes: String(r.cooldownMinutes), severity: r.severity };
}

export function alertsTab(): TabView<AlertsData> {
  let rulesBox: HTMLElement;
  let firingBox: HTMLElement;
  let historyBox: HTMLElement;
  let formBox: HTMLElement;
  let last: AlertsData | undefined;
  let editing: RuleView | null = null;
  let form: RuleFormInput = { ...EMPTY };
  const hf = { severity: '', state: '', unackOnly: false };

  function drawForm(ctx: Ctx): void {
    clear(formBox);
    const errors = h('ul', { className: 'errors', role: 'alert', id: 'rule-errors' });
    const text = (key: keyof RuleFormInput, label: string, type = 'text', hint?: string): HTMLElement => {
      const tf = h('vscode-textfield', { id: `rule-${key}`, type, value: form[key], 'aria-label': label });
      tf.addEventListener('input', () => { form = { ...form, [key]: (tf as unknown as { value: string }).value }; });
      return h('label', { className: 'field' }, h('span', null, label), tf, hint ? h('span', { className: 'muted small' }, hint) : null);
    };
    const pick = (key: keyof RuleFormInput, label: string, opts: { value: string; label: string }[]): HTMLElement =>
      h('label', { className: 'field' }, h('span', null, label), select(`rule-${key}`, label, opts, form[key], v => {
        form = { ...form, [key]: v };
        if (key === 'metric') drawForm(ctx);   // the unit hints follow the metric
      }));
    const scopes = [{ value: 'all', label: 'All calls' }, ...ctx.meta.endpoints.map(e => ({ value: `endpoint:${e}`, label: `Endpoint ${e}` })),
      ...ctx.meta.models.map(m => ({ value: `model:${m}`, label: `Model ${m}` }))];
    if (!scopes.some(s => s.value === form.scope)) scopes.push({ value: form.scope, label: form.scope });
    const u = unitOf(form.metric);
    const save = async (): Promise<void> => {
      clear(errors);
      const errs = validateRuleForm(form);
      if (errs.length) { for (const e of errs) errors.appendChild(h('li', null, e)); return; }
      const n = (s: string): number | null => (s.trim() === '' ? null : Number(s));
      const rule: RuleView = {
        id: editing?.id ?? '', name: form.name.trim(), enabled: editing?.enabled ?? true, metric: form.metric as AlertMetric, scope: form.scope,
        comparison: form.comparison as Comparison, warning: n(form.warning), critical: n(form.critical),
        windowMinutes: Number(form.windowMinutes), forMinutes: Number(form.forMinutes), minCalls: Number(form.minCalls),
        cooldownMinutes: Number(form.cooldownMinutes), severity: form.severity as Severity,
      };
      const r = await ctx.request(id => ({ type: 'saveRule', id, rule, isNew: !editing }));
      if (r.type === 'ruleResult' && r.ok) {
        ctx.announce(`Rule "${rule.name}" saved.`);
        editing = null; form = { ...EMPTY }; drawForm(ctx);
      } else {
        const list = r.type === 'ruleResult' ? r.errors : r.type === 'error' ? [r.message] : ['Not saved.'];
        for (const e of list) errors.appendChild(h('li', null, e));
      }
    };
    formBox.append(
      h('h3', null, editing ? `Edit rule "${editing.name || editing.id}"` : 'New rule'),
      h('div', { className: 'rule-form' },
        text('name', 'Name'),
        pick('metric', 'Metric', METRICS.map(m => ({ value: m.value, label: `${m.label} (${m.unit})` }))),
        pick('scope', 'Scope', scopes),
        pick('comparison', 'Fires when', [{ value: 'above', label: 'above the threshold' }, { value: 'below', label: 'below the threshold' }]),
        text('warning', `Warning (${u})`, 'number'),
        text('critical', `Critical (${u})`, 'number'),
        text('windowMinutes', 'Window (min)', 'number'),
        text('forMinutes', 'For (min)', 'number', 'must hold this long'),
        text('minCalls', 'Minimum calls', 'number', 'fewer = no data'),
        text('cooldownMinutes', 'Cooldown (min)', 'number', 'between reminders'),
        pick('severity', 'Severity', SEVERITIES.map(s => ({ value: s, label: s })))),
      errors,
      h('div', { className: 'buttons' }, button(editing ? 'Save rule' : 'Create rule', () => { void save(); }, { id: 'rule-save' }),
        editing ? button('Cancel', () => { editing = null; form = { ...EMPTY }; drawForm(ctx); }, { secondary: true, id: 'rule-cancel' }) : null),
    );
  }

  function drawRules(d: AlertsData, ctx: Ctx): void {
    clear(rulesBox);
    const fmt = (v: number | null, m: string): string => (v === null ? NO_DATA : `${v} ${unitOf(m)}`);
    const rows = d.rules.map(r => {
      const toggle = button(r.enabled ? 'Disable' : 'Enable', () => {
        void ctx.request(id => ({ type: 'setRuleEnabled', id, ruleId: r.id, enabled: !r.enabled }));
      }, { secondary: true, title: `${r.enabled ? 'Disable' : 'Enable'} ${r.name || r.id}` });
      const edit = button('Edit', () => { editing = r; form = ruleToForm(r); drawForm(ctx); formBox.scrollIntoView?.(); }, { secondary: true, title: `Edit ${r.name || r.id}` });
      const del = button('Delete', () => {
        void ctx.request(id => ({ type: 'deleteRule', id, ruleId: r.id }));
      }, { secondary: true, title: `Delete ${r.name || r.id}` });
      return [r.name || r.id, METRICS.find(m => m.value === r.metric)?.label ?? r.metric, r.scope, r.comparison,
        fmt(r.warning, r.metric), fmt(r.critical, r.metric), `${r.windowMinutes} min / for ${r.forMinutes} / ≥${countOf(r.minCalls, 'call')} / cooldown ${r.cooldownMinutes}`,
        r.severity, r.enabled ? 'enabled' : 'disabled', h('span', { className: 'row-actions' }, edit, toggle, del)];
    });
    rulesBox.appendChild(table('Alert rules', ['Name', 'Metric', 'Scope', 'Fires', 'Warning', 'Critical', 'Window', 'Severity', 'State', ''], rows,
      { className: 'data rules', captionHidden: true, empty: 'No rules yet: create one below.' }));
  }

  function drawHistory(d: AlertsData, ctx: Ctx): void {
    clear(historyBox);
    const list = d.history.filter((a: AlertView) => (!hf.severity || a.severity === hf.severity) && (!hf.state || a.state === hf.state) && (!hf.unackOnly || !a.acknowledged));
    const states = [...new Set(d.history.map(a => a.state))].sort();
    const unack = h('vscode-checkbox', { id: 'hist-unack', checked: hf.unackOnly }, 'Unacknowledged only');
    unack.addEventListener('change', () => { hf.unackOnly = (unack as unknown as { checked: boolean }).checked; drawHistory(d, ctx); });
    historyBox.append(h('div', { className: 'filters' },
      h('label', { className: 'filter' }, h('span', null, 'Severity'), select('hist-sev', 'Severity', [{ value: '', label: 'all' }, ...SEVERITIES.map(s => ({ value: s, label: s }))], hf.severity, v => { hf.severity = v; drawHistory(d, ctx); })),
      h('label', { className: 'filter' }, h('span', null, 'State'), select('hist-state', 'State', [{ value: '', label: 'all' }, ...states.map(s => ({ value: s, label: s }))], hf.state, v => { hf.state = v; drawHistory(d, ctx); })),
      unack,
      button('Acknowledge all', () => { void ctx.request(id => ({ type: 'acknowledgeAll', id })); }, { id: 'ack-all', secondary: true })));
    historyBox.appendChild(table('Alert history', ['When', 'Rule', 'Severity', 'State', 'Message', ''],
      list.map(a => [new Date(a.since).toLocaleString(), a.ruleName, a.severity, a.state, a.message,
        a.acknowledged ? h('span', { className: 'muted' }, 'acknowledged')
          : button('Acknowledge', () => { void ctx.request(id => ({ type: 'acknowledge', id, alertId: a.id })); }, { secondary: true, title: `Acknowledge ${a.ruleName}` })]),
      { className: 'data history', captionHidden: true, empty: 'No alert history.' }));
  }

  return {
    id: 'alerts',
    mount(panel, ctx) {
      rulesBox = h('div');
      formBox = h('div', { className: 'rule-form-box' });
      firingBox = h('div');
      historyBox = h('div');
      panel.append(h('div', { className: 'tab-body' },
        section('Firing', firingBox),
        section('Rules', rulesBox, formBox),
        section('History', historyBox)));
      drawForm(ctx);
    },
    update(d, ctx) {
      last = d;
      clear(firingBox);
      firingBox.appendChild(alertList(d.firing, 'No alert is firing.'));
      drawRules(d, ctx);
      drawHistory(d, ctx);
      void last;
    },
  };
}
