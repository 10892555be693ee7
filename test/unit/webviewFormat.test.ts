import * as assert from 'assert';
import {
  formatUsd, formatUsdPrecise, formatPercent, formatMs, unpricedNote, formatChange, whatIfMonthlySavings, dragToRange, validateRuleForm,
  escapeHtml, formatRate, formatValue, niceTimeTicks, zoneOffset,
} from '../../webview/format';

describe('webview format', () => {
  it('formats money rounded for display, with <$0.01 for tiny positive amounts', () => {
    assert.strictEqual(formatUsd(null), '—');
    assert.strictEqual(formatUsd(0), '$0.00');
    assert.strictEqual(formatUsd(0.004), '<$0.01');          // would round to $0.00
    assert.strictEqual(formatUsd(0.005), '$0.01');           // rounds up to one cent
    assert.strictEqual(formatUsd(12.345678), '$12.35');
    assert.strictEqual(formatUsd(1234.5), '$1,234.50');
    assert.strictEqual(formatUsd(-2.5), '-$2.50');
    assert.strictEqual(formatUsd(NaN), '—');
    assert.strictEqual(formatUsdPrecise(0.0012345), '$0.0012');  // 2 significant digits for per-call costs
    assert.strictEqual(formatUsdPrecise(0.5), '$0.50');
  });

  it('shows no data as a dash, never 0 % or NaN', () => {
    assert.strictEqual(formatPercent(null), '—');
    assert.strictEqual(formatPercent(0), '0.0 %');
    assert.strictEqual(formatPercent(0.9567), '95.7 %');
    assert.strictEqual(formatMs(null), '—');
    assert.strictEqual(formatMs(842.4), '842 ms');
    assert.strictEqual(formatMs(1234), '1.23 s');
    // unpriced calls told apart: 4,034 without a price, 4,000 of them without a model → 34 with one
    assert.strictEqual(unpricedNote(4034, 4000), '4,034 calls in the last 30 days have no price and are left out of these totals: '
      + '4,000 calls without a model (plain HTTP API calls, which have no per-call price) and 34 calls with an unknown model or no token usage.');
    assert.strictEqual(unpricedNote(1, 1), '1 call in the last 30 days has no price and is left out of these totals: '
      + 'it is a call without a model (plain HTTP API calls, which have no per-call price).');
    assert.strictEqual(unpricedNote(3, 0), '3 calls in the last 30 days have no price and are left out of these totals (unknown model or no token usage).');
    // the sidebar showed "9218 ms" where the dashboard showed seconds: one format now, 9218 / 1000 = 9.218 → "9.22 s"
    assert.strictEqual(formatMs(9218), '9.22 s');
    assert.strictEqual(formatRate(2.5), '2.50/min');
    assert.strictEqual(formatValue(null, 'usdPerHour'), '—');
    assert.strictEqual(formatValue(3, 'usdPerHour'), '$3.00/h');
  });

  it('formats change with arrow and tone', () => {
    // 0.25 = +25 %; latency rising is bad
    assert.deepStrictEqual(formatChange(0.25, true), { text: '▲ 25.0 %', dir: 'up', tone: 'bad' });
    // success rate falling by 1/3 (0.9 → 0.6: (0.6-0.9)/0.9 = -0.3333) is bad
    assert.deepStrictEqual(formatChange((0.6 - 0.9) / 0.9, false), { text: '▼ 33.3 %', dir: 'down', tone: 'bad' });
    assert.deepStrictEqual(formatChange(null, false), { text: 'no data', dir: null, tone: 'neutral' });
    assert.strictEqual(formatChange(0, false).dir, 'flat');
  });

  it('computes what-if savings', () => {
    // from 20 % to 50 %: 0.3 × 100,000 calls/month × $0.002 per miss = $60
    const s = whatIfMonthlySavings(0.2, 0.5, 100_000, 0.002);
    assert.ok(s !== null && Math.abs(s - 60) < 1e-9);
    assert.strictEqual(whatIfMonthlySavings(0.5, 0.2, 100_000, 0.002), 0);   // lowering the target saves nothing
    assert.strictEqual(whatIfMonthlySavings(null, 0.5, 100_000, 0.002), null);
    assert.strictEqual(whatIfMonthlySavings(0.2, 0.5, 100_000, null), null);
  });

  it('maps a chart drag to a time range', () => {
    // axis 100..500 px = 0..4000 ms: 10 ms per px. Drag 300 → 150: [ (150-100)*10, (300-100)*10 ] = [500, 2000]
    assert.deepStrictEqual(dragToRange(300, 150, 100, 500, 0, 4000), { from: 500, to: 2000 });
    // clamped to the plot area: 50 → 120 becomes 100 → 120 = [0, 200]
    assert.deepStrictEqual(dragToRange(50, 120, 100, 500, 0, 4000), { from: 0, to: 200 });
    assert.strictEqual(dragToRange(200, 202, 100, 500, 0, 4000), null);   // a click, not a drag
  });

  it('validates the rule form', () => {
    const ok = { name: 'p95 high', metric: 'p95Latency', scope: 'all', comparison: 'above', warning: '800', critical: '1500',
      windowMinutes: '5', forMinutes: '1', minCalls: '10', cooldownMinutes: '30', severity: 'warning' };
    assert.deepStrictEqual(validateRuleForm(ok), []);
    assert.deepStrictEqual(validateRuleForm({ ...ok, critical: '500' }), ['The critical threshold must be at or above the warning threshold.']);
    assert.deepStrictEqual(validateRuleForm({ ...ok, name: ' ', warning: '', critical: '' }), ['Name is required.', 'Give a warning or a critical threshold.']);
    assert.deepStrictEqual(validateRuleForm({ ...ok, metric: 'errorRate', warning: '5', critical: '120' }), ['Percentages must be between 0 and 100.']);
    assert.deepStrictEqual(validateRuleForm({ ...ok, windowMinutes: '0', scope: 'foo' }),
      ['Window must be a whole number ≥ 1.', 'Scope must be all, endpoint:<name> or model:<name>.']);
  });

  it('puts time ticks on round local times', () => {
    const H = 3_600_000;
    // 6 hours from 10:07 UTC: 6 h / 1 h = 6 ≤ 8 ticks → hourly, first at 11:00
    const t0 = Date.UTC(2026, 0, 5, 10, 7);
    assert.deepStrictEqual(niceTimeTicks(t0, t0 + 6 * H, 0), [11, 12, 13, 14, 15, 16].map(h => Date.UTC(2026, 0, 5, h)));
    // 30 days in UTC+5:30: 30 d / 7 d ≤ 8 → weekly ticks at local midnight = 18:30 UTC the day before
    const d0 = Date.UTC(2026, 0, 1, 12);
    const ticks = niceTimeTicks(d0, d0 + 30 * 24 * H, 5.5 * H);
    assert.ok(ticks.length >= 4 && ticks.length <= 5);
    for (const t of ticks) assert.strictEqual((t + 5.5 * H) % (24 * H), 0);
    assert.strictEqual(zoneOffset(Date.UTC(2026, 6, 1), 'Asia/Kolkata'), 5.5 * H);
    assert.strictEqual(zoneOffset(Date.UTC(2026, 6, 1), 'America/New_York'), -4 * H);   // EDT in July
  });

  it('escapes HTML', () => {
    assert.strictEqual(escapeHtml(`<img src=x onerror="a">&'`), '&lt;img src=x onerror=&quot;a&quot;&gt;&amp;&#39;');
  });
});
