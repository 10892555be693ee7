import * as assert from 'assert';
import { epochToMs, parseTimestamp, TsResult, ZoneOffsets } from '../../src/core/ingest/timestamps';

const out: TsResult = { ms: NaN, zoneAssumed: false };
const utc = new ZoneOffsets('UTC');
const ts = (v: unknown, z = utc): [number, boolean] => [parseTimestamp(v, z, out), out.zoneAssumed];

describe('ingest: timestamps', () => {
  it('epoch numbers by magnitude (and numeric strings)', () => {
    assert.strictEqual(epochToMs(1741082400), 1741082400000);
    assert.strictEqual(epochToMs(1741082400.25), 1741082400250);
    assert.strictEqual(epochToMs(1741082400250), 1741082400250);
    assert.strictEqual(epochToMs(1741082400250999), 1741082400250);
    assert.deepStrictEqual(ts('1741082400'), [1741082400000, false]);
    assert.ok(Number.isNaN(epochToMs(-5)));
    assert.ok(Number.isNaN(epochToMs(0)));
  });
  it('ISO forms: Z, offsets with and without colon, comma fraction, lower-case t, space', () => {
    const t0 = Date.UTC(2025, 2, 4, 10);
    assert.deepStrictEqual(ts('2025-03-04T10:00:00Z'), [t0, false]);
    assert.deepStrictEqual(ts('2025-03-04T12:00:00+0200'), [t0, false]);
    assert.deepStrictEqual(ts('2025-03-04T05:00:00-05'), [t0, false]);
    assert.deepStrictEqual(ts('2025-03-04t10:00:00,125z'), [t0 + 125, false]);
    assert.deepStrictEqual(ts('2025-03-04 10:00'), [t0, true]);
    assert.deepStrictEqual(ts('2025-03-04'), [Date.UTC(2025, 2, 4), true]);
    assert.deepStrictEqual(ts('Tue, 04 Mar 2025 10:00:00 GMT'), [t0, false]); // Date.parse fallback, zone given
    assert.ok(Number.isNaN(ts('Tue, 04 Mar 2025 10:00:00')[0])); // no zone and not ISO: refused, not machine-local
    assert.ok(Number.isNaN(ts('2025-02-30X')[0]));
    assert.ok(Number.isNaN(ts({})[0]));
  });
  it('zone-less times in an IANA zone, across DST', () => {
    const paris = new ZoneOffsets('Europe/Paris');
    assert.deepStrictEqual(ts('2025-01-15T12:00:00', paris), [Date.UTC(2025, 0, 15, 11), true]); // CET = UTC+1
    assert.deepStrictEqual(ts('2025-07-15T12:00:00', paris), [Date.UTC(2025, 6, 15, 10), true]); // CEST = UTC+2
    // 2025-03-30 02:30 does not exist in Paris (clocks jump 02:00 -> 03:00): the earlier offset (+1) is kept
    assert.deepStrictEqual(ts('2025-03-30T02:30:00', paris), [Date.UTC(2025, 2, 30, 1, 30), true]);
    // 2025-10-26 02:30 happens twice: the first (CEST, +2) is chosen
    assert.deepStrictEqual(ts('2025-10-26T02:30:00', paris), [Date.UTC(2025, 9, 26, 0, 30), true]);
  });
  it('slash dates: month first unless impossible, 12-hour clock', () => {
    assert.deepStrictEqual(ts('3/4/2025 2:05:07 PM'), [Date.UTC(2025, 2, 4, 14, 5, 7), true]);
    assert.deepStrictEqual(ts('3/4/2025 12:30:00 AM'), [Date.UTC(2025, 2, 4, 0, 30), true]);
    assert.deepStrictEqual(ts('3/4/2025 12:30:00 PM'), [Date.UTC(2025, 2, 4, 12, 30), true]);
    assert.deepStrictEqual(ts('25/12/2025 08:00:00.5'), [Date.UTC(2025, 11, 25, 8, 0, 0, 500), true]); // 25 cannot be a month
  });
  it('an unknown zone name falls back to UTC instead of throwing', () => {
    assert.strictEqual(new ZoneOffsets('Mars/Olympus').zone, 'UTC');
  });
});
