// The dashboard's UI state comes back from the webview (getState, the serializer): untrusted, so every field is
// checked and anything odd falls back to the defaults. Pure, unit-tested.
import type { DashboardUiState, DashboardFilter, RangePreset } from '../../shared/protocol';
import { isTabId } from './assemble';

const RANGES: readonly RangePreset[] = ['15m', '1h', '6h', '24h', '7d', '30d', 'custom'];
const INTERVALS = [5, 10, 30, 60];

export function defaultUiState(autoRefresh: boolean, refreshSeconds: number): DashboardUiState {
  return {
    tab: 'realtime', filter: { range: '1h' }, autoRefresh,
    refreshSeconds: INTERVALS.includes(refreshSeconds) ? refreshSeconds : 10, hiddenSeries: [],
  };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' && v.length <= 1000 ? v : undefined);
const time = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

export function sanitizeFilter(raw: unknown, fallback: DashboardFilter): DashboardFilter {
  if (typeof raw !== 'object' || raw === null) return fallback;
  const r = raw as Record<string, unknown>;
  const range = RANGES.includes(r.range as RangePreset) ? (r.range as RangePreset) : fallback.range;
  const f: { -readonly [K in keyof DashboardFilter]: DashboardFilter[K] } = { range };
  if (range === 'custom') {
    const from = time(r.from);
    const to = time(r.to);
    if (from === undefined || to === undefined || to <= from) return { ...f, range: '24h', endpoint: str(r.endpoint), model: str(r.model) };
    f.from = from;
    f.to = to;
  }
  const endpoint = str(r.endpoint);
  const model = str(r.model);
  if (endpoint) f.endpoint = endpoint;
  if (model) f.model = model;
  return f;
}

export function sanitizeUiState(raw: unknown, fallback: DashboardUiState): DashboardUiState {
  if (typeof raw !== 'object' || raw === null) return fallback;
  const r = raw as Record<string, unknown>;
  const hidden = Array.isArray(r.hiddenSeries) ? r.hiddenSeries.filter((x): x is string => typeof x === 'string').slice(0, 50) : fallback.hiddenSeries;
  return {
    tab: isTabId(r.tab) ? r.tab : fallback.tab,
    filter: sanitizeFilter(r.filter, fallback.filter),
    autoRefresh: typeof r.autoRefresh === 'boolean' ? r.autoRefresh : fallback.autoRefresh,
    refreshSeconds: INTERVALS.includes(r.refreshSeconds as number) ? (r.refreshSeconds as number) : fallback.refreshSeconds,
    hiddenSeries: hidden,
  };
}
