import type { CostData, CalculatorRow } from '../../src/shared/protocol';
import type { TabView, Ctx } from '../context';
import { h, clear, table, section, button, select } from '../dom';
import { stackedBarChart, timeChart } from '../charts';
import { formatUsd, formatUsdPrecise, formatCount, formatPercent, NO_DATA, unpricedNote } from '../format';
import { countOf } from '../../src/shared/text';

function tile(label: string, value: string, id: string, note?: string): HTMLElement {
  return h('div', { className: 'kpi', 'data-kpi': id }, h('div', { className: 'kpi-label' }, label), h('div', { className: 'kpi-value' }, value),
    note ? h('div', { className: 'kpi-change' }, note) : null);
}

function calculator(ctx: Ctx, models: () => readonly string[]): HTMLElement {
  const NONE = '';
  const picks = [NONE, NONE, NONE];
  const result = h('div', { className: 'calc-result', 'aria-live': 'polite' });
  const num = (id: string, label: string, value: string): HTMLElement =>
    h('label', { className: 'field' }, h('span', null, label), h('vscode-textfield', { id, type: 'number', value, min: 0 }));
  const pickers = h('div', { className: 'calc-models' });
  const fields = h('div', { className: 'calc-fields' },
    num('calc-rpd', 'Requests per day', '1000'), num('calc-in', 'Input tokens per request', '1000'),
    num('calc-out', 'Output tokens per request', '300'), num('calc-cached', 'Cached share of input (%)', '0'));
  const drawPickers = (): void => {
    clear(pickers);
    const opts = [{ value: NONE, label: '(none)' }, ...models().map(m => ({ value: m, label: m }))];
    picks.forEach((p, i) => pickers.appendChild(h('label', { className: 'field' }, h('span', null, `Model ${i + 1}`),
      select(`calc-model-${i}`, `Model ${i + 1}`, opts, p, v => { picks[i] = v; }, true))));
  };
  drawPickers();
  const val = (id: string): number => Number((fields.querySelector(`#${id}`) as unknown as { value: string }).value);
  const run = async (): Promise<void> => {
    const input = { models: picks.filter(Boolean), requestsPerDay: val('calc-rpd'), inputTokens: val('calc-in'), outputTokens: val('calc-out'),
      cachedShare: val('calc-cached') / 100 };
    clear(result);
    if (!input.models.length) { result.textContent = 'Pick at least one model.'; return; }
    if ([input.requestsPerDay, input.inputTokens, input.outputTokens].some(x => !Number.isFinite(x) || x < 0) || !(input.cachedShare >= 0 && input.cachedShare <= 1)) {
      result.textContent = 'Numbers must be ≥ 0 and the cached share between 0 and 100 %.';
      return;
    }
    const r = await ctx.request(id => ({ type: 'calculate', id, input }));
    if (r.type !== 'calculateResult') { result.textContent = r.type === 'error' ? r.message : 'No answer.'; return; }
    if (r.error) { result.textContent = r.error; return; }
    const rows = r.rows.map((c: CalculatorRow) => [c.model, formatUsdPrecise(c.perRequest), formatUsd(c.perDay), formatUsd(c.perMonth), c.note ?? '']);
    result.appendChild(table('Estimated cost', ['Model', 'Per request', 'Per day', 'Per month (30 d)', 'Note'], rows, { numeric: [1, 2, 3], className: 'data calc' }));
  };
  const form = h('div', { className: 'calculator' }, pickers, fields, button('Calculate', () => { void run(); }, { id: 'calc-run' }), result);
  (form as unknown as { redraw: () => void }).redraw = drawPickers;
  return form;
}

export function costTab(): TabView<CostData> {
  let root: HTMLElement;
  let calc: HTMLElement & { redraw?: () => void };
  let models: readonly string[] = [];
  let lastModels = '';
  return {
    id: 'cost',
    mount(panel, ctx) {
      root = h('div', { className: 'tab-body' });
      calc = calculator(ctx, () => models);
      panel.append(root, section('Calculator', h('p', { className: 'muted small' }, 'Prices from the bundled table and your overrides; computed by the extension.'), calc));
    },
    update(d, ctx) {
      clear(root);
      models = d.pricedModels.length ? d.pricedModels : ctx.meta.models;
      if (lastModels !== models.join('\n')) { lastModels = models.join('\n'); calc.redraw?.(); }
      const t = d.totals;
      root.append(
        h('div', { className: 'kpis' },
          tile('Today', formatUsd(t.today), 'today'), tile('Last 7 days', formatUsd(t.last7d), 'last7d', 'calendar days, today included'),
          tile('Last 30 days', formatUsd(t.last30d), 'last30d', 'calendar days, today included'), tile('Month to date', formatUsd(t.monthToDate), 'mtd'),
          tile('Avg cost per priced call', formatUsdPrecise(d.avgCostPerCall), 'avgPerCall', 'in the selected range'),
          tile('Wasted (failed + retries)', formatUsd(d.wasted.totalUsd), 'wasted',
            `failed ${formatUsd(d.wasted.failedUsd)} (${countOf(d.wasted.failedCalls, 'call')})` +
            (d.wasted.retryUsd !== null ? ` · retries ${formatUsd(d.wasted.retryUsd)}` : ''))),
        h('p', { className: 'muted small', id: 'unpriced-note' }, t.unpricedCalls30d > 0
          ? unpricedNote(t.unpricedCalls30d, t.unpricedNoModel30d)
          : 'Every call in the last 30 days is priced.'),
      );
      // Projection and budget
      const p = d.projection;
      const proj = h('div', { className: 'projection' });
      if (!p) proj.appendChild(h('p', { className: 'muted' }, d.pending ? 'Computing the projection…' : 'No projection available.'));
      else if (p.budgetUsd === null) {
        proj.append(
          h('p', null, h('strong', null, `This ${p.period ?? 'month'}: `), `spent ${formatUsd(p.spentUsd)}, projected ${formatUsd(p.projectedUsd)} by `,
            p.periodEnd ? new Date(p.periodEnd).toLocaleDateString() : 'period end', ' (all calls).'),
          h('p', { className: 'muted small' }, 'No budget set: add one with the setting apiMonitor.budget to see how spending compares.'),
          h('p', { className: 'muted small' }, p.assumptions), h('p', { className: 'muted small' }, p.confidence));
      } else {
        const share = (v: number | null): number => (p.budgetUsd && v !== null ? Math.min(100, (v / p.budgetUsd) * 100) : 0);
        const bar = h('div', { className: 'budget-bar', role: 'img',
          'aria-label': `Spent ${formatUsd(p.spentUsd)}, projected ${formatUsd(p.projectedUsd)} of a ${formatUsd(p.budgetUsd)} budget` });
        const spent = h('div', { className: 'budget-spent' }); spent.style.width = `${share(p.spentUsd)}%`;
        const projected = h('div', { className: 'budget-projected' }); projected.style.width = `${share(p.projectedUsd)}%`;
        bar.append(projected, spent);
        proj.append(
          h('p', null, h('strong', null, `Budget ${formatUsd(p.budgetUsd)}${p.period ? ` per ${p.period}` : ''}: `),
            `spent ${formatUsd(p.spentUsd)}, projected ${formatUsd(p.projectedUsd)} by ${p.periodEnd ? new Date(p.periodEnd).toLocaleDateString() : 'period end'}`,
            p.projectedShare !== null ? ` (${formatPercent(p.projectedShare, 0)} of budget)` : '', p.status ? ` · ${p.status}` : '',
            // a budget is global: say so, or a filtered view's "spent" looks wrong
            ' (all calls, whatever the filter).'),
          bar, h('p', { className: 'muted small' }, p.assumptions), h('p', { className: 'muted small' }, p.confidence));
      }
      if (p?.points && p.points.length > 1) {
        const box = h('div');
        proj.appendChild(box);
        const budget = p.budgetUsd;
        const pts = p.points;
        ctx.track(timeChart(box, {
          title: 'Cumulative spend and projection', hidden: new Set(), xFormat: t => new Date(t).toLocaleDateString(undefined, { month: 'short', day: 'numeric' }),
          yFormat: formatUsd,
          summary: `Spent ${formatUsd(p.spentUsd)} so far, projected ${formatUsd(p.projectedUsd)} at the end of the ${p.period ?? 'period'}`
            + (budget !== null ? ` against a ${formatUsd(budget)} budget.` : '.'),
          series: [
            { id: 'spent', label: 'Spent (cumulative)', points: pts.map(x => ({ x: x.t, y: x.spent })) },
            { id: 'projected', label: 'Projected', points: pts.map(x => ({ x: x.t, y: x.projected })), dashed: true },
            ...(budget !== null ? [{ id: 'budget', label: 'Budget', points: pts.map(x => ({ x: x.t, y: budget })), dashed: true, colorVar: '--vscode-charts-red' }] : []),
          ],
        }));
      }
      root.appendChild(section('Projection and budget', proj));
      const chartBox = h('div');
      root.appendChild(section('Cost per day by model', chartBox));
      const days = d.daily.days;
      const totalPerDay = days.map((_, i) => d.daily.values.reduce((s, v) => s + v[i], 0));
      const dailyBudget = p && p.budgetUsd && p.period === 'day' ? p.budgetUsd : null;
      ctx.track(stackedBarChart(chartBox, {
        title: 'Cost per day by model', labels: days, yFormat: formatUsd,
        stacks: d.daily.keys.map((k, i) => ({ label: k, values: d.daily.values[i] })),
        summary: days.length ? `${countOf(days.length, 'day')}, highest ${formatUsd(Math.max(...totalPerDay))} on ${days[totalPerDay.indexOf(Math.max(...totalPerDay))]}.` : 'No days.',
        line: dailyBudget !== null ? { label: 'Daily budget', value: dailyBudget } : undefined,
      }));
      const costCell = (r: { costUsd: number; calls: number; unpricedCalls: number }): string => (r.calls > 0 && r.unpricedCalls === r.calls ? NO_DATA : formatUsd(r.costUsd));
      const perCall = (r: { costUsd: number; calls: number; unpricedCalls: number }): string => (r.calls - r.unpricedCalls > 0 ? formatUsdPrecise(r.costUsd / (r.calls - r.unpricedCalls)) : NO_DATA);
      const share = (r: { costUsd: number }): string => (d.summary.costUsd > 0 ? formatPercent(r.costUsd / d.summary.costUsd) : NO_DATA);
      root.append(h('div', { className: 'grid2' },
        section('By endpoint', table('Cost by endpoint', ['Endpoint', 'Calls', 'Cost', 'Share', 'Per call', 'Unpriced'],
          d.byEndpoint.map(r => [r.key, formatCount(r.calls), costCell(r), share(r), perCall(r), r.unpricedCalls ? formatCount(r.unpricedCalls) : NO_DATA]),
          { numeric: [1, 2, 3, 4, 5], captionHidden: true, className: 'data by-endpoint' })),
        section('By model', table('Cost by model', ['Model', 'Calls', 'Cost', 'Share', 'Per call', 'Unpriced'],
          d.byModel.map(r => [r.key, formatCount(r.calls), costCell(r), share(r), perCall(r), r.unpricedCalls ? formatCount(r.unpricedCalls) : NO_DATA]),
          { numeric: [1, 2, 3, 4, 5], captionHidden: true, className: 'data by-model' }))));
      root.appendChild(section('Recommendations', d.recommendations.length
        ? h('ul', { className: 'recs' }, ...d.recommendations.map(r => h('li', null, h('strong', null, r.title),
          r.savingsUsdPerMonth !== null ? h('span', { className: 'badge' }, `save ~${formatUsd(r.savingsUsdPerMonth)}/month`) : null,
          h('div', { className: 'muted small' }, r.detail))))
        : h('p', { className: 'muted' }, d.pending ? 'Computing recommendations…' : 'No recommendation for the last 7 days.')));
    },
  };
}

