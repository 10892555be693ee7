// Dashboard front end. Talks to the host only through src/shared/protocol.ts messages: sends `ready` first,
// asks for the visible tab's aggregates, renders them with DOM APIs (textContent, never innerHTML) and chart.js.
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import type {
  ToWebview, FromWebview, DashboardUiState, DashboardMeta, DashboardFilter, TabId, RangePreset, TabData,
} from '../src/shared/protocol';
import { h, clear, select, button, icon } from './dom';
import { watchTheme, type ChartHandle } from './charts';
import { toLocalInput, fromLocalInput } from './format';
import { countOf } from '../src/shared/text';
import type { Ctx, Reply, TabView } from './context';
import { realtimeTab } from './tabs/realtime';
import { historyTab } from './tabs/history';
import { costTab } from './tabs/cost';
import { cacheTab } from './tabs/cache';
import { alertsTab } from './tabs/alerts';

interface VsCodeApi {
  postMessage(msg: FromWebview): void;
  getState(): unknown;
  setState(s: DashboardUiState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

const TABS: { id: TabId; label: string; icon: string }[] = [
  { id: 'realtime', label: 'Real-time', icon: 'pulse' },
  { id: 'history', label: 'History', icon: 'graph-line' },
  { id: 'cost', label: 'Cost', icon: 'credit-card' },
  { id: 'cache', label: 'Cache', icon: 'database' },
  { id: 'alerts', label: 'Alerts', icon: 'bell' },
];
const RANGES: { value: RangePreset; label: string }[] = [
  { value: '15m', label: 'Last 15 minutes' }, { value: '1h', label: 'Last hour' }, { value: '6h', label: 'Last 6 hours' },
  { value: '24h', label: 'Last 24 hours' }, { value: '7d', label: 'Last 7 days' }, { value: '30d', label: 'Last 30 days' },
  { value: 'custom', label: 'Custom…' },
];
const ALL = '__all__';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const views: Record<TabId, TabView<any>> = {
  realtime: realtimeTab(), history: historyTab(), cost: costTab(), cache: cacheTab(), alerts: alertsTab(),
};

let ui: DashboardUiState | null = null;
let meta: DashboardMeta = { endpoints: [], models: [], firstTs: null, lastTs: null, timeZone: '', totalCalls: 0 };
let nextId = 1;
let lastViewId = 0;
const waiting = new Map<number, (r: Reply) => void>();
let charts: ChartHandle[] = [];
let timer: ReturnType<typeof setInterval> | undefined;
const panels = new Map<TabId, HTMLElement>();
const mounted = new Set<TabId>();
let filterBar: HTMLElement;
let statusLine: HTMLElement;
let live: HTMLElement;

function saveState(): void {
  if (ui) vscode.setState(ui);
}

const ctx: Ctx = {
  get ui() { return ui as DashboardUiState; },
  get meta() { return meta; },
  post: msg => vscode.postMessage(msg),
  request: make => new Promise(resolve => {
    const id = nextId++;
    waiting.set(id, resolve);
    vscode.postMessage(make(id));
  }),
  setFilter: patch => {
    if (!ui) return;
    const f: DashboardFilter = { ...ui.filter, ...patch };
    ui = { ...ui, filter: clean(f) };
    renderFilters();
    requestView();
  },
  setHiddenSeries: hidden => { if (ui) { ui = { ...ui, hiddenSeries: [...hidden] }; saveState(); } },
  track: c => { charts.push(c); },
  announce: text => { live.textContent = text; },
};

function clean(f: DashboardFilter): DashboardFilter {
  const out: { -readonly [K in keyof DashboardFilter]: DashboardFilter[K] } = { range: f.range };
  if (f.range === 'custom') { out.from = f.from; out.to = f.to; }
  if (f.endpoint) out.endpoint = f.endpoint;
  if (f.model) out.model = f.model;
  return out;
}

function requestView(): void {
  if (!ui) return;
  saveState();
  const id = nextId++;
  lastViewId = id;
  document.body.setAttribute('aria-busy', 'true');
  vscode.postMessage({ type: 'view', id, tab: ui.tab, filter: ui.filter });
}

function restartTimer(): void {
  if (timer) clearInterval(timer);
  timer = undefined;
  if (ui?.autoRefresh) {
    // Re-ask for the visible tab: relative ranges ("last hour") move with the clock.
    timer = setInterval(() => { if (document.visibilityState === 'visible') requestView(); }, ui.refreshSeconds * 1000);
  }
}

function renderFilters(): void {
  if (!ui) return;
  clear(filterBar);
  const f = ui.filter;
  const endpointOpts = [{ value: ALL, label: 'All endpoints' }, ...meta.endpoints.map(e => ({ value: e, label: e }))];
  if (f.endpoint && !meta.endpoints.includes(f.endpoint)) endpointOpts.push({ value: f.endpoint, label: f.endpoint });
  const modelOpts = [{ value: ALL, label: 'All models' }, ...meta.models.map(m => ({ value: m, label: m }))];
  if (f.model && !meta.models.includes(f.model)) modelOpts.push({ value: f.model, label: f.model });
  filterBar.append(
    h('label', { className: 'filter' }, h('span', null, 'Range'),
      select('f-range', 'Time range', RANGES, f.range, v => {
        const range = v as RangePreset;
        if (range === 'custom') {
          const to = Date.now();
          ctx.setFilter({ range, from: to - 86_400_000, to });
        } else ctx.setFilter({ range, from: undefined, to: undefined });
      })),
  );
  if (f.range === 'custom') {
    const from = h('input', { type: 'datetime-local', id: 'f-from', 'aria-label': 'From', value: toLocalInput(f.from ?? Date.now() - 86_400_000) });
    const to = h('input', { type: 'datetime-local', id: 'f-to', 'aria-label': 'To', value: toLocalInput(f.to ?? Date.now()) });
    const apply = (): void => {
      const a = fromLocalInput(from.value);
      const b = fromLocalInput(to.value);
      if (a !== null && b !== null && b > a) ctx.setFilter({ from: a, to: b });
      else ctx.announce('The custom range needs a start before its end.');
    };
    from.addEventListener('change', apply);
    to.addEventListener('change', apply);
    filterBar.append(h('label', { className: 'filter' }, h('span', null, 'From'), from), h('label', { className: 'filter' }, h('span', null, 'To'), to));
  }
  filterBar.append(
    h('label', { className: 'filter' }, h('span', null, 'Endpoint'),
      select('f-endpoint', 'Endpoint', endpointOpts, f.endpoint ?? ALL, v => ctx.setFilter({ endpoint: v === ALL ? undefined : v }))),
    h('label', { className: 'filter' }, h('span', null, 'Model'),
      select('f-model', 'Model', modelOpts, f.model ?? ALL, v => ctx.setFilter({ model: v === ALL ? undefined : v }))),
  );
  const auto = h('vscode-checkbox', { id: 'auto-refresh', checked: ui.autoRefresh }, 'Auto-refresh');
  auto.addEventListener('change', () => {
    if (!ui) return;
    ui = { ...ui, autoRefresh: (auto as unknown as { checked: boolean }).checked };
    saveState();
    vscode.postMessage({ type: 'autoRefresh', enabled: ui.autoRefresh, seconds: ui.refreshSeconds });
    restartTimer();
  });
  const every = select('refresh-every', 'Refresh interval', [5, 10, 30, 60].map(s => ({ value: String(s), label: `every ${s} s` })),
    String(ui.refreshSeconds), v => {
      if (!ui) return;
      ui = { ...ui, refreshSeconds: Number(v) };
      saveState();
      vscode.postMessage({ type: 'autoRefresh', enabled: ui.autoRefresh, seconds: ui.refreshSeconds });
      restartTimer();
    });
  filterBar.append(h('div', { className: 'refresh' }, auto, every,
    button('Refresh now', () => { const id = nextId++; lastViewId = id; vscode.postMessage({ type: 'refresh', id }); },
      { id: 'refresh-now', secondary: true, iconName: 'refresh' })));
}

function showSnapshot(tab: TabId, payload: TabData, from: number, to: number, generatedAt: number): void {
  for (const c of charts) c.destroy();
  charts = [];
  const panel = panels.get(tab)!;
  if (!mounted.has(tab)) { views[tab].mount(panel, ctx); mounted.add(tab); }
  views[tab].update(payload.data, ctx);
  const fmt = (t: number): string => new Date(t).toLocaleString();
  statusLine.textContent = `${fmt(from)} – ${fmt(to)} · ${countOf(meta.totalCalls, 'call')} stored · updated ${new Date(generatedAt).toLocaleTimeString()}`
    + (meta.timeZone ? ` · days in ${meta.timeZone}` : '');
  document.body.setAttribute('aria-busy', 'false');
  document.body.dataset.tab = tab;
  document.body.dataset.ready = '1';
}

function onMessage(msg: ToWebview): void {
  switch (msg.type) {
    case 'init': {
      ui = msg.state;
      meta = msg.meta;
      selectTab(ui.tab, false);
      renderFilters();
      restartTimer();
      saveState();
      break;
    }
    case 'snapshot': {
      if (!ui) return;
      // Drop answers to superseded requests and pushes for another tab.
      if (msg.id !== 0 && msg.id < lastViewId) return;
      if (msg.tab !== ui.tab || JSON.stringify(msg.filter) !== JSON.stringify(ui.filter)) { if (msg.id === 0) return; }
      // rebuild the filter bar only when its choices changed (not on every ingest: it would close an open list)
      const choices = (m: DashboardMeta): string => JSON.stringify([m.endpoints, m.models]);
      const choicesChanged = choices(meta) !== choices(msg.meta);
      meta = msg.meta;
      if (choicesChanged) renderFilters();
      showSnapshot(msg.tab, msg.payload, msg.from, msg.to, msg.generatedAt);
      break;
    }
    case 'navigate': {
      if (!ui) return;
      if (msg.filter) ui = { ...ui, filter: clean({ ...ui.filter, ...msg.filter }) };
      if (msg.tab) selectTab(msg.tab, false);
      renderFilters();
      requestView();
      break;
    }
    case 'error':
      ctx.announce(msg.message);
      document.body.setAttribute('aria-busy', 'false');
      statusLine.textContent = msg.message;
      if (msg.id) waiting.get(msg.id)?.(msg);
      waiting.delete(msg.id);
      break;
    default: {
      const w = waiting.get(msg.id);
      waiting.delete(msg.id);
      w?.(msg);
    }
  }
}

let tabsEl: HTMLElement & { selectedIndex: number };

function selectTab(tab: TabId, ask = true): void {
  if (!ui) return;
  ui = { ...ui, tab };
  const i = TABS.findIndex(t => t.id === tab);
  if (tabsEl.selectedIndex !== i) tabsEl.selectedIndex = i;
  if (ask) requestView();
}

function build(): void {
  const app = document.getElementById('app')!;
  clear(app);
  live = h('div', { className: 'sr-only', 'aria-live': 'polite', id: 'live' });
  filterBar = h('div', { className: 'filters', role: 'toolbar', 'aria-label': 'Filters' });
  statusLine = h('p', { className: 'status-line', id: 'status-line' });
  tabsEl = h('vscode-tabs', { id: 'tabs', panel: true }) as HTMLElement & { selectedIndex: number };
  for (const t of TABS) {
    tabsEl.appendChild(h('vscode-tab-header', { slot: 'header', id: `tab-${t.id}`, 'data-tab': t.id }, icon(t.icon), ` ${t.label}`));
    const panel = h('vscode-tab-panel', { id: `panel-${t.id}` });
    panels.set(t.id, panel);
    tabsEl.appendChild(panel);
  }
  tabsEl.addEventListener('vsc-tabs-select', e => {
    const i = (e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
    const t = TABS[i];
    if (t && ui && t.id !== ui.tab) selectTab(t.id);
  });
  app.append(h('header', { className: 'top' }, h('h1', null, 'API Monitor'), filterBar), statusLine, tabsEl, live);
}

build();
watchTheme();
window.addEventListener('message', e => onMessage(e.data as ToWebview));
vscode.postMessage({ type: 'ready', state: (vscode.getState() as DashboardUiState | undefined) ?? null });
