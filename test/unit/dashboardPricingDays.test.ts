import * as assert from 'assert';
import { cachedStartOfDay, projectionView, type CostEngine } from '../../src/host/dashboard/pricingAdapter';
import { startOfDay, zoneOffsetMs } from '../../src/host/dashboard/assemble';

const Z = (iso: string): number => Date.parse(iso);

describe('dashboard pricing: remembered local day starts', () => {
  it('match startOfDay around a 25-hour day, looked up twice', () => {
    const tz = 'Europe/Berlin';
    // Sunday 2024-10-27 starts at 00:00 CEST = 22:00Z the day before and lasts 25 h (clocks go back at 03:00),
    // so Monday starts at 00:00 CET = 2024-10-27T23:00Z.
    const cases: [string, string][] = [
      ['2024-10-26T22:00:00Z', '2024-10-26T22:00:00Z'],
      ['2024-10-27T12:00:00Z', '2024-10-26T22:00:00Z'],
      ['2024-10-27T22:59:59Z', '2024-10-26T22:00:00Z'],
      ['2024-10-27T23:00:00Z', '2024-10-27T23:00:00Z'],
      ['2024-10-26T21:59:59Z', '2024-10-25T22:00:00Z'],
    ];
    for (let round = 0; round < 2; round++) {
      for (const [at, start] of cases) {
        assert.strictEqual(cachedStartOfDay(Z(at), tz), Z(start), `${at} (round ${round})`);
        assert.strictEqual(cachedStartOfDay(Z(at), tz), startOfDay(Z(at), tz));
      }
    }
    // another zone's days are its own: the same instant in UTC
    assert.strictEqual(cachedStartOfDay(Z('2024-10-27T12:00:00Z'), 'UTC'), Z('2024-10-27T00:00:00Z'));
  });

  it('zone offsets from one formatter per zone: DST on both sides, an unknown zone as UTC, each asked twice', () => {
    const H = 3_600_000;
    for (let round = 0; round < 2; round++) {
      // New York: EST (UTC-5) on 7 March 2026, EDT (UTC-4) from 8 March 2026 03:00 local
      assert.strictEqual(zoneOffsetMs(Z('2026-03-07T12:00:00Z'), 'America/New_York'), -5 * H);
      assert.strictEqual(zoneOffsetMs(Z('2026-03-09T12:00:00Z'), 'America/New_York'), -4 * H);
      // Kolkata +05:30, then an unknown zone falls back to 0 (UTC)
      assert.strictEqual(zoneOffsetMs(Z('2026-03-09T12:00:00Z'), 'Asia/Kolkata'), 5.5 * H);
      assert.strictEqual(zoneOffsetMs(Z('2026-03-09T12:00:00Z'), 'Not/A_Zone'), 0);
    }
  });
});

describe('dashboard pricing: budget run-out time', () => {
  it('is given to the minute in the display zone', () => {
    // day budget $10 in UTC, now 2025-03-04 10:00:30Z; the fake engine answers $6 for any range:
    // spent today $6, last 3 h $6 → $2/h; ($10 - $6) / $2 = 2 h → 12:00:30Z, shown without the seconds
    const now = Z('2025-03-04T10:00:30Z');
    const engine = {
      dailyCost: () => [],
      costSummary: () => ({ costUsd: 6 }),
    } as unknown as CostEngine;
    const v = projectionView({ engine, pricer: () => null, budget: () => ({ amount: 10, period: 'day' }), timeZone: () => 'UTC' }, now);
    assert.strictEqual(v?.status, 'runs out around Mar 4, 12:00 PM');
  });
});
