import * as assert from 'assert';
import {
  startOfDay, startOfMonth, startOfNextDay, startOfNextMonth, startOfNextWeek, startOfWeek, zonedMidnight,
} from '../../src/core/pricing/zoneTime';
import { budgetStatus, parseBudget } from '../../src/core/pricing/budget';
import { projectSpend } from '../../src/core/pricing/projection';
import type { DailyCost } from '../../src/core/pricing/types';

const Z = (iso: string): number => Date.parse(iso);
const H = 3_600_000;
const close = (a: number | null, b: number, eps = 1e-9): void => {
  assert.ok(a !== null, 'expected a number, got null');
  assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);
};

/** consecutive local days from a local date, each with a cost */
function days(tz: string, y: number, m: number, d: number, costs: number[]): DailyCost[] {
  return costs.map((c, i) => ({ start: zonedMidnight(y, m, d + i, tz), costUsd: c }));
}

describe('pricing: zone calendar math', () => {
  it('day boundaries on DST days (23 h and 25 h days in Europe/Berlin)', () => {
    // 2024-03-31: 00:00 CET (+1) = 2024-03-30T23:00Z; next midnight is CEST (+2) = 22:00Z; 23 h
    assert.strictEqual(startOfDay(Z('2024-03-31T12:00:00Z'), 'Europe/Berlin'), Z('2024-03-30T23:00:00Z'));
    assert.strictEqual(startOfNextDay(Z('2024-03-31T12:00:00Z'), 'Europe/Berlin'), Z('2024-03-31T22:00:00Z'));
    // 2024-10-27: 00:00 CEST = 26th 22:00Z; next midnight CET = 27th 23:00Z; 25 h
    assert.strictEqual(startOfDay(Z('2024-10-27T12:00:00Z'), 'Europe/Berlin'), Z('2024-10-26T22:00:00Z'));
    assert.strictEqual(startOfNextDay(Z('2024-10-27T12:00:00Z'), 'Europe/Berlin'), Z('2024-10-27T23:00:00Z'));
  });

  it('a day whose midnight does not exist starts at the jump (America/Santiago 2024-09-08)', () => {
    // clocks go from 00:00 (-04) to 01:00 (-03) at 04:00Z, so the day starts at 04:00Z
    assert.strictEqual(startOfDay(Z('2024-09-08T15:00:00Z'), 'America/Santiago'), Z('2024-09-08T04:00:00Z'));
    assert.strictEqual(startOfNextDay(Z('2024-09-07T15:00:00Z'), 'America/Santiago'), Z('2024-09-08T04:00:00Z'));
  });

  it('half-hour zones and local dates ahead of UTC', () => {
    // 2024-06-15T20:00Z is 06-16 01:30 in Kolkata (+05:30): the day began at 06-15T18:30Z
    assert.strictEqual(startOfDay(Z('2024-06-15T20:00:00Z'), 'Asia/Kolkata'), Z('2024-06-15T18:30:00Z'));
  });

  it('weeks start on Monday 00:00 local', () => {
    // Sunday 2024-03-10 (US DST day) 08:00 EDT: week began Monday 03-04 00:00 EST = 05:00Z,
    // next week begins Monday 03-11 00:00 EDT = 04:00Z
    assert.strictEqual(startOfWeek(Z('2024-03-10T12:00:00Z'), 'America/New_York'), Z('2024-03-04T05:00:00Z'));
    assert.strictEqual(startOfNextWeek(Z('2024-03-10T12:00:00Z'), 'America/New_York'), Z('2024-03-11T04:00:00Z'));
    assert.strictEqual(startOfWeek(Z('2024-03-11T04:00:00Z'), 'America/New_York'), Z('2024-03-11T04:00:00Z'));
  });

  it('months, including one that began earlier in UTC, and December to January', () => {
    // 2024-02-29T16:00Z is 03-01 01:00 in Tokyo (+9): March began 02-29T15:00Z; April at 03-31T15:00Z
    assert.strictEqual(startOfMonth(Z('2024-02-29T16:00:00Z'), 'Asia/Tokyo'), Z('2024-02-29T15:00:00Z'));
    assert.strictEqual(startOfNextMonth(Z('2024-02-29T16:00:00Z'), 'Asia/Tokyo'), Z('2024-03-31T15:00:00Z'));
    // December in Berlin ends at 2025-01-01 00:00 CET = 2024-12-31T23:00Z
    assert.strictEqual(startOfNextMonth(Z('2024-12-15T12:00:00Z'), 'Europe/Berlin'), Z('2024-12-31T23:00:00Z'));
  });
});

describe('pricing: budget status', () => {
  it('reads and validates apiMonitor.budget', () => {
    assert.deepStrictEqual(parseBudget({ amount: 10, period: 'day' }), { amount: 10, period: 'day', warnAt: undefined });
    assert.strictEqual(parseBudget({ amount: -1, period: 'day' }), null);
    assert.strictEqual(parseBudget({ amount: 5, period: 'year' }), null);
    assert.strictEqual(parseBudget('10'), null);
  });

  it('a budget period starts at local midnight of a non-UTC zone', () => {
    // 2024-07-10T02:00Z is 07-09 22:00 EDT: the day is 07-09T04:00Z .. 07-10T04:00Z
    const s = budgetStatus({ budget: { amount: 10, period: 'day' }, now: Z('2024-07-10T02:00:00Z'), timeZone: 'America/New_York', spentInPeriod: 1 });
    assert.strictEqual(s.periodStart, Z('2024-07-09T04:00:00Z'));
    assert.strictEqual(s.periodEnd, Z('2024-07-10T04:00:00Z'));
    const m = budgetStatus({ budget: { amount: 10, period: 'month' }, now: Z('2024-07-01T02:00:00Z'), timeZone: 'America/New_York', spentInPeriod: 1 });
    // still June 30 in New York: June began 06-01 00:00 EDT = 04:00Z
    assert.strictEqual(m.periodStart, Z('2024-06-01T04:00:00Z'));
    assert.strictEqual(m.periodEnd, Z('2024-07-01T04:00:00Z'));
  });

  it('a daily budget projects to the end of the day, not of the month', () => {
    const now = Z('2024-07-10T10:00:00Z'); // 12:00 in Berlin; the day ends at 22:00Z, 12 h left
    const s = budgetStatus({ budget: { amount: 10, period: 'day' }, now, timeZone: 'Europe/Berlin', spentInPeriod: 3, recentHourlyRate: 0.5 });
    assert.strictEqual(s.periodEnd, Z('2024-07-10T22:00:00Z'));
    close(s.projectedAtEnd, 3 + 0.5 * 12); // 9, under 10
    assert.strictEqual(s.runsOutAt, null); // 7 left at 0.5/h needs 14 h > 12 h
    close(s.share, 0.3);
    assert.deepStrictEqual(s.levelsCrossed, []);
    const t = budgetStatus({ budget: { amount: 10, period: 'day' }, now, timeZone: 'Europe/Berlin', spentInPeriod: 6, recentHourlyRate: 0.5 });
    close(t.projectedAtEnd, 6 + 0.5 * 12); // 12
    assert.strictEqual(t.runsOutAt, now + 8 * H); // 4 left / 0.5 per hour
    assert.deepStrictEqual(t.levelsCrossed, [50]);
    // no recent rate: today's average pace, 3 over 12 h elapsed = 0.25/h -> 3 + 0.25 x 12 = 6
    const u = budgetStatus({ budget: { amount: 10, period: 'day' }, now, timeZone: 'Europe/Berlin', spentInPeriod: 3 });
    close(u.projectedAtEnd, 6);
  });

  it('levels crossed and exhausted', () => {
    const s = budgetStatus({ budget: { amount: 10, period: 'day', warnAt: [100, 25] }, now: Z('2024-07-10T10:00:00Z'), timeZone: 'UTC', spentInPeriod: 12, recentHourlyRate: 1 });
    assert.deepStrictEqual(s.levelsCrossed, [25, 100]);
    assert.strictEqual(s.exhausted, true);
    assert.strictEqual(s.runsOutAt, null);
  });

  it('a weekly budget runs Monday to Monday in the display zone', () => {
    // Wed 2024-07-10 12:00 CEST; week = Mon 07-08 00:00 CEST (07-07T22:00Z) .. Mon 07-15 (07-14T22:00Z)
    // July 1..9 at $1/day, today $0.50 by noon; spent this week 1 + 1 + 0.5 = 2.5
    // projected 2.5 + rest of today 0.5 + Thu..Sun 4 x 1 = 7
    const s = budgetStatus({
      budget: { amount: 5, period: 'week' }, now: Z('2024-07-10T10:00:00Z'), timeZone: 'Europe/Berlin', spentInPeriod: 2.5,
      days: days('Europe/Berlin', 2024, 7, 1, new Array(9).fill(1)), todayCost: 0.5,
    });
    assert.strictEqual(s.periodStart, Z('2024-07-07T22:00:00Z'));
    assert.strictEqual(s.periodEnd, Z('2024-07-14T22:00:00Z'));
    close(s.projectedAtEnd, 7);
    // 2.5 left: 0.5 today, 1 Thursday, 1 Friday -> at the end of Friday, Sat 00:00 CEST
    assert.strictEqual(s.runsOutAt, Z('2024-07-12T22:00:00Z'));
    assert.deepStrictEqual(s.levelsCrossed, [50]);
  });

  it('a monthly budget projects from the daily series and finds when it runs out', () => {
    // April 1..10 at $2/day, today (11th) $1 by noon; spent 21. Rate = 2/day (last 7 days).
    // rest of today 2 x 0.5 = 1; 12th..30th = 19 days x 2 = 38; projected 21 + 1 + 38 = 60
    const s = budgetStatus({
      budget: { amount: 50, period: 'month' }, now: Z('2024-04-11T12:00:00Z'), timeZone: 'UTC', spentInPeriod: 21,
      days: days('UTC', 2024, 4, 1, new Array(10).fill(2)), todayCost: 1,
    });
    close(s.projectedAtEnd, 60);
    // 29 left: 1 for the rest of today, then 14 days x 2 = 28 -> at the end of April 25
    assert.strictEqual(s.runsOutAt, Z('2024-04-26T00:00:00Z'));
    close(s.share, 0.42);
  });
});

describe('pricing: projections', () => {
  it('on the 1st of a month: month so far is today, the rate comes from the days before', () => {
    // April 24..30 at $3/day; May 1 06:00Z with $0.75 spent (a quarter of the day gone)
    // 0.75 + rest of today 3 x 0.75 + May 2..31 30 x 3 = 0.75 + 2.25 + 90 = 93
    const p = projectSpend({ days: days('UTC', 2024, 4, 24, new Array(7).fill(3)), todayCost: 0.75, now: Z('2024-05-01T06:00:00Z'), timeZone: 'UTC' });
    close(p.periodTotal, 93);
    close(p.periodSoFar, 0.75);
    close(p.next30Days, 90);
    assert.strictEqual(p.periodStart, Z('2024-05-01T00:00:00Z'));
    assert.strictEqual(p.periodEnd, Z('2024-06-01T00:00:00Z'));
    assert.strictEqual(p.confidence, 'high');
    assert.ok(p.method.includes('last 7 complete days'));
  });

  it('data starts at the first day with calls: a zero-filled range does not dilute the rate', () => {
    // 56 days given, only the last 3 (May 29..31) had calls: $10, $10, $10 -> rate 10/day, no weekday pattern
    const costs = [...new Array(53).fill(0), 10, 10, 10];
    const p = projectSpend({ days: days('UTC', 2024, 4, 6, costs), todayCost: 0, now: Z('2024-06-01T00:00:00Z'), timeZone: 'UTC' });
    close(p.dailyRate, 10);
    assert.strictEqual(p.weekdayFactors, null);
    close(p.periodTotal, 300); // June: 30 days x 10
    // a day with calls but $0 counts as data: 4 days (0, 10, 10, 10) -> 30 / 4 = 7.5
    const withCalls = days('UTC', 2024, 4, 6, costs).map((d, i) => ({ ...d, calls: i >= 52 ? 5 : 0 }));
    close(projectSpend({ days: withCalls, todayCost: 0, now: Z('2024-06-01T00:00:00Z'), timeZone: 'UTC' }).dailyRate, 7.5);
  });

  it('less than a day of data: today\'s pace, with a note', () => {
    // $0.50 by 06:00 = 2/day; 0.5 + 2 x 0.75 + 30 x 2 = 62
    const p = projectSpend({ days: [], todayCost: 0.5, now: Z('2024-05-01T06:00:00Z'), timeZone: 'UTC' });
    close(p.periodTotal, 62);
    assert.strictEqual(p.confidence, 'low');
    assert.ok(p.note && p.note.includes('Less than a day'));
    // exactly at midnight with nothing: no projection, no NaN
    const q = projectSpend({ days: [], todayCost: 0, now: Z('2024-05-01T00:00:00Z'), timeZone: 'UTC' });
    assert.strictEqual(q.periodTotal, null);
    assert.strictEqual(q.next30Days, null);
    assert.strictEqual(q.confidence, 'none');
  });

  it('in December the month ends on January 1 of the next year', () => {
    // New York, Dec 10..19 at $4, Dec 20 12:00 EST with $2 (half the day)
    // so far 10 x 4 + 2 = 42; rest of today 2; Dec 21..31 = 11 x 4 = 44; total 88
    const p = projectSpend({ days: days('America/New_York', 2024, 12, 10, new Array(10).fill(4)), todayCost: 2, now: Z('2024-12-20T17:00:00Z'), timeZone: 'America/New_York' });
    assert.strictEqual(p.periodEnd, Z('2025-01-01T05:00:00Z'));
    // the text names the period's last local day (the end is the next period's start, midnight in New York)
    assert.ok(p.method.includes('; month of 31 days through Dec 31, 2024;'), p.method);
    close(p.periodSoFar, 42);
    close(p.periodTotal, 88);
  });

  it('uses a weekday pattern once two weeks of data exist', () => {
    // 21 days from Mon 2024-05-27 to Sun 06-16: weekdays $10, weekends $4; now Mon 06-17 noon with $5
    const costs = Array.from({ length: 21 }, (_, i) => (i % 7 < 5 ? 10 : 4));
    const p = projectSpend({ days: days('UTC', 2024, 5, 27, costs), todayCost: 5, now: Z('2024-06-17T12:00:00Z'), timeZone: 'UTC' });
    assert.ok(p.weekdayFactors !== null);
    // June so far: 1..16 has 10 weekdays and 6 weekend days = 100 + 24 = 124, + today 5 = 129
    // rest of today 10 x 0.5 = 5; 18..30: 9 weekdays x 10 + 4 weekend days x 4 = 106; total 240
    close(p.periodSoFar, 129);
    close(p.periodTotal, 240);
    // next 30 days, Tue 06-18 .. Wed 07-17: 22 weekdays x 10 + 8 weekend days x 4 = 252
    close(p.next30Days, 252);
    // with 13 days only: no weekday pattern
    const q = projectSpend({ days: days('UTC', 2024, 6, 4, costs.slice(8)), todayCost: 5, now: Z('2024-06-17T12:00:00Z'), timeZone: 'UTC' });
    assert.strictEqual(q.weekdayFactors, null);
  });

  it('month-end projection after 10 days is within 5 % of the real total (steady traffic, weekly pattern, noise)', () => {
    // mulberry32, a fixed seed: the same traffic every run
    let seed = 20250311;
    const rand = (): number => {
      seed = (seed + 0x6d2b79f5) >>> 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const tz = 'Europe/Berlin'; // March 2025 includes the DST change (30th, a 23 h day)
    const weekly = [0.5, 1.2, 1.2, 1.1, 1.1, 1.0, 0.6]; // Sunday .. Saturday
    const daily = (y: number, m: number, d: number): number =>
      50 * weekly[new Date(Date.UTC(y, m - 1, d)).getUTCDay()] * (1 + (rand() - 0.5) * 0.3); // +-15 % noise
    const history: DailyCost[] = [];
    for (let d = 1; d <= 28; d++) history.push({ start: zonedMidnight(2025, 2, d, tz), costUsd: daily(2025, 2, d) });
    const march: number[] = [];
    for (let d = 1; d <= 31; d++) march.push(daily(2025, 3, d));
    const realTotal = march.reduce((a, b) => a + b, 0);
    // after 10 complete days of March, on the 11th at 14:00 local, with the 11th's cost so far
    const now = zonedMidnight(2025, 3, 11, tz) + 14 * H;
    for (let d = 1; d <= 10; d++) history.push({ start: zonedMidnight(2025, 3, d, tz), costUsd: march[d - 1] });
    const p = projectSpend({ days: history, todayCost: march[10] * (14 / 24), now, timeZone: tz });
    const err = Math.abs(p.periodTotal! - realTotal) / realTotal;
    assert.ok(err < 0.05, `projected ${p.periodTotal} vs real ${realTotal}: ${(err * 100).toFixed(2)} %`);
    assert.strictEqual(p.confidence, 'high');
  });
});
