import * as assert from 'assert';
import { projectionPlan, projectSpend } from '../../src/core/pricing/projection';
import { zonedMidnight } from '../../src/core/pricing/zoneTime';

const Z = (iso: string): number => Date.parse(iso);
const H = 3_600_000;

// The projection remembers a zone's midnights and day numbers between calls: the answers must be the
// ones zoneTime computes, on DST days too, and the same on a second call.
describe('pricing: projection day boundaries (remembered per zone)', () => {
  const tz = 'America/New_York';
  // Friday 2024-11-01 12:00 EDT (UTC-4); clocks go back on Sunday 2024-11-03 at 02:00 (to UTC-5).
  const now = Z('2024-11-01T16:00:00Z');
  // 10 complete days at $2 (Oct 22..31), so the plan has a rate: 10 days < 14, so the last 7 days' average = $2/day
  const days = Array.from({ length: 10 }, (_, i) => ({ start: zonedMidnight(2024, 10, 22 + i, tz), costUsd: 2 }));

  it('segments end at local midnights, the fall-back day lasting 25 h', () => {
    for (let round = 0; round < 2; round++) {
      const p = projectionPlan({ days, todayCost: 1, now, timeZone: tz }, 3);
      assert.strictEqual(p.dailyRate, 2);
      // rest of today: 12:00 EDT -> Nov 2 00:00 EDT = 04:00Z, half the day left: 2 * 0.5
      assert.deepStrictEqual(p.segments.map(s => [s.start, s.end, s.expected]), [
        [now, Z('2024-11-02T04:00:00Z'), 2 * 0.5],
        [Z('2024-11-02T04:00:00Z'), Z('2024-11-03T04:00:00Z'), 2],
        // Nov 3: 00:00 EDT (04:00Z) to Nov 4 00:00 EST (05:00Z) = 25 h
        [Z('2024-11-03T04:00:00Z'), Z('2024-11-04T05:00:00Z'), 2],
        [Z('2024-11-04T05:00:00Z'), Z('2024-11-05T05:00:00Z'), 2],
      ]);
      assert.strictEqual(p.segments[2].end - p.segments[2].start, 25 * H);
    }
  });

  it('day, week (Monday) and month periods in the zone', () => {
    for (let round = 0; round < 2; round++) {
      const d = projectSpend({ days, todayCost: 1, now, timeZone: tz }, 'day');
      assert.deepStrictEqual([d.periodStart, d.periodEnd], [Z('2024-11-01T04:00:00Z'), Z('2024-11-02T04:00:00Z')]);
      // the week of Friday Nov 1 starts Monday Oct 28 00:00 EDT and ends Monday Nov 4 00:00 EST
      const w = projectSpend({ days, todayCost: 1, now, timeZone: tz }, 'week');
      assert.deepStrictEqual([w.periodStart, w.periodEnd], [Z('2024-10-28T04:00:00Z'), Z('2024-11-04T05:00:00Z')]);
      // so far this week: Oct 28..31 at $2 + today's $1 = 9
      assert.strictEqual(w.periodSoFar, 4 * 2 + 1);
      const m = projectSpend({ days, todayCost: 1, now, timeZone: tz }, 'month');
      assert.deepStrictEqual([m.periodStart, m.periodEnd], [Z('2024-11-01T04:00:00Z'), Z('2024-12-01T05:00:00Z')]);
      // month so far = today's $1 (no complete November day yet)
      assert.strictEqual(m.periodSoFar, 1);
    }
  });
});
