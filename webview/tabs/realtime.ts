import type { RealtimeData, Gauge, AlertView } from '../../src/shared/protocol';
import type { TabView } from '../context';
import { h, clear, table, section, icon } from '../dom';
import { formatValue, formatChange, formatCount, formatPercent, formatMs, formatUsd, bandColorVar, NO_DATA } from '../format';
import { countOf, plural } from '../../src/shared/text';

function gaugeView(g: Gauge): HTMLElement {
  const fmt = (v: number | null): string => (g.unit === 'ms' ? formatMs(v) : formatPercent(v));
  const t = g.thresholds;
  const bandText = g.band === null ? (t ? 'no data' : 'no rule') : g.band;
  const label = `${g.label}: ${fmt(g.value)}, ${t ? `band ${bandText}, warning ${fmt(t.warning)}, critical ${fmt(t.critical)}` : 'no alert rule sets thresholds'}`;
  const bar = h('div', { className: 'gauge-bar', role: 'img', 'aria-label': label });
  // Bands: the scale 0..max split at the thresholds; which side is red depends on the rule's comparison.
  const pos = (v: number): number => Math.max(0, Math.min(100, (v / g.max) * 100));
  if (t) {
    const stops = [t.warning, t.critical].filter((x): x is number => x !== null).map(pos).sort((a, b) => a - b);
    const colours = t.comparison === 'above'
      ? ['--vscode-charts-green', ...(t.warning !== null ? ['--vscode-charts-yellow'] : []), ...(t.critical !== null ? ['--vscode-charts-red'] : [])]
      : [...(t.critical !== null ? ['--vscode-charts-red'] : []), ...(t.warning !== null ? ['--vscode-charts-yellow'] : []), '--vscode-charts-green'];
    const edges = [0, ...stops, 100];
    for (let i = 0; i < edges.length - 1; i++) {
      const seg = h('div', { className: 'gauge-seg' });
      seg.style.left = `${edges[i]}%`;
      seg.style.width = `${edges[i + 1] - edges[i]}%`;
      seg.style.background = `var(${colours[i]})`;
      bar.appendChild(seg);
    }
  } else {
    bar.classList.add('no-rule');
  }
  if (g.value !== null) {
    const mark = h('div', { className: 'gauge-mark' });
    mark.style.left = `${pos(g.value)}%`;
    bar.appendChild(mark);
  }
  const value = h('div', { className: 'gauge-value' }, fmt(g.value));
  value.style.color = `var(${bandColorVar(g.band)})`;
  return h('div', { className: 'gauge', 'data-gauge': g.id },
    h('div', { className: 'gauge-head' }, h('span', null, g.label), value),
    bar,
    h('div', { className: 'gauge-foot' }, t
      ? `warning ${fmt(t.warning)} · critical ${fmt(t.critical)} (${t.comparison}) · ${bandText}`
      : 'no rule: add one in the Alerts tab to get bands'));
}

export function alertList(alerts: readonly AlertView[], empty: string): HTMLElement {
  if (!alerts.length) return h('p', { className: 'muted' }, empty);
  return h('ul', { className: 'alert-list' }, ...alerts.map(a => h('li', { className: `sev-${a.severity}` },
    icon(a.severity === 'info' ? 'info' : a.severity === 'warning' ? 'warning' : 'error', a.severity),
    h('strong', null, ` ${a.ruleName} `), h('span', null, a.message),
    h('span', { className: 'muted' }, ` · since ${new Date(a.since).toLocaleString()}`),
    a.acknowledged ? h('span', { className: 'badge' }, 'acknowledged') : null)));
}

export function realtimeTab(): TabView<RealtimeData> {
  let root: HTMLElement;
  return {
    id: 'realtime',
    mount(panel) {
      root = h('div', { className: 'tab-body' });
      panel.appendChild(root);
    },
    update(d) {
      clear(root);
      const tiles = h('div', { className: 'kpis', role: 'list', 'aria-label': 'Key figures against the previous window' });
      for (const k of d.kpis) {
        const ch = formatChange(k.change, k.higherIsWorse);
        const unit = k.unit;
        tiles.appendChild(h('div', { className: 'kpi', role: 'listitem', 'data-kpi': k.id },
          h('div', { className: 'kpi-label' }, k.label),
          h('div', { className: 'kpi-value' }, formatValue(k.value, unit)),
          h('div', { className: `kpi-change tone-${ch.tone}`, title: `previous window: ${formatValue(k.previous, unit)}` },
            ch.text, h('span', { className: 'sr-only' }, ` vs previous window (${formatValue(k.previous, unit)})`))));
      }
      const w = d.window;
      const notes = h('p', { className: 'muted small' },
        `Percentiles: ${w.latency.method === 'exact' ? 'exact (nearest rank)' : 'approximate (≤ 2 % error)'} over n = ${countOf(w.latency.n, 'call')} with a latency. `,
        `Throughput = calls per minute over the window. `,
        w.unpricedCalls > 0 ? `${countOf(w.unpricedCalls, 'unpriced call')} ${plural(w.unpricedCalls, 'is', 'are')} left out of the cost.` : '');
      const rows = d.endpoints.map(r => [r.key, formatCount(r.calls), formatPercent(r.successRate), formatMs(r.avgLatency),
        formatMs(r.p95), formatUsd(r.unpricedCalls === r.calls && r.calls > 0 ? null : r.costUsd), r.unpricedCalls ? formatCount(r.unpricedCalls) : NO_DATA]);
      root.append(
        tiles, notes,
        h('div', { className: 'grid2' },
          section('Gauges', h('div', { className: 'gauges' }, ...d.gauges.map(gaugeView))),
          section('Active alerts', alertList(d.activeAlerts, 'No alert is firing.'))),
        section('Endpoints', table('Calls per endpoint in the window', ['Endpoint', 'Calls', 'Success', 'Avg', 'p95', 'Cost', 'Unpriced'], rows,
          { numeric: [1, 2, 3, 4, 5, 6], captionHidden: true, className: 'data endpoints' }),
        d.endpointsOmitted ? h('p', { className: 'muted small' }, `${formatCount(d.endpointsOmitted)} more endpoints not shown (use the endpoint filter).`) : null),
      );
    },
  };
}
