// chart.js wrappers: colours from the --vscode-charts-* variables (re-read on theme change), no animation,
// LTTB decimation for long series, drag-to-zoom on the time axis, legend toggles, and a text alternative
// (role="img" + aria-label summary and a visually hidden data table) for every chart.
import {
  Chart, LineController, BarController, LineElement, PointElement, BarElement, LinearScale, CategoryScale, Tooltip, Legend,
  Decimation, Filler, type ChartDataset, type ChartConfiguration,
} from 'chart.js';
import { h, clear } from './dom';
import { countOf, ordinal } from '../src/shared/text';
import { dragToRange, niceTimeTicks } from './format';

Chart.register(LineController, BarController, LineElement, PointElement, BarElement, LinearScale, CategoryScale, Tooltip, Legend, Decimation, Filler);

const PALETTE_VARS = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple',
  '--vscode-charts-red', '--vscode-charts-yellow', '--vscode-charts-foreground'];
const FALLBACK = ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700', '#cccccc'];

export interface Theme { palette: string[]; fg: string; grid: string; font: string }

export function readTheme(): Theme {
  const cs = getComputedStyle(document.body);
  const v = (name: string): string => cs.getPropertyValue(name).trim();
  return {
    palette: PALETTE_VARS.map((n, i) => v(n) || FALLBACK[i]),
    fg: v('--vscode-foreground') || '#cccccc',
    grid: v('--vscode-charts-lines') || v('--vscode-widget-border') || 'rgba(128,128,128,0.3)',
    font: v('--vscode-font-family') || 'sans-serif',
  };
}

/** Every live chart, so a theme change can redraw them all with the new colours. */
const live = new Set<{ redraw(): void }>();

export function watchTheme(): void {
  // VS Code switches body classes vscode-light / vscode-dark / vscode-high-contrast on theme change.
  new MutationObserver(() => { for (const c of [...live]) c.redraw(); })
    .observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
}

export interface ChartHandle { destroy(): void; redraw(): void }

export interface TimeSeriesSpec {
  id: string;
  label: string;
  points: { x: number; y: number | null }[];
  axis?: 'y' | 'y1';
  dashed?: boolean;
  /** a --vscode-charts-* variable for this series instead of the palette's next colour */
  colorVar?: string;
}

export interface TimeChartOptions {
  title: string;
  series: TimeSeriesSpec[];
  yFormat: (v: number) => string;
  y1Format?: (v: number) => string;
  xFormat: (t: number) => string;
  hidden: ReadonlySet<string>;
  onToggle?: (id: string, hidden: boolean) => void;
  onZoom?: (from: number, to: number) => void;
  /** one-sentence summary read by screen readers */
  summary: string;
  /** display zone offset from UTC (ms), to put ticks on round local times */
  zoneOffsetMs?: number;
  yMin?: number;
  yMax?: number;
}

const MAX_TABLE_ROWS = 60;

/** Visually hidden table of the chart's data (sampled when long, which the caption says). */
function dataTable(caption: string, xs: string[], cols: { label: string; values: (number | null)[]; format: (v: number) => string }[]): HTMLElement {
  const step = Math.max(1, Math.ceil(xs.length / MAX_TABLE_ROWS));
  const rows: number[] = [];
  for (let i = 0; i < xs.length; i += step) rows.push(i);
  const t = h('table', { className: 'sr-only' },
    h('caption', null, step > 1 ? `${caption} (every ${ordinal(step)} of ${countOf(xs.length, 'point')})` : caption),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Time'), ...cols.map(c => h('th', { scope: 'col' }, c.label)))));
  const body = h('tbody');
  for (const i of rows) {
    body.appendChild(h('tr', null, h('th', { scope: 'row' }, xs[i]),
      ...cols.map(c => { const v = c.values[i]; return h('td', null, v === null || v === undefined ? 'no data' : c.format(v)); })));
  }
  t.appendChild(body);
  return t;
}

export function timeChart(container: HTMLElement, o: TimeChartOptions): ChartHandle {
  clear(container);
  container.classList.add('chart-box');
  const canvas = h('canvas', { role: 'img', 'aria-label': `${o.title}. ${o.summary}` });
  const wrap = h('div', { className: 'chart-canvas' }, canvas);
  const sel = h('div', { className: 'zoom-select', hidden: true });
  wrap.appendChild(sel);
  container.append(wrap);
  // Series toggles that work from the keyboard too (the chart.js legend is mouse-only); kept in step with it.
  const boxes: HTMLElement[] = [];
  if (o.series.length > 1) {
    const row = h('div', { className: 'series-toggles', role: 'group', 'aria-label': `${o.title}: series shown` });
    o.series.forEach((s, i) => {
      const cb = h('vscode-checkbox', { checked: !o.hidden.has(s.id), 'data-series': s.id }, s.label);
      cb.addEventListener('change', () => {
        const shown = (cb as unknown as { checked: boolean }).checked;
        if (chart && chart.isDatasetVisible(i) !== shown) { chart.setDatasetVisibility(i, shown); chart.update(); }
        o.onToggle?.(s.id, !shown);
      });
      boxes.push(cb);
      row.appendChild(cb);
    });
    container.appendChild(row);
  }
  const xs = o.series[0]?.points.map(p => o.xFormat(p.x)) ?? [];
  container.appendChild(dataTable(o.title, xs, o.series.map(s => ({
    label: s.label, values: s.points.map(p => p.y), format: s.axis === 'y1' && o.y1Format ? o.y1Format : o.yFormat,
  }))));
  const n = Math.max(0, ...o.series.map(s => s.points.length));

  let chart: Chart | undefined;
  const build = (): void => {
    chart?.destroy();
    const t = readTheme();
    const colour = (s: TimeSeriesSpec, i: number): string =>
      (s.colorVar && getComputedStyle(document.body).getPropertyValue(s.colorVar).trim()) || t.palette[i % t.palette.length];
    const datasets: ChartDataset<'line', { x: number; y: number | null }[]>[] = o.series.map((s, i) => ({
      label: s.label,
      data: s.points,
      borderColor: colour(s, i),
      backgroundColor: colour(s, i),
      borderWidth: 1.5,
      borderDash: s.dashed ? [4, 3] : undefined,
      // long series draw as lines only, but a bucket between two empty ones would then be invisible: dot it
      pointRadius: (c: { dataIndex: number }) => {
        const i = c.dataIndex;
        const has = (k: number): boolean => s.points[k] !== undefined && s.points[k].y !== null;
        return n <= 60 || (has(i) && !has(i - 1) && !has(i + 1)) ? 2 : 0;
      },
      spanGaps: false,
      hidden: boxes[i] ? !(boxes[i] as unknown as { checked: boolean }).checked : o.hidden.has(s.id),
      yAxisID: s.axis ?? 'y',
      parsing: false,
      normalized: true,
    }));
    const cfg: ChartConfiguration<'line', { x: number; y: number | null }[]> = {
      type: 'line',
      data: { datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        color: t.fg,
        font: { family: t.font },
        scales: {
          x: {
            type: 'linear', ticks: { color: t.fg, callback: v => o.xFormat(Number(v)) }, grid: { color: t.grid },
            afterBuildTicks: axis => { axis.ticks = niceTimeTicks(axis.min, axis.max, o.zoneOffsetMs ?? 0).map(value => ({ value })); },
          },
          y: { ticks: { color: t.fg, callback: v => o.yFormat(Number(v)) }, grid: { color: t.grid }, min: o.yMin, max: o.yMax, beginAtZero: true },
          ...(o.series.some(s => s.axis === 'y1') ? {
            y1: { position: 'right' as const, ticks: { color: t.fg, callback: (v: string | number) => (o.y1Format ?? o.yFormat)(Number(v)) }, grid: { drawOnChartArea: false }, beginAtZero: true },
          } : {}),
        },
        plugins: {
          // LTTB keeps the shape of a long series with a few hundred points (30 days of minutes stays fluid).
          decimation: { enabled: n > 1000, algorithm: 'lttb', samples: 800 },
          legend: {
            labels: { color: t.fg, boxWidth: 12 },
            onClick: (_e, item, legend) => {
              const i = item.datasetIndex ?? 0;
              const ch = legend.chart;
              const vis = ch.isDatasetVisible(i);
              ch.setDatasetVisibility(i, !vis);
              ch.update();
              if (boxes[i]) (boxes[i] as unknown as { checked: boolean }).checked = !vis;
              o.onToggle?.(o.series[i].id, vis);
            },
          },
          tooltip: {
            callbacks: {
              title: items => (items.length ? o.xFormat(Number(items[0].parsed.x)) : ''),
              label: item => {
                const s = o.series[item.datasetIndex];
                const f = s.axis === 'y1' && o.y1Format ? o.y1Format : o.yFormat;
                return `${s.label}: ${item.parsed.y === null ? 'no data' : f(Number(item.parsed.y))}`;
              },
            },
          },
        },
      },
    };
    chart = new Chart(canvas, cfg);
  };
  build();

  // Drag to zoom: plain mouse events on the canvas, mapped through the x scale's pixel range.
  if (o.onZoom) {
    let x0: number | null = null;
    const rel = (e: MouseEvent): number => e.clientX - canvas.getBoundingClientRect().left;
    canvas.addEventListener('mousedown', e => { if (e.button === 0) { x0 = rel(e); } });
    canvas.addEventListener('mousemove', e => {
      if (x0 === null || !chart) return;
      const x1 = rel(e);
      sel.hidden = false;
      sel.style.left = `${Math.min(x0, x1)}px`;
      sel.style.width = `${Math.abs(x1 - x0)}px`;
    });
    const end = (e: MouseEvent): void => {
      if (x0 === null || !chart) return;
      const start = x0;
      x0 = null;
      sel.hidden = true;
      const sx = chart.scales.x;
      const r = dragToRange(start, rel(e), chart.chartArea.left, chart.chartArea.right, sx.min, sx.max);
      if (r) o.onZoom?.(r.from, r.to);
    };
    canvas.addEventListener('mouseup', end);
    canvas.addEventListener('mouseleave', e => { if (x0 !== null) end(e); });
  }

  const handle: ChartHandle = {
    redraw: build,
    destroy: () => { chart?.destroy(); chart = undefined; live.delete(handle); },
  };
  live.add(handle);
  return handle;
}

export interface StackedBarOptions {
  title: string;
  labels: readonly string[];
  stacks: { label: string; values: readonly number[] }[];
  yFormat: (v: number) => string;
  summary: string;
  /** a horizontal reference line (e.g. a daily budget) */
  line?: { label: string; value: number };
}

export function stackedBarChart(container: HTMLElement, o: StackedBarOptions): ChartHandle {
  clear(container);
  container.classList.add('chart-box');
  const canvas = h('canvas', { role: 'img', 'aria-label': `${o.title}. ${o.summary}` });
  container.append(h('div', { className: 'chart-canvas' }, canvas),
    dataTable(o.title, [...o.labels], o.stacks.map(s => ({ label: s.label, values: [...s.values], format: o.yFormat }))));
  let chart: Chart | undefined;
  const build = (): void => {
    chart?.destroy();
    const t = readTheme();
    const datasets: ChartDataset<'bar' | 'line', number[]>[] = o.stacks.map((s, i) => ({
      type: 'bar' as const, label: s.label, data: [...s.values], backgroundColor: t.palette[i % t.palette.length], stack: 'cost',
    }));
    if (o.line) {
      datasets.push({ type: 'line' as const, label: o.line.label, data: o.labels.map(() => o.line!.value), borderColor: t.palette[4],
        borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5 });
    }
    chart = new Chart(canvas, {
      type: 'bar',
      data: { labels: [...o.labels], datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, color: t.fg,
        scales: {
          x: { stacked: true, ticks: { color: t.fg }, grid: { color: t.grid } },
          y: { stacked: true, beginAtZero: true, ticks: { color: t.fg, callback: v => o.yFormat(Number(v)) }, grid: { color: t.grid } },
        },
        plugins: {
          legend: { labels: { color: t.fg, boxWidth: 12 } },
          tooltip: { callbacks: { label: item => `${item.dataset.label}: ${o.yFormat(Number(item.parsed.y))}` } },
        },
      },
    } as ChartConfiguration<'bar', number[]>);
  };
  build();
  const handle: ChartHandle = { redraw: build, destroy: () => { chart?.destroy(); chart = undefined; live.delete(handle); } };
  live.add(handle);
  return handle;
}
