// The report as Markdown tables (same content as the HTML report, no charts). Log-derived text is
// escaped so it cannot break a table row or inject HTML or links into a rendered page.
import type { ReportData } from './reportData';
import type { BreakdownRow } from '../metrics/types';
import { BREAKDOWN_COLUMNS, KPI_ROWS, NO_DATA, fmtInt, fmtNum, fmtPct, fmtUsd, modelCost, modelsBySpend, timeFormatter } from './reportFormat';

/** One table cell: newlines become spaces; | \ ` * _ [ ] < > ~ are backslash-escaped. */
export function escapeMarkdownCell(s: unknown): string {
  const t = typeof s === 'string' ? s : String(s ?? '');
  return t.replace(/\r\n|\r|\n/g, ' ').replace(/[\\|`*_[\]<>~]/g, c => '\\' + c);
}

const e = escapeMarkdownCell;

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n') + '\n';
}

export function markdownReport(data: ReportData): string {
  const tz = data.definitions.timeZone;
  const time = timeFormatter(tz);
  const out: string[] = [];
  out.push(`# API Monitor report\n`);
  out.push(`${data.range.label ? `${e(data.range.label)}: ` : ''}${e(time(data.range.from))} to ${e(time(data.range.to))} · generated ${e(time(data.generatedAt))} · time zone ${e(tz)}`);
  const f = data.filter ?? {};
  const filters = (['endpoint', 'model', 'provider'] as const).filter(k => f[k] !== undefined).map(k => `${k} ${e(f[k])}`);
  out.push(filters.length ? ` · filtered on ${filters.join(', ')}\n` : '\n');

  out.push(`\n## Summary\n\n`);
  out.push(table(['Figure', 'Value'], KPI_ROWS.map(r => [e(r.label), e(r.fmt(r.get(data.kpis)))])));
  out.push(`\nPercentiles: ${e(data.definitions.percentileMethod)} (${e(data.definitions.percentileKind)}), n = ${fmtInt(data.kpis.latency.n)}.\n`);

  if (data.costPerDay && data.costPerDay.length) {
    const models = modelsBySpend(data.costPerDay);
    out.push(`\n## Cost per day (${e(tz)})\n\n`);
    out.push(table(['Day', 'Calls', ...models.map(e), 'Total'],
      data.costPerDay.map(d => [e(d.day), fmtInt(d.calls), ...models.map(m => e(fmtUsd(modelCost(d.byModel, m)))), e(fmtUsd(d.total))])));
  }

  if (data.series && data.series.points.length) {
    out.push(`\n## Calls and latency per ${e(data.series.bucket)}\n\n`);
    out.push(table(['Start', 'Calls', 'Errors', 'Avg latency', 'p95'], data.series.points.map(p =>
      [e(time(p.t)), fmtInt(p.calls), fmtInt(p.errors), e(fmtNumMs(p.avgLatency)), e(fmtNumMs(p.p95))])));
  }

  out.push(breakdown('By endpoint', 'Endpoint', data.byEndpoint));
  out.push(breakdown('By model', 'Model', data.byModel));

  const money: string[][] = [];
  const ct = data.costTotals;
  if (ct) {
    money.push(['Total cost', e(fmtUsd(ct.totalUsd))]);
    if (ct.loggedUsd !== undefined) money.push(['Cost written in the logs', e(fmtUsd(ct.loggedUsd))]);
    if (ct.computedUsd !== undefined) money.push(['Cost computed from prices', e(fmtUsd(ct.computedUsd))]);
    money.push(['Unpriced calls', fmtInt(ct.unpricedCalls)]);
    if (ct.estimatedCalls !== undefined) money.push(['Calls with an estimated cost', fmtInt(ct.estimatedCalls)]);
  }
  const p = data.projection;
  if (p) {
    money.push(['Projected spend this month', e(fmtUsd(p.periodTotal))]);
    if (p.next30Days !== undefined) money.push(['Projected next 30 days', e(fmtUsd(p.next30Days))]);
    if (p.confidence) money.push(['Projection confidence', e(p.confidence)]);
    if (p.method) money.push(['Projection method', e(p.method + (p.note ? ` (${p.note})` : ''))]);
  }
  const b = data.budget;
  if (b) {
    money.push([`Budget per ${e(b.period)}`, e(fmtUsd(b.amount))], ['Spent in the budget period', e(fmtUsd(b.spent))], ['Budget used', e(fmtPct(b.share))]);
    if (b.projectedAtEnd !== undefined) money.push(['Projected at period end', e(fmtUsd(b.projectedAtEnd))]);
    if (b.runsOutAt !== undefined) money.push(['Budget runs out', e(b.runsOutAt === null ? 'not in this period' : time(b.runsOutAt))]);
  }
  const s = data.cacheSavings;
  if (s) {
    money.push(['Saved by the response cache', e(fmtUsd(s.responseCacheUsd))], ['Saved by prompt caching', e(fmtUsd(s.promptCacheUsd))]);
    if (s.method) money.push(['Savings method', e(s.method)]);
  }
  if (money.length) out.push(`\n## Cost, projection and budget\n\n`, table(['Figure', 'Value'], money));

  if (data.topErrors && data.topErrors.length) {
    out.push(`\n## Top errors\n\n`, table(['Error', 'Endpoint', 'Count', 'Last seen'],
      data.topErrors.map(x => [e(x.errorType), e(x.endpoint), fmtInt(x.count), e(time(x.lastTs))])));
  }
  if (data.alerts) {
    out.push(`\n## Alerts in the period\n\n`);
    out.push(data.alerts.length ? table(['Rule', 'Severity', 'State', 'Value', 'Threshold', 'Started', 'Resolved'], data.alerts.map(a => [
      e(a.ruleName), e(a.level ? `${a.severity} (${a.level})` : a.severity), e(a.state), e(a.valueText ?? fmtNum(a.value)), e(a.thresholdText ?? fmtNum(a.threshold)),
      e(time(a.startedAt)), e(a.resolvedAt === null ? 'not yet' : time(a.resolvedAt))])) : 'No alert fired.\n');
  }
  if (data.recommendations && data.recommendations.length) {
    out.push(`\n## Recommendations\n\n`);
    for (const r of data.recommendations) {
      const save = r.savingsUsd !== undefined && r.savingsUsd !== null ? ` (saves about ${e(fmtUsd(r.savingsUsd))} per month)` : '';
      out.push(`- **${e(r.title)}**: ${e(r.detail)}${save}\n`);
    }
  }
  const d = data.definitions;
  out.push(`\n## Definitions\n\n`, table(['Term', 'Definition'], [
    ['Percentiles', e(`${d.percentileMethod} (${d.percentileKind})`)],
    ['Time zone', e(`${d.timeZone} (days and hours follow it; day totals add up to the range total)`)],
    ['Price table', e(d.priceTableVersion ?? 'unknown')],
    ['Money', e(`${d.currency}, summed unrounded, rounded for display; a positive amount under one cent reads <$0.01; unpriced calls are left out and counted`)],
    ['Rates', e(`no calls = no data (${NO_DATA}), not 0 %`)],
    ...(d.notes ?? []).map(n => ['Note', e(n)]),
  ]));
  return out.join('');
}

function fmtNumMs(x: number | null): string {
  return x === null || !Number.isFinite(x) ? NO_DATA : `${fmtNum(x, 0)} ms`;
}

function breakdown(title: string, keyLabel: string, rows: readonly BreakdownRow[]): string {
  if (!rows.length) return `\n## ${title}\n\nNo calls.\n`;
  return `\n## ${title}\n\n` + table([keyLabel, ...BREAKDOWN_COLUMNS.map(c => c.label)],
    rows.map(r => [e(r.key), ...BREAKDOWN_COLUMNS.map(c => e(c.fmt(c.get(r))))]));
}
