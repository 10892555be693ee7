// One self-contained HTML report: inline CSS, charts as inline SVG, no scripts, no external request,
// printable. Every string that comes from the logs is escaped. Cells carry data-k (which figure) and
// data-v (the raw, unrounded value) so tests and scripts can read the numbers back.
import type { ReportData } from './reportData';
import type { BreakdownRow, TimeSeries } from '../metrics/types';
import {
  BREAKDOWN_COLUMNS, KPI_ROWS, NO_DATA, fmtInt, fmtMs, fmtNum, fmtPct, fmtUsd, modelCost, modelsBySpend, timeFormatter,
} from './reportFormat';

/** Escape text for HTML content and attribute values. */
export function escapeHtml(s: unknown): string {
  const t = typeof s === 'string' ? s : String(s ?? '');
  let out = '';
  let last = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    let rep: string | undefined;
    if (c === 38) rep = '&amp;';
    else if (c === 60) rep = '&lt;';
    else if (c === 62) rep = '&gt;';
    else if (c === 34) rep = '&quot;';
    else if (c === 39) rep = '&#39;';
    if (rep !== undefined) { out += t.slice(last, i) + rep; last = i + 1; }
  }
  return last === 0 ? t : out + t.slice(last);
}

const rawAttr = (v: number | null | undefined): string => (typeof v === 'number' && Number.isFinite(v) ? ` data-v="${v}"` : ' data-v=""');
const td = (k: string, v: number | null | undefined, text: string): string => `<td data-k="${k}"${rawAttr(v)}>${escapeHtml(text)}</td>`;

// Series colours that read on light and dark paper and in greyscale print (distinct lightness).
const PALETTE = ['#3b82f6', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#14b8a6', '#f97316', '#64748b'];

const CSS = `
:root{color-scheme:light dark;--fg:#1f2328;--bg:#fff;--muted:#59636e;--line:#d1d9e0;--panel:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--line:#3d444d;--panel:#151b23}}
*{box-sizing:border-box}body{margin:0 auto;max-width:1100px;padding:24px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.muted{color:var(--muted)}table{border-collapse:collapse;width:100%;margin:6px 0}th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:right;vertical-align:top}
td{white-space:nowrap}th:first-child,td:first-child{text-align:left}td:first-child{white-space:normal;overflow-wrap:anywhere}th{background:var(--panel);font-weight:600}
table.kpis{width:auto;min-width:50%}.kpis th{font-weight:normal;background:none}.kpis td{border-bottom:1px dotted var(--line)}
svg{max-width:100%;height:auto;display:block}svg text{fill:var(--muted);font-size:11px}.axis{stroke:var(--line)}
.legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}dt{color:var(--muted)}dd{margin:0}
@media print{:root{--fg:#000;--bg:#fff;--muted:#444;--line:#bbb;--panel:#eee}body{max-width:none;padding:0;font-size:11px}section{break-inside:avoid}h2{break-after:avoid}}
`;

/** The whole report as one HTML document. */
export function htmlReport(data: ReportData): string {
  const tz = data.definitions.timeZone;
  const time = timeFormatter(tz);
  const parts: string[] = [];
  const title = `API Monitor report, ${time(data.range.from)} to ${time(data.range.to)}`;
  parts.push(`<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    // Belt and braces: the document needs nothing from outside, so forbid everything but inline style.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(title)}</title><style>${CSS}</style></head><body>`);

  parts.push(`<header id="header"><h1>API Monitor report</h1><p class="muted">`,
    `<span id="range" data-from="${data.range.from}" data-to="${data.range.to}">${escapeHtml(data.range.label ? `${data.range.label}: ` : '')}${escapeHtml(time(data.range.from))} to ${escapeHtml(time(data.range.to))}</span>`,
    ` · generated <span id="generated-at" data-v="${data.generatedAt}">${escapeHtml(time(data.generatedAt))}</span>`,
    ` · time zone <span id="time-zone">${escapeHtml(tz)}</span>`);
  const f = data.filter ?? {};
  const filters = (['endpoint', 'model', 'provider'] as const).filter(k => f[k] !== undefined).map(k => `${k} <b data-filter="${k}">${escapeHtml(f[k])}</b>`);
  if (filters.length) parts.push(` · filtered on ${filters.join(', ')}`);
  parts.push(`</p></header>`);

  parts.push(`<section id="kpis"><h2>Summary</h2><table class="kpis"><tbody>`);
  for (const row of KPI_ROWS) {
    const v = row.get(data.kpis);
    parts.push(`<tr><th scope="row">${escapeHtml(row.label)}</th>${td(row.k, v, row.fmt(v))}</tr>`);
  }
  parts.push(`</tbody></table><p class="muted">Percentiles: ${escapeHtml(data.definitions.percentileMethod)} (${escapeHtml(data.definitions.percentileKind)}), n = ${fmtInt(data.kpis.latency.n)}.</p></section>`);

  if (data.costPerDay && data.costPerDay.length) parts.push(costSection(data, time));
  if (data.series && data.series.points.length) parts.push(`<section id="latency"><h2>Calls and latency over time</h2>${lineChart(data.series, time)}</section>`);

  parts.push(breakdownSection('by-endpoint', 'By endpoint', 'Endpoint', data.byEndpoint));
  parts.push(breakdownSection('by-model', 'By model', 'Model', data.byModel));

  parts.push(moneySection(data, time));

  if (data.topErrors && data.topErrors.length) {
    parts.push(`<section id="errors"><h2>Top errors</h2><table><thead><tr><th>Error</th><th>Endpoint</th><th>Count</th><th>Last seen</th></tr></thead><tbody>`);
    for (const e of data.topErrors) {
      parts.push(`<tr data-error="${escapeHtml(e.errorType)}"><td>${escapeHtml(e.errorType)}</td><td data-k="endpoint">${escapeHtml(e.endpoint)}</td>${td('count', e.count, fmtInt(e.count))}${td('lastTs', e.lastTs, time(e.lastTs))}</tr>`);
    }
    parts.push(`</tbody></table></section>`);
  }

  if (data.alerts) {
    parts.push(`<section id="alerts"><h2>Alerts in the period</h2>`);
    if (!data.alerts.length) parts.push(`<p class="muted">No alert fired.</p>`);
    else {
      parts.push(`<table><thead><tr><th>Rule</th><th>Severity</th><th>State</th><th>Value</th><th>Threshold</th><th>Started</th><th>Resolved</th></tr></thead><tbody>`);
      for (const a of data.alerts) {
        parts.push(`<tr data-rule="${escapeHtml(a.ruleId)}"><td>${escapeHtml(a.ruleName)}</td><td data-k="severity">${escapeHtml(a.level ? `${a.severity} (${a.level})` : a.severity)}</td>`,
          `<td data-k="state">${escapeHtml(a.state)}</td>${td('value', a.value, a.valueText ?? fmtNum(a.value))}${td('threshold', a.threshold, a.thresholdText ?? fmtNum(a.threshold))}`,
          `${td('startedAt', a.startedAt, time(a.startedAt))}${td('resolvedAt', a.resolvedAt, a.resolvedAt === null ? 'not yet' : time(a.resolvedAt))}</tr>`);
      }
      parts.push(`</tbody></table>`);
    }
    parts.push(`</section>`);
  }

  if (data.recommendations && data.recommendations.length) {
    parts.push(`<section id="recommendations"><h2>Recommendations</h2><ul>`);
    for (const r of data.recommendations) {
      const save = r.savingsUsd !== undefined && r.savingsUsd !== null ? ` <span data-k="savings"${rawAttr(r.savingsUsd)}>(saves about ${escapeHtml(fmtUsd(r.savingsUsd))} per month)</span>` : '';
      parts.push(`<li><b>${escapeHtml(r.title)}</b>: ${escapeHtml(r.detail)}${save}</li>`);
    }
    parts.push(`</ul></section>`);
  }

  const d = data.definitions;
  parts.push(`<section id="definitions"><h2>Definitions</h2><dl>`,
    `<dt>Percentiles</dt><dd data-k="percentileMethod">${escapeHtml(d.percentileMethod)} (${escapeHtml(d.percentileKind)})</dd>`,
    `<dt>Time zone</dt><dd data-k="timeZone">${escapeHtml(d.timeZone)} (days and hours follow it; day totals add up to the range total)</dd>`,
    `<dt>Price table</dt><dd data-k="priceTableVersion">${escapeHtml(d.priceTableVersion ?? 'unknown')}</dd>`,
    `<dt>Money</dt><dd>${escapeHtml(d.currency)}, summed unrounded, rounded for display; a positive amount under one cent reads &lt;$0.01; unpriced calls are left out and counted</dd>`,
    `<dt>Rates</dt><dd>no calls = no data (${NO_DATA}), not 0 %</dd>`,
    ...(d.notes ?? []).map(n => `<dt>Note</dt><dd>${escapeHtml(n)}</dd>`),
    `</dl></section></body></html>\n`);
  return parts.join('');
}

function breakdownSection(id: string, title: string, keyLabel: string, rows: readonly BreakdownRow[]): string {
  const out: string[] = [`<section id="${id}"><h2>${escapeHtml(title)}</h2>`];
  if (!rows.length) return out.join('') + `<p class="muted">No calls.</p></section>`;
  out.push(`<table><thead><tr><th>${escapeHtml(keyLabel)}</th>${BREAKDOWN_COLUMNS.map(c => `<th>${escapeHtml(c.label)}</th>`).join('')}</tr></thead><tbody>`);
  for (const r of rows) {
    out.push(`<tr data-key="${escapeHtml(r.key)}"><td data-k="key">${escapeHtml(r.key)}</td>`);
    for (const c of BREAKDOWN_COLUMNS) { const v = c.get(r); out.push(td(c.k, v, c.fmt(v))); }
    out.push(`</tr>`);
  }
  out.push(`</tbody></table></section>`);
  return out.join('');
}

function moneySection(data: ReportData, time: (ms: number | null | undefined) => string): string {
  const rows: string[] = [];
  const row = (k: string, label: string, v: number | null | undefined, text: string): void => {
    rows.push(`<tr><th scope="row">${escapeHtml(label)}</th>${td(k, v, text)}</tr>`);
  };
  const ct = data.costTotals;
  if (ct) {
    row('totalUsd', 'Total cost', ct.totalUsd, fmtUsd(ct.totalUsd));
    if (ct.loggedUsd !== undefined) row('loggedUsd', 'Cost written in the logs', ct.loggedUsd, fmtUsd(ct.loggedUsd));
    if (ct.computedUsd !== undefined) row('computedUsd', 'Cost computed from prices', ct.computedUsd, fmtUsd(ct.computedUsd));
    row('unpricedCallsTotal', 'Unpriced calls', ct.unpricedCalls, fmtInt(ct.unpricedCalls));
    if (ct.estimatedCalls !== undefined) row('estimatedCalls', 'Calls with an estimated cost', ct.estimatedCalls, fmtInt(ct.estimatedCalls));
  }
  const p = data.projection;
  if (p) {
    row('projectionPeriod', 'Projected spend this month', p.periodTotal, fmtUsd(p.periodTotal));
    if (p.next30Days !== undefined) row('projection30d', 'Projected next 30 days', p.next30Days, fmtUsd(p.next30Days));
    if (p.confidence) rows.push(`<tr><th scope="row">Projection confidence</th><td data-k="confidence">${escapeHtml(p.confidence)}</td></tr>`);
    if (p.method) rows.push(`<tr><th scope="row">Projection method</th><td data-k="projectionMethod">${escapeHtml(p.method)}${p.note ? ` (${escapeHtml(p.note)})` : ''}</td></tr>`);
  }
  const b = data.budget;
  if (b) {
    row('budgetAmount', `Budget per ${b.period}`, b.amount, fmtUsd(b.amount));
    row('budgetSpent', 'Spent in the budget period', b.spent, fmtUsd(b.spent));
    row('budgetShare', 'Budget used', b.share, fmtPct(b.share));
    if (b.projectedAtEnd !== undefined) row('budgetProjected', 'Projected at period end', b.projectedAtEnd, fmtUsd(b.projectedAtEnd));
    if (b.runsOutAt !== undefined) row('budgetRunsOut', 'Budget runs out', b.runsOutAt, b.runsOutAt === null ? 'not in this period' : time(b.runsOutAt));
  }
  const s = data.cacheSavings;
  if (s) {
    row('responseCacheSavings', 'Saved by the response cache', s.responseCacheUsd, fmtUsd(s.responseCacheUsd));
    row('promptCacheSavings', 'Saved by prompt caching', s.promptCacheUsd, fmtUsd(s.promptCacheUsd));
    if (s.method) rows.push(`<tr><th scope="row">Savings method</th><td data-k="savingsMethod">${escapeHtml(s.method)}</td></tr>`);
  }
  if (!rows.length) return '';
  return `<section id="money"><h2>Cost, projection and budget</h2><table class="kpis"><tbody>${rows.join('')}</tbody></table></section>`;
}

function costSection(data: ReportData, time: (ms: number | null | undefined) => string): string {
  const days = data.costPerDay!;
  const models = modelsBySpend(days);
  const colour = (i: number): string => PALETTE[i % PALETTE.length];
  const out: string[] = [`<section id="cost-per-day"><h2>Cost per day (${escapeHtml(data.definitions.timeZone)})</h2>`];
  // stacked bars
  const W = 760, H = 260, L = 64, R = 12, T = 12, B = 40;
  const max = Math.max(0, ...days.map(d => (Number.isFinite(d.total) ? d.total : 0)));
  const top = niceCeil(max);
  const slot = (W - L - R) / days.length;
  const bw = Math.max(1, Math.min(48, slot * 0.7));
  const y = (v: number): number => T + (H - T - B) * (1 - (top > 0 ? v / top : 0));
  const svg: string[] = [`<svg id="cost-chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="Cost per day, stacked by model" xmlns="http://www.w3.org/2000/svg">`];
  for (let i = 0; i <= 4; i++) {
    const v = (top * i) / 4;
    svg.push(`<line class="axis" x1="${L}" x2="${W - R}" y1="${r1(y(v))}" y2="${r1(y(v))}"/><text x="${L - 6}" y="${r1(y(v) + 4)}" text-anchor="end">${escapeHtml(fmtUsd(v))}</text>`);
  }
  const labelEvery = Math.max(1, Math.ceil(days.length / 12));
  days.forEach((d, i) => {
    const x = L + slot * i + (slot - bw) / 2;
    let acc = 0;
    models.forEach((m, mi) => {
      const c = modelCost(d.byModel, m);
      if (!(c > 0)) return;
      const y0 = y(acc), y1 = y(acc + c);
      acc += c;
      svg.push(`<rect x="${r1(x)}" y="${r1(y1)}" width="${r1(bw)}" height="${r1(Math.max(0, y0 - y1))}" fill="${colour(mi)}" data-day="${escapeHtml(d.day)}" data-model="${escapeHtml(m)}" data-v="${c}"><title>${escapeHtml(`${d.day} ${m}: ${fmtUsd(c)}`)}</title></rect>`);
    });
    if (i % labelEvery === 0) svg.push(`<text x="${r1(x + bw / 2)}" y="${H - B + 16}" text-anchor="middle">${escapeHtml(d.day.slice(5))}</text>`);
  });
  svg.push(`</svg>`);
  out.push(svg.join(''));
  out.push(`<p class="legend">${models.map((m, i) => `<span><i style="background:${colour(i)}"></i>${escapeHtml(m)}</span>`).join('')}</p>`);
  // the same figures as a table
  out.push(`<table><thead><tr><th>Day</th><th>Calls</th>${models.map(m => `<th>${escapeHtml(m)}</th>`).join('')}<th>Total</th></tr></thead><tbody>`);
  for (const d of days) {
    out.push(`<tr data-day="${escapeHtml(d.day)}" data-start="${d.start}"><td>${escapeHtml(d.day)}</td>${td('calls', d.calls, fmtInt(d.calls))}`);
    for (const m of models) {
      const c = modelCost(d.byModel, m);
      out.push(`<td data-k="model" data-model="${escapeHtml(m)}"${rawAttr(c)}>${escapeHtml(fmtUsd(c))}</td>`);
    }
    out.push(`${td('total', d.total, fmtUsd(d.total))}</tr>`);
  }
  // the range rarely starts at midnight: its first day is then a part of a day, and says so
  const first = data.range.from > days[0].start
    ? `the first day counts calls from ${escapeHtml(time(data.range.from))} only (the range's start)`
    : `first day shown from ${escapeHtml(time(days[0].start))}`;
  out.push(`</tbody></table><p class="muted">Days start at 00:00 in ${escapeHtml(data.definitions.timeZone)}; ${first}.</p></section>`);
  return out.join('');
}

function lineChart(series: TimeSeries, time: (ms: number | null | undefined) => string): string {
  const pts = series.points;
  const W = 760, H = 260, L = 56, R = 64, T = 12, B = 40;
  const t0 = pts[0].t, t1 = pts[pts.length - 1].t;
  const x = (t: number): number => L + (W - L - R) * (t1 > t0 ? (t - t0) / (t1 - t0) : 0.5);
  const callsTop = niceCeil(Math.max(0, ...pts.map(p => p.calls)));
  const latVals = pts.flatMap(p => [p.p95, p.avgLatency]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const latTop = niceCeil(Math.max(0, ...latVals));
  const yc = (v: number): number => T + (H - T - B) * (1 - (callsTop > 0 ? v / callsTop : 0));
  const yl = (v: number): number => T + (H - T - B) * (1 - (latTop > 0 ? v / latTop : 0));
  const path = (get: (p: typeof pts[number]) => number | null, y: (v: number) => number): string => {
    let d = '';
    let pen = false;
    for (const p of pts) {
      const v = get(p);
      // a bucket without data breaks the line instead of dropping to 0
      if (typeof v !== 'number' || !Number.isFinite(v)) { pen = false; continue; }
      d += `${pen ? 'L' : 'M'}${r1(x(p.t))} ${r1(y(v))}`;
      pen = true;
    }
    return d;
  };
  const svg: string[] = [`<svg id="latency-chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="Calls and latency per ${escapeHtml(series.bucket)}" xmlns="http://www.w3.org/2000/svg">`];
  for (let i = 0; i <= 4; i++) {
    const yv = T + ((H - T - B) * i) / 4;
    const yy = r1(yv);
    svg.push(`<line class="axis" x1="${L}" x2="${W - R}" y1="${yy}" y2="${yy}"/>`,
      `<text x="${L - 6}" y="${r1(yv + 4)}" text-anchor="end">${fmtNum((callsTop * (4 - i)) / 4, 1)}</text>`,
      `<text x="${W - R + 6}" y="${r1(yv + 4)}">${escapeHtml(fmtMs((latTop * (4 - i)) / 4))}</text>`);
  }
  svg.push(`<path d="${path(p => p.calls, yc)}" fill="none" stroke="${PALETTE[0]}" stroke-width="1.5" data-series="calls"/>`,
    `<path d="${path(p => p.p95, yl)}" fill="none" stroke="${PALETTE[3]}" stroke-width="1.5" data-series="p95"/>`,
    `<path d="${path(p => p.avgLatency, yl)}" fill="none" stroke="${PALETTE[1]}" stroke-width="1.5" stroke-dasharray="4 3" data-series="avg"/>`);
  svg.push(`<text x="${L}" y="${H - 8}">${escapeHtml(time(t0))}</text><text x="${W - R}" y="${H - 8}" text-anchor="end">${escapeHtml(time(t1))}</text></svg>`);
  const legend = `<p class="legend"><span><i style="background:${PALETTE[0]}"></i>calls per ${escapeHtml(series.bucket)} (left)</span><span><i style="background:${PALETTE[3]}"></i>p95 latency (right)</span><span><i style="background:${PALETTE[1]}"></i>average latency (right)</span></p>`;
  const note = `<p class="muted">Percentiles per bucket from raw latencies (${escapeHtml(series.percentileMethod)}); buckets without calls are gaps. Peak: ${fmtInt(Math.max(...pts.map(p => p.calls)))} calls, p95 up to ${escapeHtml(latVals.length ? fmtMs(Math.max(...pts.map(p => p.p95 ?? -Infinity))) : NO_DATA)}; errors ${fmtPct(sumErrRate(pts))} of calls.</p>`;
  return svg.join('') + legend + note;
}

function sumErrRate(pts: TimeSeries['points']): number | null {
  let c = 0, e = 0;
  for (const p of pts) { c += p.calls; e += p.errors; }
  return c > 0 ? e / c : null;
}

const r1 = (v: number): string => String(Math.round(v * 10) / 10);

/** 1, 2, 2.5 or 5 times a power of ten at or above x (0 stays 0). */
function niceCeil(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 0;
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}
