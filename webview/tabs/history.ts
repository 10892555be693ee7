import type { HistoryData } from '../../src/shared/protocol';
import type { TabView } from '../context';
import { h, clear, section } from '../dom';
import { timeChart, type TimeSeriesSpec } from '../charts';
import { formatMs, formatPercent, formatRate, formatUsd, formatTime, zoneOffset, NO_DATA } from '../format';
import { countOf } from '../../src/shared/text';

export function historyTab(): TabView<HistoryData> {
  let root: HTMLElement;
  return {
    id: 'history',
    mount(panel) {
      root = h('div', { className: 'tab-body' });
      panel.appendChild(root);
    },
    update(d, ctx) {
      clear(root);
      const s = d.series;
      const pts = s.points;
      const tz = ctx.meta.timeZone;
      const xf = (t: number): string => formatTime(t, s.bucketMs, tz);
      const hidden = new Set(ctx.ui.hiddenSeries);
      const zoneOffsetMs = zoneOffset(pts[0]?.t ?? Date.now(), tz);
      const onToggle = (id: string, nowHidden: boolean): void => {
        const next = new Set(ctx.ui.hiddenSeries);
        if (nowHidden) next.add(id); else next.delete(id);
        ctx.setHiddenSeries([...next]);
      };
      const onZoom = (from: number, to: number): void => ctx.setFilter({ range: 'custom', from, to });
      const line = (id: string, label: string, get: (p: (typeof pts)[number]) => number | null, extra: Partial<TimeSeriesSpec> = {}): TimeSeriesSpec =>
        ({ id, label, points: pts.map(p => ({ x: p.t, y: get(p) })), ...extra });
      const bucketName = { minute: '1 minute', '5min': '5 minutes', '15min': '15 minutes', hour: '1 hour', day: '1 day' }[s.bucket];
      const max = (xs: (number | null)[]): number | null => xs.reduce<number | null>((m, x) => (x !== null && (m === null || x > m) ? x : m), null);
      root.appendChild(h('p', { className: 'muted small' },
        `${countOf(pts.length, 'bucket')} of ${bucketName}. Percentiles ${s.percentileMethod === 'exact' ? 'exact' : 'approximate (≤ 2 %)'} per bucket from raw latencies. `,
        'Drag across a chart to zoom into that range; click a legend entry to hide a series.'));
      if (!pts.some(p => p.calls > 0)) {
        root.appendChild(h('p', { className: 'empty' }, 'No calls in this range.'));
      }
      const box = (title: string): HTMLElement => { const b = h('div'); root.appendChild(section(title, b)); return b; };
      ctx.track(timeChart(box('Latency'), {
        title: 'Latency percentiles', xFormat: xf, zoneOffsetMs, yFormat: formatMs, hidden, onToggle, onZoom,
        summary: `Highest p95 ${formatMs(max(pts.map(p => p.p95)))}, highest p99 ${formatMs(max(pts.map(p => p.p99)))}.`,
        series: [line('p50', 'p50', p => p.p50), line('p95', 'p95', p => p.p95), line('p99', 'p99', p => p.p99, { dashed: true })],
      }));
      ctx.track(timeChart(box('Success and cache rates'), {
        title: 'Success and cache rates', xFormat: xf, zoneOffsetMs, yFormat: v => formatPercent(v, 0), hidden, onToggle, onZoom, yMin: 0, yMax: 1,
        summary: `Lowest success rate ${(() => { const v = pts.map(p => p.successRate).filter((x): x is number => x !== null); return v.length ? formatPercent(Math.min(...v)) : NO_DATA; })()}.`,
        series: [line('successRate', 'Success rate', p => p.successRate), line('responseCacheHitRate', 'Response-cache hit rate', p => p.responseCacheHitRate),
          line('promptCacheTokenShare', 'Prompt-cache token share', p => p.promptCacheTokenShare, { dashed: true })],
      }));
      ctx.track(timeChart(box('Throughput and cost'), {
        title: 'Throughput and cost per hour', xFormat: xf, zoneOffsetMs, yFormat: formatRate, y1Format: v => `${formatUsd(v)}/h`, hidden, onToggle, onZoom,
        summary: `Peak throughput ${formatRate(max(pts.map(p => p.throughputPerMin)))}, peak cost ${formatUsd(max(pts.map(p => p.costPerHour)))} per hour.`,
        series: [line('throughput', 'Calls/min', p => p.throughputPerMin), line('costPerHour', 'Cost per hour', p => p.costPerHour, { axis: 'y1' })],
      }));
    },
  };
}
