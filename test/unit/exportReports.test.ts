import * as assert from 'assert';
import type { ReportData } from '../../src/core/export/reportData';
import { summaryJson } from '../../src/core/export/reportData';
import { escapeHtml, htmlReport } from '../../src/core/export/htmlReport';
import { escapeMarkdownCell, markdownReport } from '../../src/core/export/markdownReport';
import type { BreakdownRow, SeriesPoint } from '../../src/core/metrics/types';

const D = Date.UTC(2025, 2, 1); // 2025-03-01 00:00 UTC
const H = 3_600_000;

function row(key: string, calls: number, errors: number, cost: number): BreakdownRow {
  return { key, calls, errors, successRate: (calls - errors) / calls, avgLatency: 800, p95: 2000, costUsd: cost, unpricedCalls: 0,
    responseCacheHitRate: null, promptCacheTokenShare: null, inputTokens: calls * 100, outputTokens: calls * 10 };
}
function point(t: number, calls: number, p95: number | null): SeriesPoint {
  return { t, calls, errors: 1, successRate: null, p50: null, p95, p99: null, avgLatency: p95 === null ? null : p95 / 2,
    responseCacheHitRate: null, promptCacheTokenShare: null, throughputPerMin: null, costUsd: 0, costPerHour: null };
}

function sample(): ReportData {
  return {
    kind: 'api-monitor-summary', version: 1, generatedAt: D + 2 * 86_400_000,
    range: { from: D, to: D + 2 * 86_400_000, label: 'Last 2 days' },
    filter: { endpoint: '<script>alert(1)</script>' },
    definitions: { percentileMethod: 'nearest rank over raw latencies', percentileKind: 'exact', timeZone: 'UTC', priceTableVersion: 'genai-prices 0.1.8', currency: 'USD' },
    kpis: {
      from: D, to: D + 2 * 86_400_000, calls: 1204, errors: 12, successRate: 1192 / 1204, errorRate: 12 / 1204,
      latency: { n: 1200, avg: 812.5, p50: 700, p95: 2100, p99: 3500, method: 'exact' }, throughputPerMin: 1204 / 2880,
      responseCacheHitRate: null, responseCacheHits: 0, promptCacheTokenShare: 0.25, inputTokens: 120400, outputTokens: 12040,
      cacheReadTokens: 30100, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0.004, unpricedCalls: 3, costPerHour: 0.004 / 48,
    },
    byEndpoint: [row('<script>alert(1)</script>', 1000, 10, 0.003), row('a|b\nc', 204, 2, 0.001)],
    byModel: [row('gpt-4o "mini"', 1204, 12, 0.004)],
    series: { bucket: 'hour', bucketMs: H, percentileMethod: 'exact', points: [point(D, 10, 1500), point(D + H, 0, null), point(D + 2 * H, 30, 2500)] },
    costPerDay: [
      { day: '2025-03-01', start: D, byModel: { 'gpt-4o': 1.25, 'claude<b>': 0.75 }, total: 2, calls: 600 },
      { day: '2025-03-02', start: D + 86_400_000, byModel: { 'gpt-4o': 0.5 }, total: 0.5, calls: 604 },
    ],
    costTotals: { totalUsd: 2.5, unpricedCalls: 3 },
    alerts: [{ ruleId: 'r1', ruleName: 'Errors & "timeouts"', severity: 'error', level: 'warning', state: 'resolved', value: 12.5, threshold: 10, startedAt: D + H, resolvedAt: D + 2 * H }],
    recommendations: [{ title: 'Cache <prompts>', detail: 'Repeated requests', savingsUsd: 0.004 }],
  };
}

/** data-v of the element with data-k=k inside the element with id=id */
function readBack(html: string, sectionId: string, k: string): string {
  const start = html.indexOf(`<section id="${sectionId}"`);
  const end = html.indexOf('</section>', start);
  const m = new RegExp(`<td data-k="${k}" data-v="([^"]*)">([^<]*)</td>`).exec(html.slice(start, end));
  assert.ok(m, `${sectionId} ${k}`);
  return `${m[1]}|${m[2]}`;
}

describe('export: HTML report', () => {
  const html = htmlReport(sample());

  it('escapes log-derived strings: no live <script> anywhere', () => {
    assert.ok(!/<script/i.test(html));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(html.includes('data-key="gpt-4o &quot;mini&quot;"'));
    assert.ok(html.includes('Errors &amp; &quot;timeouts&quot;'));
    assert.ok(html.includes('claude&lt;b&gt;'));
    assert.strictEqual(escapeHtml(`<a href='x'>&</a>`), '&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('is self-contained: no external resource, no script', () => {
    assert.ok(html.startsWith('<!DOCTYPE html>'));
    assert.ok(!/\s(src|href)\s*=/i.test(html));
    assert.ok(!/url\(|@import/i.test(html));
    assert.ok(html.includes('@media print'));
    assert.ok(html.includes('<svg id="cost-chart"') && html.includes('<svg id="latency-chart"'));
  });

  it('lets a test read the numbers back', () => {
    assert.strictEqual(readBack(html, 'kpis', 'calls'), '1204|1,204');
    assert.strictEqual(readBack(html, 'kpis', 'errorRate'), `${12 / 1204}|1.0 %`); // 12 / 1204 = 0.996 % -> 1.0 %
    assert.strictEqual(readBack(html, 'kpis', 'p95'), '2100|2,100 ms');
    assert.strictEqual(readBack(html, 'kpis', 'cost'), '0.004|&lt;$0.01'); // positive but under a cent
    assert.strictEqual(readBack(html, 'kpis', 'responseCacheHitRate'), '|—'); // unknown: no data, not 0 %
    assert.strictEqual(readBack(html, 'money', 'totalUsd'), '2.5|$2.50');
  });

  it('shows the cost of rows whose calls are all unpriced as unknown (—), not $0.00, in HTML and Markdown', () => {
    const d = sample();
    // /custom: 5 calls, none priced (cost 0 is the sum of nothing); a partly priced row keeps its sum
    d.byEndpoint = [{ ...row('/custom', 5, 0, 0), unpricedCalls: 5 }, { ...row('/mixed', 4, 0, 0.002), unpricedCalls: 1 }];
    d.kpis = { ...d.kpis, calls: 5, unpricedCalls: 5, costUsd: 0, costPerHour: 0 };
    const h = htmlReport(d);
    const cells = [...h.matchAll(/<td data-k="cost" data-v="([^"]*)">([^<]*)<\/td>/g)].map(m => `${m[1]}|${m[2]}`);
    // the summary's cost, the two endpoint rows, then the one model row (1204 calls, 0.004, priced)
    assert.deepStrictEqual(cells, ['|—', '|—', '0.002|&lt;$0.01', '0.004|&lt;$0.01']);
    assert.strictEqual(readBack(h, 'kpis', 'cost'), '|—');
    assert.strictEqual(readBack(h, 'kpis', 'costPerHour'), '|—');
    const md = markdownReport(d);
    assert.match(md, /\| \/custom \| 5 \| 0 \| 100\.0 % \| 800 ms \| 2,000 ms \| — \| 5 \|/);
    assert.match(md, /\| Cost \| — \|/);
  });

  it('says when the first day of the cost table is a partial day', () => {
    assert.ok(html.includes('first day shown from 2025-03-01 00:00'), 'the sample range starts at midnight');
    const d = sample();
    d.range = { ...d.range, from: D + 10 * H + 51 * 60_000 };
    assert.ok(htmlReport(d).includes('the first day counts calls from 2025-03-01 10:51'));
  });

  it('stacks the cost bars so each day adds up to its total', () => {
    const rects = [...html.matchAll(/<rect [^>]*data-day="([^"]+)" data-model="([^"]+)" data-v="([^"]+)"/g)];
    const perDay = new Map<string, number>();
    for (const [, day, , v] of rects) perDay.set(day, (perDay.get(day) ?? 0) + Number(v));
    assert.deepStrictEqual([...perDay], [['2025-03-01', 2], ['2025-03-02', 0.5]]); // 1.25 + 0.75, 0.5
    assert.strictEqual(rects.length, 3);
  });

  it('breaks the latency line at a bucket without calls instead of drawing 0', () => {
    const m = /<path d="([^"]*)"[^>]*data-series="p95"/.exec(html);
    assert.ok(m);
    assert.strictEqual((m[1].match(/M/g) ?? []).length, 2); // two segments around the empty hour
    assert.ok(!m[1].includes('L'));
  });
});

describe('export: Markdown report', () => {
  const md = markdownReport(sample());

  it('escapes | and newlines in cells, so every table row keeps its column count', () => {
    assert.strictEqual(escapeMarkdownCell('a|b\nc'), 'a\\|b c');
    assert.ok(md.includes('| a\\|b c |'));
    assert.ok(md.includes('\\<script\\>alert(1)\\</script\\>'));
    for (const table of md.split('\n\n').filter(b => b.startsWith('|'))) {
      const counts = table.trim().split('\n').map(l => l.replace(/\\\|/g, '').split('|').length);
      assert.ok(counts.every(c => c === counts[0]), table);
    }
  });

  it('has the same figures as the HTML report', () => {
    assert.ok(md.includes('| Calls | 1,204 |'));
    assert.ok(md.includes('| Cost | \\<$0.01 |'));
    // models by spend: gpt-4o (1.25 + 0.5 = 1.75) before claude<b> (0.75)
    assert.ok(md.includes('| Day | Calls | gpt-4o | claude\\<b\\> | Total |'));
    assert.ok(md.includes('| 2025-03-01 | 600 | $1.25 | $0.75 | $2.00 |'));
    assert.ok(md.includes('| 2025-03-02 | 604 | $0.50 | $0.00 | $0.50 |'));
    assert.ok(md.includes('| Response cache hit rate | — |'));
  });

  it('shows an alert\'s value and threshold with the unit the alert had', () => {
    const d = sample();
    d.alerts = [{ ...d.alerts![0], value: 1839.06, threshold: 1500, valueText: '1839 ms', thresholdText: '1500 ms' }];
    const page = htmlReport(d);
    assert.ok(page.includes('<td data-k="value" data-v="1839.06">1839 ms</td>'), page.slice(page.indexOf('id="alerts"'), page.indexOf('id="alerts"') + 600));
    assert.ok(page.includes('<td data-k="threshold" data-v="1500">1500 ms</td>'));
    assert.ok(markdownReport(d).includes('| resolved | 1839 ms | 1500 ms |'));
  });
});

describe('export: JSON summary', () => {
  it('round-trips and writes non-finite numbers as null', () => {
    const data = sample();
    assert.deepStrictEqual(JSON.parse(summaryJson(data)), JSON.parse(JSON.stringify(data)));
    const bad = sample();
    bad.kpis.costPerHour = NaN;
    assert.strictEqual(JSON.parse(summaryJson(bad)).kpis.costPerHour, null);
  });
});
