import type { CacheData } from '../../src/shared/protocol';
import type { TabView } from '../context';
import { h, clear, table, section } from '../dom';
import { formatUsd, formatPercent, formatCount, whatIfMonthlySavings, NO_DATA } from '../format';

export function cacheTab(): TabView<CacheData> {
  let root: HTMLElement;
  let target = 0.5;
  return {
    id: 'cache',
    mount(panel) {
      root = h('div', { className: 'tab-body' });
      panel.appendChild(root);
    },
    update(d) {
      clear(root);
      const w = d.summary;
      root.appendChild(h('div', { className: 'kpis' },
        ...[
          ['Response-cache hit rate', formatPercent(w.responseCacheHitRate), 'hitRate', 'the app answered from its own cache'],
          ['Prompt-cache token share', formatPercent(w.promptCacheTokenShare), 'promptShare', 'input tokens read from the provider cache'],
          ['Response-cache savings', formatUsd(d.responseCacheSavingsUsd), 'respSavings', 'cost the hits would have had'],
          ['Prompt-cache savings', formatUsd(d.promptCacheSavingsUsd), 'promptSavings', 'cached reads vs full input price'],
        ].map(([label, value, id, note]) => h('div', { className: 'kpi', 'data-kpi': id }, h('div', { className: 'kpi-label' }, label),
          h('div', { className: 'kpi-value' }, value), h('div', { className: 'kpi-change' }, note)))));
      // What-if
      const wi = d.whatIf;
      const out = h('p', { className: 'whatif-out', 'aria-live': 'polite', id: 'whatif-out' });
      const slider = h('input', { type: 'range', min: 0, max: 100, step: 1, id: 'whatif-target', value: Math.round(target * 100),
        'aria-label': 'Target response-cache hit rate (%)' });
      const show = (): void => {
        const s = whatIfMonthlySavings(wi.currentHitRate, target, wi.callsPerMonth, wi.avgCostPerMissUsd);
        out.textContent = s === null
          ? 'Not enough data: needs calls with a known cache flag and priced misses.'
          : `At ${formatPercent(target, 0)} (now ${formatPercent(wi.currentHitRate)}): about ${formatUsd(s)} saved per month`
            + ` (${formatCount(wi.callsPerMonth)} calls/month × ${formatUsd(wi.avgCostPerMissUsd === null ? null : wi.avgCostPerMissUsd * 1000)} per 1,000 misses).`;
      };
      slider.addEventListener('input', () => { target = Number(slider.value) / 100; show(); });
      show();
      root.appendChild(section('What if', h('label', { className: 'field wide' }, h('span', null, 'Target hit rate'), slider), out,
        h('p', { className: 'muted small' }, 'Each extra hit avoids one call at the average cost of a miss in this range; the month is 30 days at this range\'s pace.')));
      root.appendChild(section('Per endpoint', table('Cache per endpoint',
        ['Endpoint', 'Calls', 'Response-cache hits', 'Prompt-cache share', 'Response savings', 'Prompt savings'],
        d.rows.map(r => [r.key, formatCount(r.calls), formatPercent(r.responseCacheHitRate), formatPercent(r.promptCacheTokenShare),
          r.responseCacheSavingsUsd === null ? NO_DATA : formatUsd(r.responseCacheSavingsUsd), r.promptCacheSavingsUsd === null ? NO_DATA : formatUsd(r.promptCacheSavingsUsd)]),
        { numeric: [1, 2, 3, 4, 5], captionHidden: true, className: 'data cache' })));
    },
  };
}
