import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import initSqlJs from 'sql.js';
import type { Database } from 'sql.js';
import { AlertHistory } from '../../src/core/alerts/history';
import { AlertEngine, seedAlertStates } from '../../src/core/alerts/alertEngine';
import type { AlertRule } from '../../src/core/alerts/rules';

const t = (hh: number, mm: number, day = 1, ss = 0): number => Date.UTC(2025, 2, day, hh, mm, ss);

async function openDb(): Promise<Database> {
  const wasmBinary = fs.readFileSync(path.join(process.cwd(), 'node_modules/sql.js/dist/sql-wasm.wasm'));
  const SQL = await initSqlJs({ wasmBinary: wasmBinary as unknown as ArrayBuffer });
  return new SQL.Database();
}

const errRule: AlertRule = {
  id: 'err', name: 'Errors on chat', metric: 'errorRate', scope: { kind: 'endpoint', value: '/v1/chat' }, comparison: 'above',
  warning: 5, critical: 20, windowMinutes: 5, forMinutes: 0, minCalls: 1, cooldownMinutes: 10, severity: 'error', enabled: true,
};
const costRule: AlertRule = {
  id: 'cost', metric: 'costPerHour', scope: { kind: 'all' }, comparison: 'above', warning: 1, windowMinutes: 60,
  forMinutes: 0, minCalls: 1, cooldownMinutes: 60, severity: 'warning', enabled: true,
};

describe('alerts: AlertHistory over sql.js', () => {
  it('records episodes and transitions, lists, acknowledges and prunes', async () => {
    const db = await openDb();
    const history = new AlertHistory(db);
    new AlertHistory(db); // creating the tables twice is harmless
    const engine = new AlertEngine();
    const rules = [errRule, costRule];
    // error rate per round, cost per hour per round
    const rounds: [number, number, number][] = [
      [t(10, 0), 8, 2],    // err fires (8 > 5, warning); cost fires (2 > 1)
      [t(10, 5), 25, 2],   // err escalates (25 > 20)
      [t(10, 15), 25, 0.5], // err reminder (15 min since the 10:05 escalation >= 10); cost resolves (0.5 <= 1)
      [t(10, 20), 1, 0.5], // err resolves
      [t(12, 0), 9, 0.5],  // err fires again
    ];
    for (const [at, err, cost] of rounds) {
      const round = engine.evaluateAll(rules, r => ({ value: r.id === 'err' ? err : cost, calls: 30 }), at);
      history.recordAll(round.transitions, rules);
    }

    const all = history.list({ from: t(0, 0), to: t(23, 0) });
    assert.deepStrictEqual(all.map(r => [r.id, r.state, r.level, r.value, r.startedAt, r.resolvedAt, r.lastNotifiedAt]), [
      [`err@${t(12, 0)}`, 'firing', 'warning', 9, t(12, 0), null, t(12, 0)],
      [`cost@${t(10, 0)}`, 'resolved', 'warning', 0.5, t(10, 0), t(10, 15), t(10, 0)],
      [`err@${t(10, 0)}`, 'resolved', 'critical', 1, t(10, 0), t(10, 20), t(10, 15)],
    ]);
    const first = all[2];
    assert.deepStrictEqual([first.ruleName, first.scope, first.metric, first.severity, first.threshold],
      ['Errors on chat', 'endpoint:/v1/chat', 'errorRate', 'critical', 20]);

    // overlap filter: [10:16, 11:00) holds the err episode resolved at 10:20, not the cost one resolved at 10:15
    assert.deepStrictEqual(history.list({ from: t(10, 16), to: t(11, 0) }).map(r => r.id), [`err@${t(10, 0)}`]);
    assert.deepStrictEqual(history.list({ from: t(0, 0), to: t(23, 0), ruleId: 'err', state: 'firing' }).map(r => r.id), [`err@${t(12, 0)}`]);

    const trans = history.transitions({ from: t(0, 0), to: t(23, 0), ruleId: 'err' });
    assert.deepStrictEqual(trans.map(x => [x.kind, x.notified]),
      [['fired', true], ['escalated', true], ['reminder', true], ['resolved', true], ['fired', true]]);

    assert.strictEqual(history.acknowledge(`err@${t(12, 0)}`, t(12, 1)), true);
    assert.strictEqual(history.acknowledge(`err@${t(12, 0)}`, t(12, 2)), false); // already acknowledged
    assert.strictEqual(history.acknowledge('nope', t(12, 2)), false);
    assert.strictEqual(history.acknowledgeAll(t(12, 3)), 2); // the two resolved episodes
    assert.strictEqual(history.list({ from: t(0, 0), to: t(23, 0), ruleId: 'err', state: 'firing' })[0].acknowledgedAt, t(12, 1));

    // prune before 10:18: only the cost episode ended before (10:15); the firing one is kept whatever its age
    assert.strictEqual(history.prune(t(10, 18)), 1);
    assert.deepStrictEqual(history.list({ from: t(0, 0), to: t(23, 0) }).map(r => r.id), [`err@${t(12, 0)}`, `err@${t(10, 0)}`]);
    assert.strictEqual(history.prune(t(23, 0)), 1);
    assert.deepStrictEqual(history.list({ from: t(0, 0), to: t(23, 0) }).map(r => r.id), [`err@${t(12, 0)}`]);
    assert.deepStrictEqual(history.transitions({ from: t(0, 0), to: t(23, 59) }).length, 0);
    db.close();
  });

  it('a budget-period reset ends the episode as "reset"; a removed rule closes it', async () => {
    const db = await openDb();
    const history = new AlertHistory(db);
    const daily: AlertRule = { ...costRule, id: 'daily', metric: 'costPerDay', warning: 5, windowMinutes: 1440 };
    const engine = new AlertEngine();
    const round = (rules: AlertRule[], at: number, value: number, periodStart: number): void => {
      history.recordAll(engine.evaluateAll(rules, () => ({ value, calls: 3, periodStart }), at).transitions, rules);
    };
    round([daily, costRule], t(23, 0), 6, t(0, 0));         // both fire (6 > 5, 6 > 1)
    round([daily, costRule], t(0, 10, 2), 1, t(0, 0, 2));   // new day: daily reset; cost resolves (1 <= 1)
    round([daily], t(0, 20, 2), 7, t(0, 0, 2));              // daily fires again
    round([], t(0, 30, 2), 7, t(0, 0, 2));                   // rule removed: closed
    assert.deepStrictEqual(history.list({ from: 0, to: t(23, 0, 2) }).map(r => [r.ruleId, r.state, r.resolvedAt]), [
      ['daily', 'closed', t(0, 30, 2)],
      ['cost', 'resolved', t(0, 10, 2)], // same start (23:00) as the next: ordered by id
      ['daily', 'reset', t(0, 10, 2)],
    ]);
    db.close();
  });

  it('stores a rule name with quotes and SQL as plain data', async () => {
    const db = await openDb();
    const history = new AlertHistory(db);
    const evil: AlertRule = { ...costRule, id: "x'); DROP TABLE alert_events;--", name: 'a "b" \'c\'' };
    const engine = new AlertEngine();
    history.recordAll(engine.evaluateAll([evil], () => ({ value: 5, calls: 1 }), t(9, 0)).transitions, [evil]);
    const rows = history.list({ from: 0, to: t(23, 0) });
    assert.deepStrictEqual(rows.map(r => [r.ruleId, r.ruleName]), [[evil.id, evil.name]]);
    db.close();
  });
});

describe('alerts: a restart continues the episodes open in the history', () => {
  const rule: AlertRule = { ...costRule, id: 'hourly', cooldownMinutes: 60 };
  const rules = [rule];
  // cost per hour $3 against $1: a breach at every round
  const round = (engine: AlertEngine, history: AlertHistory, at: number, value = 3): ReturnType<AlertEngine['evaluateAll']> => {
    const r = engine.evaluateAll(rules, () => ({ value, calls: 10 }), at);
    history.recordAll(r.transitions, rules);
    return r;
  };

  it('fired at 10:00, restarted at 10:20 with the breach still there: no new episode, no notice; a reminder at 11:00:30', async () => {
    const db = await openDb();
    const history = new AlertHistory(db);
    const first = new AlertEngine();
    assert.deepStrictEqual(round(first, history, t(10, 0)).notify?.rules.map(n => n.kind), ['fired']);

    // the new window has no saved state (another workspace state) but reads the same history
    const seed = seedAlertStates([], new AlertHistory(db).openEpisodes());
    assert.deepStrictEqual(seed.orphans, []);
    const second = new AlertEngine(seed.states);
    assert.deepStrictEqual([second.state('hourly').status, second.state('hourly').firedAt], ['firing', t(10, 0)]);
    const at1020 = round(second, history, t(10, 20));
    // 20 min since the 10:00 notice < 60 min cooldown: nothing happens
    assert.deepStrictEqual(at1020.transitions, []);
    assert.strictEqual(at1020.notify, null);
    assert.deepStrictEqual(history.list({ from: 0, to: t(23, 0) }).map(r => [r.id, r.state, r.startedAt]),
      [[`hourly@${t(10, 0)}`, 'firing', t(10, 0)]]);
    // 11:00:30 - 10:00 = 60.5 min >= 60: one reminder of the same episode
    const at1100 = round(second, history, t(11, 0, 1, 30));
    assert.deepStrictEqual(at1100.notify?.rules.map(n => [n.kind, n.episodeId]), [['reminder', `hourly@${t(10, 0)}`]]);
    assert.deepStrictEqual(history.list({ from: 0, to: t(23, 0) }).map(r => [r.id, r.state, r.lastNotifiedAt]),
      [[`hourly@${t(10, 0)}`, 'firing', t(11, 0, 1, 30)]]);

    // without the seed the second window would have fired a second episode at 10:20 (the reported bug)
    const unseeded = new AlertEngine().evaluateAll(rules, () => ({ value: 3, calls: 10 }), t(10, 20));
    assert.deepStrictEqual(unseeded.notify?.rules.map(n => n.kind), ['fired']);
    db.close();
  });

  it('the cooldown runs from the last notice in the history, and an acknowledgement is kept', async () => {
    const db = await openDb();
    const history = new AlertHistory(db);
    const first = new AlertEngine();
    round(first, history, t(10, 0));
    round(first, history, t(11, 5)); // reminder: 65 min >= 60
    history.acknowledge(`hourly@${t(10, 0)}`, t(11, 6));
    // saved state from before the reminder (stale): lastNotifiedAt 10:00, not acknowledged
    const staleSaved = { ...first.state('hourly'), lastNotifiedAt: t(10, 0), acknowledged: false };
    const seed = seedAlertStates([staleSaved], history.openEpisodes());
    const s = seed.states.find(x => x.ruleId === 'hourly')!;
    assert.deepStrictEqual([s.lastNotifiedAt, s.acknowledged], [t(11, 5), true]);
    // acknowledged: no reminder even at 13:00 (well past 11:05 + 60 min)
    const second = new AlertEngine(seed.states);
    assert.strictEqual(round(second, history, t(13, 0)).notify, null);
    db.close();
  });

  it('duplicate open episodes of one rule: the newest is continued, the older one closed; a saved episode the history closed is dropped', async () => {
    const db = await openDb();
    const history = new AlertHistory(db);
    round(new AlertEngine(), history, t(10, 0));
    round(new AlertEngine(), history, t(10, 20)); // what the old version did on a restart: a second "firing" row
    const seed = seedAlertStates([], history.openEpisodes());
    assert.deepStrictEqual(seed.orphans, [`hourly@${t(10, 0)}`]);
    assert.deepStrictEqual(seed.states.map(x => [x.ruleId, x.episodeId]), [['hourly', `hourly@${t(10, 20)}`]]);
    assert.strictEqual(history.closeEpisode(`hourly@${t(10, 0)}`, t(10, 30)), true);
    assert.strictEqual(history.closeEpisode(`hourly@${t(10, 0)}`, t(10, 31)), false); // not firing any more
    assert.strictEqual(history.episodeState(`hourly@${t(10, 0)}`), 'closed');
    assert.strictEqual(history.episodeState('nope'), null);

    // another window resolved the 10:20 episode; this window's saved state still says firing
    const other = new AlertEngine(seed.states);
    round(other, history, t(10, 40), 0.5); // 0.5 <= 1 with forMinutes 0: resolves
    const saved = { ...seed.states[0] };
    const again = seedAlertStates([saved], history.openEpisodes(), { episodeState: id => history.episodeState(id) });
    assert.deepStrictEqual(again.states, []);
    db.close();
  });

  it('a daily-cost episode from yesterday is ended by the period reset on the first round after a restart', async () => {
    const db = await openDb();
    const history = new AlertHistory(db);
    const daily: AlertRule = { ...costRule, id: 'daily', metric: 'costPerDay', warning: 5, windowMinutes: 1440 };
    history.recordAll(new AlertEngine().evaluateAll([daily], () => ({ value: 6, calls: 3, periodStart: t(0, 0) }), t(23, 0)).transitions, [daily]);
    // day start of the episode's 23:00 (UTC day): 00:00 of day 1
    const seed = seedAlertStates([], history.openEpisodes(), { periodStartOf: (_m, at) => at - (at % 86_400_000) });
    assert.strictEqual(seed.states[0].periodStart, t(0, 0));
    // restart on day 2 at 00:10, $1 so far: the day-1 episode ends (periodReset), nothing fires
    const r = new AlertEngine(seed.states).evaluateAll([daily], () => ({ value: 1, calls: 1, periodStart: t(0, 0, 2) }), t(0, 10, 2));
    history.recordAll(r.transitions, [daily]);
    assert.deepStrictEqual(r.transitions.map(e => e.kind), ['periodReset']);
    assert.deepStrictEqual(history.list({ from: 0, to: t(23, 0, 2) }).map(x => [x.state, x.resolvedAt]), [['reset', t(0, 10, 2)]]);
    db.close();
  });
});
