import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ALERT_RULES_SETTING_SCHEMA, AlertRule, DEFAULT_ALERT_RULES, validateAlertRules } from '../../src/core/alerts/rules';
import { AlertEvent, AlertRuleState, AlertSample, describeAlertState, evaluate } from '../../src/core/alerts/evaluate';
import { AlertEngine } from '../../src/core/alerts/alertEngine';
import { ruleWindowFilter, sampleFromWindow } from '../../src/core/alerts/sampler';
import type { WindowStats } from '../../src/core/metrics/types';

const MIN = 60_000;
/** 2025-03-01 hh:mm:ss UTC */
const t = (hh: number, mm: number, ss = 0, day = 1): number => Date.UTC(2025, 2, day, hh, mm, ss);

function rule(over: Partial<AlertRule>): AlertRule {
  return {
    id: 'r', metric: 'errorRate', scope: { kind: 'all' }, comparison: 'above', warning: 5, windowMinutes: 1,
    forMinutes: 0, minCalls: 1, cooldownMinutes: 60, severity: 'error', enabled: true, ...over,
  };
}

/** Feed samples in order; returns every event and the last state. */
function run(r: AlertRule, samples: AlertSample[], silencedUntil?: number): { events: AlertEvent[]; state: AlertRuleState } {
  let state: AlertRuleState | undefined;
  const events: AlertEvent[] = [];
  for (const s of samples) {
    const out = evaluate(r, state, s, silencedUntil);
    state = out.state;
    events.push(...out.events);
  }
  return { events, state: state! };
}
const kinds = (es: AlertEvent[]): string[] => es.map(e => `${e.kind}@${new Date(e.at).toISOString().slice(11, 19)}`);
const notified = (es: AlertEvent[]): string[] => kinds(es.filter(e => e.notify));

describe('alerts: state machine', () => {
  it('daily cost with a 60-minute cooldown, crossed at 10:00, 10:01, 10:05, 10:30, 11:00:30, notifies exactly twice', () => {
    const r = rule({ id: 'daily', metric: 'costPerDay', warning: 1, windowMinutes: 1440, cooldownMinutes: 60 });
    // each call costs $2, so the day's cost is 2, 4, 6, 8, 10: above $1 every time
    const times = [t(10, 0), t(10, 1), t(10, 5), t(10, 30), t(11, 0, 30)];
    const samples = times.map((at, i) => ({ at, value: 2 * (i + 1), calls: i + 1, periodStart: t(0, 0) }));
    const { events } = run(r, samples);
    // fire at 10:00; 10:01, 10:05, 10:30 are within 60 min of it; 11:00:30 is 60.5 min after it
    assert.deepStrictEqual(notified(events), ['fired@10:00:00', 'reminder@11:00:30']);
  });

  it('a daily-cost rule crossed again after its budget period resets fires again', () => {
    const r = rule({ id: 'daily', metric: 'costPerDay', warning: 5, windowMinutes: 1440, cooldownMinutes: 60 });
    const day1 = t(0, 0, 0, 1), day2 = t(0, 0, 0, 2);
    const { events, state } = run(r, [
      { at: t(23, 0, 0, 1), value: 6, calls: 3, periodStart: day1 },   // 6 > 5: fires
      { at: t(23, 30, 0, 1), value: 8, calls: 4, periodStart: day1 },  // still firing, 30 min < cooldown: quiet
      { at: t(0, 10, 0, 2), value: 1, calls: 1, periodStart: day2 },   // new day: episode ends, $1 is clear
      { at: t(9, 0, 0, 2), value: 7, calls: 5, periodStart: day2 },    // 7 > 5 again: fires again
    ]);
    assert.deepStrictEqual(kinds(events), ['fired@23:00:00', 'periodReset@00:10:00', 'fired@09:00:00']);
    assert.deepStrictEqual(notified(events), ['fired@23:00:00', 'fired@09:00:00']);
    assert.strictEqual(state.status, 'firing');
    assert.strictEqual(state.episodeId, `daily@${t(9, 0, 0, 2)}`);
  });

  it('per-minute error rates 4.9 5.1 5.2 4.9 5.1 4.8 4.7 % against 5 % with a 2-minute pending period fire once and resolve once', () => {
    const r = rule({ warning: 5, windowMinutes: 1, forMinutes: 2 });
    const rates = [4.9, 5.1, 5.2, 4.9, 5.1, 4.8, 4.7];
    const { events, state } = run(r, rates.map((value, i) => ({ at: t(10, i), value, calls: 100 })));
    // 10:01 breach starts (counted from 10:00, the sample covers minute 10:00-10:01); 10:02: 2 min of breach -> fire.
    // 10:03 clear for 1 min, 10:04 breach again (clear stretch restarts), 10:05 clear 1 min, 10:06 clear 2 min -> resolve.
    assert.deepStrictEqual(kinds(events), ['pending@10:01:00', 'fired@10:02:00', 'resolved@10:06:00']);
    assert.deepStrictEqual(notified(events), ['fired@10:02:00', 'resolved@10:06:00']);
    assert.strictEqual(state.status, 'resolved');
  });

  it('an empty window neither fires nor resolves', () => {
    const r = rule({ warning: 5, forMinutes: 0 });
    // ok rule: empty windows (null value, 0 calls) never fire
    const quiet = run(r, [{ at: t(10, 0), value: null, calls: 0 }, { at: t(10, 1), value: null, calls: 0 }]);
    assert.deepStrictEqual(kinds(quiet.events), ['noData@10:00:00']);
    assert.strictEqual(quiet.state.status, 'noData');
    assert.strictEqual(describeAlertState(quiet.state, 'UTC'), 'no data since 10:00');

    // firing rule: an empty window does not resolve it
    const firing = run(r, [
      { at: t(10, 0), value: 9, calls: 10 },
      { at: t(10, 1), value: null, calls: 0 },
      { at: t(10, 2), value: null, calls: 0 },
    ]);
    assert.deepStrictEqual(kinds(firing.events), ['fired@10:00:00', 'noData@10:01:00']);
    assert.strictEqual(firing.state.status, 'firing');
    assert.strictEqual(describeAlertState(firing.state, 'UTC'), 'firing (warning) since 10:00, no data since 10:01');
  });

  it('no-data minutes do not count toward the clear stretch that resolves a rule', () => {
    const r = rule({ warning: 5, windowMinutes: 1, forMinutes: 2 });
    const { events } = run(r, [
      { at: t(10, 0), value: 9, calls: 10 }, // first evaluation: breach counted from 10:00, 0 min < 2
      { at: t(10, 1), value: 9, calls: 10 }, // 1 min
      { at: t(10, 2), value: 9, calls: 10 }, // 2 min: fire
      { at: t(10, 3), value: null, calls: 0 },
      { at: t(10, 4), value: 1, calls: 10 }, // clear since 10:03 (the no-data evaluation): 1 min
      { at: t(10, 5), value: 1, calls: 10 }, // 2 min: resolve
    ]);
    assert.deepStrictEqual(kinds(events), ['pending@10:00:00', 'fired@10:02:00', 'noData@10:03:00', 'dataBack@10:04:00', 'resolved@10:05:00']);
  });

  it('a rule with a minimum of 20 calls ignores a window of 3', () => {
    const r = rule({ warning: 5, minCalls: 20 });
    // 2 errors out of 3 calls = 66.7 %, far above 5 %, but 3 < 20 calls: no data
    const { events, state } = run(r, [{ at: t(10, 0), value: (2 / 3) * 100, calls: 3 }]);
    assert.deepStrictEqual(kinds(events), ['noData@10:00:00']);
    assert.strictEqual(state.status, 'noData');
    // 20 calls with the same rate do fire
    const enough = run(r, [{ at: t(10, 0), value: (14 / 20) * 100, calls: 20 }]);
    assert.deepStrictEqual(notified(enough.events), ['fired@10:00:00']);
  });

  it('escalates warning -> critical at once, de-escalates quietly, resolves', () => {
    const r = rule({ warning: 10, critical: 20, forMinutes: 0, severity: 'error' });
    const { events } = run(r, [
      { at: t(10, 0), value: 12, calls: 50 }, // > 10: warning
      { at: t(10, 1), value: 25, calls: 50 }, // > 20: critical
      { at: t(10, 2), value: 15, calls: 50 }, // back to warning
      { at: t(10, 3), value: 5, calls: 50 },  // clear, pending period 0: resolve
    ]);
    assert.deepStrictEqual(kinds(events), ['fired@10:00:00', 'escalated@10:01:00', 'deescalated@10:02:00', 'resolved@10:03:00']);
    assert.deepStrictEqual(events.map(e => [e.level, e.severity, e.threshold]),
      [['warning', 'error', 10], ['critical', 'critical', 20], ['warning', 'error', 10], ['warning', 'info', 10]]); // resolved carries the level it resolved from
    assert.deepStrictEqual(notified(events), ['fired@10:00:00', 'escalated@10:01:00', 'resolved@10:03:00']);
  });

  it('a "below" rule fires when the value drops under the threshold', () => {
    const r = rule({ metric: 'cacheHitRate', comparison: 'below', warning: 30, critical: 10 });
    const { events } = run(r, [
      { at: t(10, 0), value: 35, calls: 50 }, // 35 >= 30: ok
      { at: t(10, 1), value: 25, calls: 50 }, // < 30: warning
      { at: t(10, 2), value: 5, calls: 50 },  // < 10: critical
    ]);
    assert.deepStrictEqual(kinds(events), ['fired@10:01:00', 'escalated@10:02:00']);
  });

  it('reminds every cooldown while firing; cooldown 0 means no reminders', () => {
    const samples = [0, 30, 60, 89, 120, 150].map(m => ({ at: t(10, 0) + m * MIN, value: 9, calls: 10 }));
    // fire at 10:00; reminders when 60 min have passed since the last notification: 11:00, 12:00
    assert.deepStrictEqual(notified(run(rule({ cooldownMinutes: 60 }), samples).events), ['fired@10:00:00', 'reminder@11:00:00', 'reminder@12:00:00']);
    assert.deepStrictEqual(notified(run(rule({ cooldownMinutes: 0 }), samples).events), ['fired@10:00:00']);
  });

  it('no data while pending starts the pending period over', () => {
    const r = rule({ warning: 5, windowMinutes: 1, forMinutes: 2 });
    const { events } = run(r, [
      { at: t(10, 0), value: 1, calls: 10 },
      { at: t(10, 1), value: 9, calls: 10 },  // breach counted from 10:00: 1 min
      { at: t(10, 2), value: null, calls: 0 }, // no data: pending dropped
      { at: t(10, 3), value: 9, calls: 10 },  // breach counted from 10:02: 1 min
      { at: t(10, 4), value: 9, calls: 10 },  // 2 min: fire
    ]);
    assert.deepStrictEqual(kinds(events), ['pending@10:01:00', 'noData@10:02:00', 'dataBack@10:03:00', 'pending@10:03:00', 'fired@10:04:00']);
  });

  it('a pending period that reaches the critical level fires at critical', () => {
    const r = rule({ warning: 10, critical: 20, windowMinutes: 1, forMinutes: 2 });
    const { events } = run(r, [
      { at: t(10, 0), value: 1, calls: 10 },
      { at: t(10, 1), value: 12, calls: 10 },
      { at: t(10, 2), value: 25, calls: 10 },
    ]);
    assert.deepStrictEqual(events.map(e => [e.kind, e.level, e.severity]), [['pending', 'warning', 'error'], ['fired', 'critical', 'critical']]);
  });

  it('an acknowledged episode sends no reminders', () => {
    const r = rule({ warning: 5, cooldownMinutes: 10 });
    const engine = new AlertEngine();
    const sampler = (): { value: number; calls: number } => ({ value: 9, calls: 10 });
    const r1 = engine.evaluateAll([r], sampler, t(10, 0));
    assert.strictEqual(r1.notify?.rules[0].kind, 'fired');
    assert.strictEqual(engine.acknowledge(`r@${t(10, 0)}`), true);
    // 10:20 is 20 min after the fire, past the 10-min cooldown, but the episode is acknowledged
    assert.strictEqual(engine.evaluateAll([r], sampler, t(10, 20)).notify, null);
    assert.strictEqual(describeAlertState(engine.state('r'), 'UTC'), 'firing (warning) since 10:00, acknowledged');
  });
});

describe('alerts: AlertEngine', () => {
  it('three rules firing in one round give ONE grouped notification with the highest severity', () => {
    const rules = [
      rule({ id: 'a', name: 'Errors', severity: 'warning', warning: 5 }),
      rule({ id: 'b', name: 'Latency', metric: 'avgLatency', severity: 'info', warning: 1000 }),
      rule({ id: 'c', name: 'Spend', metric: 'costPerHour', severity: 'error', warning: 1 }),
    ];
    const values: Record<string, number> = { a: 12.5, b: 2500, c: 1.5 };
    const engine = new AlertEngine();
    const round = engine.evaluateAll(rules, r => ({ value: values[r.id], calls: 40 }), t(10, 0));
    assert.strictEqual(round.transitions.length, 3);
    assert.ok(round.notify);
    assert.strictEqual(round.notify.severity, 'error'); // max of warning, info, error
    assert.deepStrictEqual(round.notify.rules.map(n => [n.ruleId, n.kind]), [['a', 'fired'], ['b', 'fired'], ['c', 'fired']]);
    assert.strictEqual(round.notify.message,
      '3 alerts: Errors fired: 12.5 % above 5 %; Latency fired: 2500 ms above 1000 ms; Spend fired: $1.5/h above $1/h');
    // next round, same values: still firing, no reminder before the 60-min cooldown
    assert.strictEqual(engine.evaluateAll(rules, r => ({ value: values[r.id], calls: 40 }), t(10, 1)).notify, null);
  });

  it('silence suppresses notifications but keeps tracking state', () => {
    const r = rule({ id: 's', warning: 5, cooldownMinutes: 60 });
    const engine = new AlertEngine();
    engine.silence('s', t(10, 30));
    let value = 9;
    const sampler = (): { value: number; calls: number } => ({ value, calls: 10 });
    const fired = engine.evaluateAll([r], sampler, t(10, 0));
    assert.strictEqual(fired.notify, null);
    assert.deepStrictEqual(fired.transitions.map(e => [e.kind, e.notify, e.silenced]), [['fired', false, true]]);
    assert.strictEqual(engine.state('s').status, 'firing');
    assert.strictEqual(engine.evaluateAll([r], sampler, t(10, 10)).notify, null);
    // silence over at 10:30: the still-firing rule, never notified, is told once
    const after = engine.evaluateAll([r], sampler, t(10, 30));
    assert.deepStrictEqual(after.notify?.rules.map(n => n.kind), ['reminder']);
    value = 1;
    assert.deepStrictEqual(engine.evaluateAll([r], sampler, t(10, 31)).notify?.rules.map(n => n.kind), ['resolved']);
  });

  it('a rule that fires and resolves inside a silence never notifies', () => {
    const r = rule({ id: 's', warning: 5 });
    const engine = new AlertEngine();
    engine.silence('s', t(11, 0));
    assert.strictEqual(engine.evaluateAll([r], () => ({ value: 9, calls: 10 }), t(10, 0)).notify, null);
    const res = engine.evaluateAll([r], () => ({ value: 1, calls: 10 }), t(10, 5));
    assert.strictEqual(res.notify, null);
    assert.deepStrictEqual(res.transitions.map(e => e.kind), ['resolved']);
  });

  it('a sampler that throws counts as no data and is reported', () => {
    const engine = new AlertEngine();
    const round = engine.evaluateAll([rule({ id: 'x' })], () => { throw new Error('db closed'); }, t(10, 0));
    assert.deepStrictEqual(round.errors, ['x: db closed']);
    assert.strictEqual(engine.state('x').status, 'noData');
  });

  it('a disabled or removed rule drops its state, closing a firing episode quietly', () => {
    const engine = new AlertEngine();
    const r = rule({ id: 'd' });
    engine.evaluateAll([r], () => ({ value: 9, calls: 10 }), t(10, 0));
    const round = engine.evaluateAll([{ ...r, enabled: false }], () => ({ value: 9, calls: 10 }), t(10, 1));
    assert.deepStrictEqual(round.transitions.map(e => [e.kind, e.episodeId]), [['closed', `d@${t(10, 0)}`]]);
    assert.strictEqual(round.notify, null);
    assert.strictEqual(engine.state('d').status, 'ok');
  });

  it('acknowledgeAll counts firing episodes', () => {
    const engine = new AlertEngine();
    engine.evaluateAll([rule({ id: 'a' }), rule({ id: 'b' }), rule({ id: 'c', warning: 50 })], () => ({ value: 9, calls: 10 }), t(10, 0));
    assert.strictEqual(engine.acknowledgeAll(), 2); // a and b fire (9 > 5), c does not (9 < 50)
    assert.strictEqual(engine.acknowledgeAll(), 0);
  });
});

describe('alerts: rules and validation', () => {
  it('package.json contributes exactly the exported settings schema (plus its display order)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(process.cwd(), 'package.json'), 'utf8'));
    const confs = Array.isArray(pkg.contributes.configuration) ? pkg.contributes.configuration : [pkg.contributes.configuration];
    const prop = confs.map((c: { properties: Record<string, unknown> }) => c.properties['apiMonitor.alerts.rules']).find(Boolean);
    const { order: _order, ...rest } = prop;
    assert.deepStrictEqual(rest, JSON.parse(JSON.stringify(ALERT_RULES_SETTING_SCHEMA)));
  });

  it('the four default rules are valid', () => {
    const v = validateAlertRules(JSON.parse(JSON.stringify(DEFAULT_ALERT_RULES)));
    assert.deepStrictEqual(v.errors, []);
    assert.deepStrictEqual(v.rules, DEFAULT_ALERT_RULES);
    assert.deepStrictEqual(v.rules.map(r => [r.metric, r.comparison, r.warning, r.windowMinutes, r.severity]), [
      ['errorRate', 'above', 10, 5, 'error'],
      ['avgLatency', 'above', 10000, 10, 'warning'],
      ['costPerHour', 'above', 1, 60, 'warning'],
      ['cacheHitRate', 'below', 30, 30, 'info'],
    ]);
  });

  it('fills defaults for omitted fields', () => {
    const v = validateAlertRules([{ id: 'x', metric: 'p95Latency', warning: 2000 }]);
    assert.deepStrictEqual(v.errors, []);
    assert.deepStrictEqual(v.rules, [{ id: 'x', metric: 'p95Latency', scope: { kind: 'all' }, comparison: 'above', warning: 2000,
      windowMinutes: 5, forMinutes: 0, minCalls: 1, cooldownMinutes: 60, severity: 'warning', enabled: true }]);
  });

  it('reports each problem with its path, keeps the good rules, never throws', () => {
    const v = validateAlertRules([
      { id: 'ok', metric: 'errorRate', warning: 5, scope: { kind: 'endpoint', value: '/v1/chat' } },
      { id: 'bad1', metric: 'errors', warning: 'high' },
      { metric: 'errorRate' },
      'nope',
      { id: 'ok', metric: 'errorRate', critical: 9 },
      { id: 'bad2', metric: 'throughput', warning: 10, critical: 5, windowMinutes: 0, minCalls: 2.5, scope: { kind: 'model' }, colour: 'red' },
    ]);
    assert.deepStrictEqual(v.rules.map(r => r.id), ['ok']);
    assert.deepStrictEqual(v.rules[0].scope, { kind: 'endpoint', value: '/v1/chat' });
    assert.deepStrictEqual(v.errors, [
      'rules[1].metric: must be one of errorRate, avgLatency, p95Latency, throughput, costPerHour, costPerDay, budgetUse, cacheHitRate, got "errors"',
      'rules[1].warning: must be a number, got "high"',
      'rules[2].id: must be a non-empty string, got undefined',
      'rules[2]: needs a "warning" or a "critical" threshold (or both)',
      'rules[3]: must be an object, got "nope"',
      'rules[4].id: duplicate id "ok" (rule ignored)',
      'rules[5].colour: unknown property',
      'rules[5].scope.value: must be a non-empty model name, got undefined',
      'rules[5].critical: must not be below warning for "above" (5 < 10)',
      'rules[5].windowMinutes: must be greater than 0, got 0',
      'rules[5].minCalls: must be a whole number, got 2.5',
    ]);
    assert.deepStrictEqual(validateAlertRules({ not: 'an array' }).errors, ['rules: must be an array of rules, got {"not":"an array"}']);
    assert.deepStrictEqual(validateAlertRules(undefined), { rules: [], errors: [] });
  });
});

describe('alerts: sampleFromWindow', () => {
  const w: WindowStats = {
    from: 0, to: 600_000, calls: 40, errors: 5, successRate: 35 / 40, errorRate: 5 / 40,
    latency: { n: 40, avg: 812.5, p50: 700, p95: 2100, p99: 3000, method: 'exact' }, throughputPerMin: 4,
    responseCacheHitRate: 0.25, responseCacheHits: 10, promptCacheTokenShare: null, inputTokens: 0, outputTokens: 0,
    cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0.5, unpricedCalls: 0, costPerHour: 3,
  };
  it('maps every metric, rates in percent, null when unknown', () => {
    const v = (metric: AlertRule['metric'], extra = {}): number | null => sampleFromWindow(rule({ metric }), w, extra).value;
    assert.strictEqual(v('errorRate'), 12.5); // 5 / 40 = 0.125 -> 12.5 %
    assert.strictEqual(v('avgLatency'), 812.5);
    assert.strictEqual(v('p95Latency'), 2100);
    assert.strictEqual(v('throughput'), 4);
    assert.strictEqual(v('costPerHour'), 3);
    assert.strictEqual(v('cacheHitRate'), 25); // 0.25 -> 25 %
    assert.strictEqual(v('costPerDay'), null); // no costToday given: no data, not 0
    assert.strictEqual(v('costPerDay', { costToday: 4.2 }), 4.2);
    assert.strictEqual(v('budgetUse', { budgetShare: 0.8 }), 80);
    assert.deepStrictEqual(sampleFromWindow(rule({ metric: 'costPerDay' }), w, { costToday: 1, callsToday: 7, periodStart: 99 }),
      { value: 1, calls: 7, periodStart: 99 });
    assert.strictEqual(sampleFromWindow(rule({ metric: 'errorRate' }), { ...w, calls: 0, errorRate: null }).value, null);
  });

  it('builds the window filter of a rule', () => {
    assert.deepStrictEqual(ruleWindowFilter(rule({ windowMinutes: 5, scope: { kind: 'model', value: 'gpt-4o' } }), 10 * MIN),
      { from: 5 * MIN, to: 10 * MIN + 1, model: 'gpt-4o' });
  });
});
