// The dashboard webview panel: one panel, restored by a serializer, fed with per-tab aggregates.
// Webview hygiene (architecture.md §7): CSP default-src 'none', scripts by nonce, localResourceRoots = dist/ and
// media/, no retainContextWhenHidden (a hidden panel loses its page; it sends `ready` again when shown and gets a
// full snapshot), getState/setState for UI state only, nothing posted before `ready` or after dispose.
import * as vscode from 'vscode';
import * as crypto from 'crypto';
import { Disposable } from '../disposable';
import { DASHBOARD_VIEW_TYPE } from '../registry';
import type { HostServices, OpenDashboardOptions } from '../services';
import type { QueryFilter } from '../../core/model';
import { validateAlertRule, validateAlertRules } from '../../core/alerts/rules';
import type {
  ToWebview, FromWebview, DashboardUiState, DashboardFilter, TabId, TabData, DashboardMeta, RuleView, CalculatorInput,
  CalculatorRow,
} from '../../shared/protocol';
import {
  assembleRealtime, assembleHistory, assembleCost, assembleCache, assembleAlerts, rangeBounds, toQuery, isTabId,
  type DashboardEngine, type DashboardPricing,
} from './assemble';
import { ruleToView, viewToRaw, newRuleId, firingToView, eventToView } from './alertViews';
import { sanitizeUiState, defaultUiState } from './uiState';
import { makeDashboardPricing, calculatorRows, type PricingDeps } from './pricingAdapter';
import type { Pricer } from '../../core/pricing/pricer';


/** What the dashboard needs: the host services; the rest is for tests. */
export interface DashboardOptions {
  extensionUri: vscode.Uri;
  services: HostServices;
  /** default: built from services.pricer(), the budget setting and the engine's cost aggregates */
  pricing?: () => DashboardPricing;
  calculate?: (input: CalculatorInput) => CalculatorRow[];
  /** filter choices; default: engine.dimensions()/timeBounds() when the engine has them, else byEndpoint/byModel keys */
  dimensions?: () => { endpoints: string[]; models: string[]; firstTs: number | null; lastTs: number | null; totalCalls: number };
  now?: () => number;
}

/** services.pricer() is typed `unknown` in HostServices: accept it only if it looks like H3's Pricer. */
function asPricer(p: unknown): Pricer | null {
  const x = p as Partial<Pricer> | null;
  return x && typeof x === 'object' && typeof x.lookup === 'function' && x.table && Array.isArray(x.table.entries) ? (x as Pricer) : null;
}

function pricingDeps(s: HostServices): PricingDeps {
  return {
    engine: s.engine as DashboardEngine,
    pricer: () => asPricer(s.pricer()),
    budget: () => { const b = s.config().budget; return b ? { amount: b.amount, period: b.period, warnAt: [...(b.warnAt ?? [])] } : null; },
    timeZone: () => s.timeZone(),
  };
}

/** How long a computed tab stays fresh for the same (tab, filter): tab switches back and forth cost nothing. */
const CACHE_MS = 3000;

export class DashboardController extends Disposable {
  private _panel: DashboardPanel | undefined;

  private readonly _opts: DashboardOptions;

  constructor(opts: DashboardOptions) {
    super();
    const deps = pricingDeps(opts.services);
    const engine = opts.services.engine as DashboardEngine;
    const seen = (): string[] => engine.dimensions?.().models ?? [];
    this._opts = {
      ...opts,
      pricing: opts.pricing ?? ((): DashboardPricing => makeDashboardPricing(deps, seen)),
      calculate: opts.calculate ?? ((input): CalculatorRow[] => calculatorRows(deps, input)),
    };
    this._register(vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
        this._adopt(panel, sanitizeUiState(state, this._defaults()));
      },
    }));
  }

  /** Open the dashboard, or reveal it and switch to the requested tab/endpoint/model. */
  show(opts: OpenDashboardOptions = {}): void {
    if (this._panel && !this._panel.isDisposed) {
      this._panel.navigate(opts);
      return;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'API Monitor', vscode.ViewColumn.Active, panelOptions(this._opts.extensionUri));
    this._adopt(panel, applyOpen(this._defaults(), opts));
  }

  /** The filter the dashboard shows (for the export commands), undefined when no panel is open. */
  currentFilter(): QueryFilter | undefined {
    return this._panel && !this._panel.isDisposed ? this._panel.currentQuery() : undefined;
  }

  get isOpen(): boolean {
    return !!this._panel && !this._panel.isDisposed;
  }

  private _defaults(): DashboardUiState {
    const c = this._opts.services.config();
    return defaultUiState(c.autoRefresh, c.refreshIntervalSeconds);
  }

  private _adopt(panel: vscode.WebviewPanel, state: DashboardUiState): void {
    this._panel?.dispose();
    const p = new DashboardPanel(panel, this._opts, state);
    this._panel = p;
    p.onDispose(() => { if (this._panel === p) this._panel = undefined; });
  }

  override dispose(): void {
    this._panel?.dispose();
    super.dispose();
  }
}

function panelOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableFindWidget: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

function applyOpen(state: DashboardUiState, opts: OpenDashboardOptions): DashboardUiState {
  const filter: DashboardFilter = {
    ...state.filter,
    ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint || undefined } : {}),
    ...(opts.model !== undefined ? { model: opts.model || undefined } : {}),
  };
  return { ...state, tab: isTabId(opts.tab) ? opts.tab : state.tab, filter };
}

class DashboardPanel extends Disposable {
  private _ready = false;
  private _state: DashboardUiState;
  private _cache = new Map<string, { at: number; payload: TabData; from: number; to: number }>();
  private _meta: { at: number; meta: DashboardMeta } | undefined;
  private _pushTimer: ReturnType<typeof setTimeout> | undefined;
  private _slowTimer: ReturnType<typeof setTimeout> | undefined;
  private _onDispose: (() => void)[] = [];
  /** history events by the id the webview sees, to acknowledge with the original id type */
  private _eventIds = new Map<string, string | number>();

  constructor(private readonly _panel: vscode.WebviewPanel, private readonly _opts: DashboardOptions, state: DashboardUiState) {
    super();
    this._state = state;
    const webview = _panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: panelOptions(_opts.extensionUri).localResourceRoots };
    webview.html = renderHtml(webview, _opts.extensionUri);
    this._register(_panel.onDidDispose(() => this.dispose()));
    this._register(webview.onDidReceiveMessage((m: unknown) => { void this._onMessage(m); }));
    this._register(_panel.onDidChangeViewState(e => {
      // Without retainContextWhenHidden the page is destroyed when hidden; it sends `ready` again when shown.
      if (!e.webviewPanel.visible) this._ready = false;
    }));
    const s = _opts.services;
    this._register(s.onDidIngest(() => { this._invalidate(); this._schedulePush(); }));
    this._register(s.alerts.onDidChange(() => {
      if (this._state.tab === 'alerts' || this._state.tab === 'realtime') { this._invalidate(); this._schedulePush(); }
    }));
    this._register(s.onDidChangeConfig(() => { this._invalidate(); this._meta = undefined; this._schedulePush(); }));
    this._register({ dispose: () => { if (this._pushTimer) clearTimeout(this._pushTimer); if (this._slowTimer) clearTimeout(this._slowTimer); } });
  }

  onDispose(fn: () => void): void {
    this._onDispose.push(fn);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this._ready = false;
    super.dispose();
    this._panel.dispose();
    for (const fn of this._onDispose.splice(0)) fn();
  }

  currentQuery(): QueryFilter {
    return toQuery(this._state.filter, rangeBounds(this._state.filter, this._now()));
  }

  navigate(opts: OpenDashboardOptions): void {
    this._state = applyOpen(this._state, opts);
    this._panel.reveal(undefined, false);
    if (this._ready) {
      this._post({ type: 'navigate', tab: this._state.tab, filter: this._state.filter });
    } else {
      // A hidden panel reloads and its `ready` brings its saved UI state: the request must win over it.
      this._pendingOpen = { ...this._pendingOpen, ...opts };
    }
  }

  private _pendingOpen: OpenDashboardOptions | undefined;

  private _now(): number {
    return (this._opts.now ?? Date.now)();
  }

  private _post(msg: ToWebview): void {
    if (this.isDisposed || !this._ready) return;
    void this._panel.webview.postMessage(msg).then(undefined, () => { /* panel closed meanwhile */ });
  }

  private _invalidate(): void {
    this._cache.clear();
    this._meta = undefined;
    this._slow.clear();
  }

  /**
   * The budget projection (global) and the recommendations (last 7 days) do not depend on the selected range:
   * computed once per ingest (or minute), so switching ranges on the Cost tab does not pay for them again.
   */
  private _slow = new Map<string, { at: number; value: unknown }>();

  private _memo<T>(key: string, now: number, fn: () => T): T {
    const hit = this._slow.get(key);
    if (hit && now - hit.at < 60_000) return hit.value as T;
    const value = fn();
    this._slow.set(key, { at: now, value });
    return value;
  }

  /** The engine with its range-independent cost totals (today, 7 d, 30 d, month) memoised like the projection. */
  private _costEngine(e: DashboardEngine, now: number): DashboardEngine {
    const bind = <K extends keyof DashboardEngine>(k: K): DashboardEngine[K] =>
      (typeof e[k] === 'function' ? (e[k] as (...a: unknown[]) => unknown).bind(e) : undefined) as DashboardEngine[K];
    return {
      window: bind('window'), series: bind('series'), byEndpoint: bind('byEndpoint'), byModel: bind('byModel'),
      costSummary: bind('costSummary'), dailyCost: bind('dailyCost'), costByEndpoint: bind('costByEndpoint'), costByModel: bind('costByModel'),
      cacheStats: bind('cacheStats'), tokenUsage: bind('tokenUsage'), duplicateRequests: bind('duplicateRequests'),
      dimensions: bind('dimensions'), timeBounds: bind('timeBounds'),
      costTotals: e.costTotals && (f => this._memo(`totals\u0000${f?.endpoint ?? ''}\u0000${f?.model ?? ''}`, now, () => e.costTotals!(f))),
    };
  }

  /** Set by _pricing(…, defer) when it left the projection or the recommendations out for a later snapshot. */
  private _deferred = false;

  private _pricing(now: number, defer = false): DashboardPricing {
    const p = this._opts.pricing?.() ?? {};
    // defer: a key not computed yet is skipped now (the tab shows at once) and computed for a second snapshot
    const later = <T>(key: string, skip: T, fn: () => T): T => {
      const hit = this._slow.get(key);
      if (defer && !(hit && now - hit.at < 60_000)) { this._deferred = true; return skip; }
      return this._memo(key, now, fn);
    };
    return {
      ...p,
      projection: p.projection && ((e, n, f) => later('projection', null, () => p.projection!(e, n, f))),
      recommendations: p.recommendations && ((e, n, f) => later(`recs\u0000${f.endpoint ?? ''}\u0000${f.model ?? ''}`, [], () => p.recommendations!(e, n, f))),
      pricedModels: p.pricedModels && (() => this._memo('models', now, () => p.pricedModels!())),
    };
  }

  /** After an ingest or an alert change: recompute the visible tab, at most every 500 ms. */
  private _schedulePush(): void {
    if (this._pushTimer || !this._ready) return;
    this._pushTimer = setTimeout(() => {
      this._pushTimer = undefined;
      if (this._ready && this._panel.visible) this._sendSnapshot(0);
    }, 500);
  }

  private async _onMessage(raw: unknown): Promise<void> {
    if (this.isDisposed || typeof raw !== 'object' || raw === null) return;
    const m = raw as FromWebview;
    const log = this._opts.services.output;
    try {
      switch (m.type) {
        case 'ready': {
          this._ready = true;
          if (m.state) {
            // The webview's saved state wins for the UI, except what show(opts) asked for just now.
            this._state = sanitizeUiState(m.state, this._state);
          }
          if (this._pendingOpen) {
            this._state = applyOpen(this._state, this._pendingOpen);
            this._pendingOpen = undefined;
          }
          this._post({ type: 'init', state: this._state, meta: this._metaNow() });
          this._sendSnapshot(0);
          break;
        }
        case 'view':
          this._state = sanitizeUiState({ ...this._state, tab: m.tab, filter: m.filter }, this._state);
          this._sendSnapshot(m.id);
          break;
        case 'refresh':
          // "Refresh now": read what the logs gained (incremental), then recompute the visible tab
          await this._opts.services.refresh().catch(e => log.warn(`dashboard: refresh failed: ${e instanceof Error ? e.message : String(e)}`));
          this._invalidate();
          this._sendSnapshot(m.id);
          break;
        case 'autoRefresh':
          this._state = sanitizeUiState({ ...this._state, autoRefresh: m.enabled, refreshSeconds: m.seconds }, this._state);
          break;
        case 'calculate': {
          const calc = this._opts.calculate;
          if (!calc) {
            this._post({ type: 'calculateResult', id: m.id, rows: [], error: 'The calculator is not available (no price table).' });
          } else {
            this._post({ type: 'calculateResult', id: m.id, rows: calc(m.input) });
          }
          break;
        }
        case 'saveRule': {
          const errors = await this._saveRule(m.rule, m.isNew);
          this._post({ type: 'ruleResult', id: m.id, ok: errors.length === 0, errors });
          if (!errors.length) { this._invalidate(); this._sendSnapshot(0); }
          break;
        }
        case 'deleteRule':
          await this._opts.services.alerts.deleteRule(String(m.ruleId));
          this._post({ type: 'ruleResult', id: m.id, ok: true, errors: [] });
          this._invalidate(); this._sendSnapshot(0);
          break;
        case 'setRuleEnabled':
          await this._opts.services.alerts.setEnabled(String(m.ruleId), !!m.enabled);
          this._post({ type: 'ruleResult', id: m.id, ok: true, errors: [] });
          this._invalidate(); this._sendSnapshot(0);
          break;
        case 'acknowledge':
          await this._opts.services.alerts.acknowledge(this._eventIds.get(String(m.alertId)) ?? String(m.alertId));
          this._post({ type: 'ackResult', id: m.id, ok: true });
          this._invalidate(); this._sendSnapshot(0);
          break;
        case 'acknowledgeAll':
          await this._opts.services.alerts.acknowledgeAll();
          this._post({ type: 'ackResult', id: m.id, ok: true });
          this._invalidate(); this._sendSnapshot(0);
          break;
        case 'command': {
          const map: Record<string, [string, ...unknown[]]> = {
            openSettings: ['workbench.action.openSettings', 'apiMonitor'],
            showProblems: ['apiMonitor.showProblems'],
            addLogFile: ['apiMonitor.addLogFile'],
            exportReport: ['apiMonitor.exportReport'],
          };
          const c = map[m.command];
          if (c) await vscode.commands.executeCommand(...c);
          break;
        }
        default:
          log.warn(`dashboard: unknown message ${JSON.stringify((m as { type?: unknown }).type)}`);
      }
    } catch (e) {
      log.error(`dashboard: ${(m as { type?: unknown }).type} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      const id = typeof (m as { id?: unknown }).id === 'number' ? (m as { id: number }).id : 0;
      this._post({ type: 'error', id, message: e instanceof Error ? e.message : String(e) });
    }
  }

  private _rules(): RuleView[] {
    return validateAlertRules(this._opts.services.alerts.rules().rules).rules.map(ruleToView);
  }

  private async _saveRule(view: RuleView, isNew: boolean): Promise<string[]> {
    const alerts = this._opts.services.alerts;
    const existing = this._rules();
    const id = isNew ? newRuleId(view.name || view.metric, new Set(existing.map(r => r.id))) : view.id;
    const raw = viewToRaw({ ...view, id });
    const v = validateAlertRule(raw);
    if (!v.rule) return v.errors.map(e => e.replace(/^rule\.?/, '').replace(/^:\s*/, ''));
    const err = isNew ? await alerts.createRule(raw) : await alerts.updateRule(view.id, raw);
    return err ? [err] : [];
  }

  private _metaNow(): DashboardMeta {
    const now = this._now();
    // Meta changes with ingests (which clear it); the minute bound only catches retention pruning.
    if (this._meta && now - this._meta.at < 60_000) return this._meta.meta;
    const s = this._opts.services;
    const tz = s.timeZone();
    let meta: DashboardMeta;
    const engine = s.engine as DashboardEngine;
    if (this._opts.dimensions) {
      const d = this._opts.dimensions();
      meta = { ...d, endpoints: [...d.endpoints].sort(), models: [...d.models].sort(), timeZone: tz };
    } else if (engine.dimensions && engine.timeBounds) {
      const d = engine.dimensions();
      const tb = engine.timeBounds();
      const all = tb ? { from: tb.first, to: tb.last + 1 } : null;
      meta = {
        endpoints: [...d.endpoints].sort(), models: [...d.models].sort(), firstTs: tb?.first ?? null, lastTs: tb?.last ?? null, timeZone: tz,
        // a count only: costSummary does not compute the percentiles a window() would
        totalCalls: all ? (engine.costSummary ? engine.costSummary(all).calls : engine.window(all).calls) : 0,
      };
    } else {
      const q = { from: now - s.config().retentionDays * 86_400_000, to: now + 1 };
      const w = s.engine.window(q);
      meta = {
        endpoints: s.engine.byEndpoint(q).map(r => r.key).sort(),
        models: s.engine.byModel(q).map(r => r.key).sort(),
        firstTs: null, lastTs: null, timeZone: tz, totalCalls: w.calls,
      };
    }
    this._meta = { at: now, meta };
    return meta;
  }

  private _compute(tab: TabId, filter: DashboardFilter, now: number, defer = false): TabData {
    const s = this._opts.services;
    const engine: DashboardEngine = s.engine;
    const pricing = this._pricing(now, defer);
    const rules = () => this._rules();
    const firing = () => s.alerts.firing().map(firingToView);
    switch (tab) {
      case 'realtime': return { tab, data: assembleRealtime(engine, filter, now, rules(), firing()) };
      case 'history': return { tab, data: assembleHistory(engine, filter, now) };
      case 'cost': {
        this._deferred = false;
        const data = assembleCost(this._costEngine(engine, now), filter, now, s.timeZone(), pricing);
        return { tab, data: this._deferred ? { ...data, pending: true } : data };
      }
      case 'cache': return { tab, data: assembleCache(engine, filter, now, pricing) };
      case 'alerts': {
        const events = s.alerts.history(500);
        this._eventIds = new Map(events.map(e => [String(e.id), e.id]));
        return { tab, data: assembleAlerts(rules(), firing(), events.map(eventToView)) };
      }
    }
  }

  /** Send the visible tab only; a (tab, filter) computed less than CACHE_MS ago is reused. */
  private _sendSnapshot(id: number, defer = true): void {
    if (!this._ready || this.isDisposed) return;
    const { tab, filter } = this._state;
    const now = this._now();
    const key = JSON.stringify([tab, filter]);
    let hit = this._cache.get(key);
    if (!hit || now - hit.at > CACHE_MS) {
      const b = rangeBounds(filter, now);
      try {
        hit = { at: now, payload: this._compute(tab, filter, now, defer), ...b };
      } catch (e) {
        this._opts.services.output.error(`dashboard: computing ${tab} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
        this._post({ type: 'error', id, message: `Could not compute the ${tab} tab: ${e instanceof Error ? e.message : String(e)}` });
        return;
      }
      if (this._cache.size > 20) this._cache.clear();
      if (!(hit.payload.tab === 'cost' && hit.payload.data.pending)) this._cache.set(key, hit);
    }
    this._post({ type: 'snapshot', id, tab, filter, payload: hit.payload, meta: this._metaNow(), generatedAt: hit.at, from: hit.from, to: hit.to });
    if (hit.payload.tab === 'cost' && hit.payload.data.pending) {
      // the slow, range-independent parts (projection, recommendations) follow in a second snapshot
      if (this._slowTimer) clearTimeout(this._slowTimer);
      this._slowTimer = setTimeout(() => {
        this._slowTimer = undefined;
        if (!this._ready || this.isDisposed || JSON.stringify([this._state.tab, this._state.filter]) !== key) return;
        this._sendSnapshot(0, false);
      }, 0);
    }
  }
}

function nonce(): string {
  return crypto.randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

/** The page: only our bundle runs (by nonce), styles and fonts from dist/ only. */
export function renderHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const n = nonce();
  const dist = (f: string): string => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', f)).toString();
  const src = webview.cspSource;
  const csp = [
    "default-src 'none'",
    `img-src ${src} data:`,
    `style-src ${src} 'nonce-${n}'`,
    `font-src ${src}`,
    `script-src 'nonce-${n}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${dist('codicon.css')}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${dist('dashboard.css')}">
<title>API Monitor</title>
</head>
<body>
<div id="app"><p class="loading">Loading the dashboard…</p></div>
<script nonce="${n}" src="${dist('webview.js')}"></script>
</body>
</html>`;
}
