// Entry point: builds the object graph and registers its disposables. Nothing slow runs here: the
// engine opens its store (wasm + the persisted file), then the cold ingest starts after activation
// behind a cancellable progress notification while the views and commands already answer.
import * as vscode from 'vscode';
import * as path from 'path';
import { MonitorEngine, type ReaderFactory } from './core/monitorEngine';
import { STORE_SCHEMA } from './core/store/callStore';
import type { Checkpoint } from './core/ingest/logReader';
import { createLogReader } from './core/ingest/workerReader';
import { createPricer, type Pricer } from './core/pricing/pricer';
import { ConfigStore, effectiveTimeZone, type ApiMonitorConfig } from './host/config';
import { AlertManager } from './host/alerts/alertManager';
import { registerCommands } from './host/commands';
import { DashboardController } from './host/dashboard/dashboardController';
import { ExportCommands } from './host/exportCommands';
import { LogWatcher } from './host/logWatcher';
import { COMMANDS, CONTEXT_KEYS, SETTINGS, VIEWS, type ViewId } from './host/registry';
import type { HostServices, OpenDashboardOptions } from './host/services';
import { StatusBar, type StatusBarTexts } from './host/statusBar';
import { AlertsTree } from './host/tree/alertsTree';
import { ENDPOINT_RANGES, EndpointsTree } from './host/tree/endpointsTree';
import { SourcesTree } from './host/tree/sourcesTree';

const PRICES_FILE = '.vscode/api-monitor-prices.json';
const PERSIST_EVERY_MS = 60_000;

/** One tree item as the tests see it. */
export interface TestTreeItem {
  label: string;
  description: string | undefined;
  contextValue: string | undefined;
  children?: TestTreeItem[];
}

/**
 * What activate() returns. Internal: used by the integration tests (and handy for debugging); not
 * a public API for other extensions.
 */
export interface ApiMonitorTestApi {
  services: HostServices;
  /** resolves when the cold ingest has finished (or was cancelled) */
  ready: Promise<void>;
  statusBar(): StatusBarTexts | undefined;
  treeItems(view: ViewId, depth?: number): Promise<TestTreeItem[]>;
  logFiles(): string[];
  /** ingest every known file now and wait for the views to update */
  ingestNow(): Promise<void>;
}

let deactivateHook: (() => Promise<void>) | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<ApiMonitorTestApi> {
  const output = vscode.window.createOutputChannel('API Monitor', { log: true });
  context.subscriptions.push(output);
  const configStore = new ConfigStore();
  context.subscriptions.push(configStore);
  const config = (): ApiMonitorConfig => configStore.current;
  const timeZone = (): string => effectiveTimeZone(config());

  // ---- pricing: settings overrides + the workspace prices file ----
  const readPricesFile = async (): Promise<string | undefined> => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) {
      return undefined;
    }
    try {
      return new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, PRICES_FILE)));
    } catch {
      return undefined;
    }
  };
  const buildPricer = async (): Promise<Pricer> => {
    const cfg = config();
    const p = createPricer({
      overrides: vscode.workspace.getConfiguration().get(SETTINGS.pricingOverrides),
      workspaceOverridesText: await readPricesFile(),
      preferLoggedCost: cfg.preferLoggedCost,
    });
    for (const w of p.warnings) {
      output.warn(`Prices: ${w}`);
    }
    return p;
  };
  let pricer = await buildPricer();

  // ---- engine ----
  const wasmBinary = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(context.extensionUri, 'dist', 'sql-wasm.wasm'));
  let storeFile: string | undefined;
  if (context.storageUri && context.storageUri.scheme === 'file') {
    try {
      await vscode.workspace.fs.createDirectory(context.storageUri);
      storeFile = path.join(context.storageUri.fsPath, 'store.sqlite');
    } catch (e) {
      output.warn(`No workspace storage (${e instanceof Error ? e.message : String(e)}); the store stays in memory.`);
    }
  }
  const cfg0 = config();
  // the engine's default reader plus the user's field mapping (read at each ingest, so a changed
  // mapping applies to every line read after it; the change handler below re-reads the logs)
  // Large reads (a cold ingest) parse in a worker thread (dist/ingestWorker.js, next to this bundle)
  // while this thread stores; tail appends stay in this thread (see src/core/ingest/workerReader.ts).
  const workerScript = path.join(__dirname, 'ingestWorker.js');
  const readerFactory: ReaderFactory = (checkpoints, o) => createLogReader(checkpoints as Checkpoint[], {
    timeZone: o.timeZone, signal: o.signal, maxProblemsPerSource: 20, fieldMapping: { ...config().fieldMapping },
    onProgress: o.onProgress ? (read: number, total: number, file: string): void => o.onProgress!(read, total, file) : undefined,
    // reuseRecords: the engine's sink copies every value into the store before it returns
  }, workerScript, { reuseRecords: true });
  const engine = await MonitorEngine.create({
    wasmBinary, storeFile, retentionDays: cfg0.retentionDays, timeZone: cfg0.defaultTimeZone || undefined,
    log: m => output.info(m), pricer, workerScript,
  }, { readerFactory });
  output.info(`Store: ${storeFile ?? 'in memory (no workspace storage)'}; display zone ${timeZone()}; prices ${pricer.version}`);
  let dirty = false;
  const persist = async (): Promise<void> => {
    if (!dirty || !storeFile) {
      return;
    }
    dirty = false;
    try {
      await engine.persist();
    } catch (e) {
      dirty = true;
      warnQuietly(`Saving the store failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  // at shutdown the output channel may be gone before a save fails: that must not hide the failure's cause in a second error
  const warnQuietly = (m: string): void => {
    try { output.warn(m); } catch { console.warn(`API Monitor: ${m}`); }
  };
  const persistTimer = setInterval(() => void persist(), PERSIST_EVERY_MS);
  context.subscriptions.push({ dispose: () => clearInterval(persistTimer) });

  // ---- ingest ----
  const onDidIngestVoid = new vscode.EventEmitter<void>();
  const onDidChangeConfigSnapshot = new vscode.EventEmitter<ApiMonitorConfig>();
  context.subscriptions.push(onDidIngestVoid, onDidChangeConfigSnapshot, configStore.onDidChange(e => onDidChangeConfigSnapshot.fire(e.config)));
  const watcher = new LogWatcher({
    engine, config, onDidChangeConfig: configStore.onDidChange, state: context.workspaceState, output,
    removeSource: p => { engine.removeSource(p); dirty = true; },
    withProgress: task => Promise.resolve(vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'API Monitor: reading logs', cancellable: true },
      (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        let last = 0;
        return task(ac.signal, p => {
          const pct = p.bytesTotal > 0 ? (p.bytesRead / p.bytesTotal) * 100 : 0;
          progress.report({ message: `${path.basename(p.file)} ${Math.floor(pct)} %`, increment: Math.max(0, pct - last) });
          last = pct;
        });
      })),
  });
  context.subscriptions.push(watcher);

  // the dashboard is built below (it needs the services); this closure only runs after that
  const openDashboard = (opts?: OpenDashboardOptions): void => dashboard.show(opts);

  let coldIngestDone = false;
  const alerts = new AlertManager({
    engine, database: () => engine.database, databaseSchema: STORE_SCHEMA, config, timeZone, output, state: context.workspaceState,
    onDidIngest: watcher.onDidIngest, onDidChangeConfig: configStore.onDidChange, openDashboard,
    canEvaluate: () => coldIngestDone,
  });
  // the alert history lives in the store's database: save it with the store
  context.subscriptions.push(alerts, alerts.onDidChange(() => { dirty = true; }));

  const services: HostServices = {
    engine, config, onDidIngest: onDidIngestVoid.event, onDidChangeConfig: onDidChangeConfigSnapshot.event, alerts,
    pricer: () => pricer, output, timeZone,
    refresh: async () => {
      await watcher.refresh();
      await alerts.evaluate();
    },
  };

  // the dashboard builds its pricing (projection, recommendations, savings, calculator) and filter
  // choices from the services by default
  const dashboard = new DashboardController({ extensionUri: context.extensionUri, services });
  context.subscriptions.push(dashboard);

  // ---- views ----
  const endpoints = new EndpointsTree(engine, context.workspaceState);
  const sources = new SourcesTree(engine, () => watcher.files(), p => watcher.isManual(p), timeZone);
  const alertsTree = new AlertsTree(alerts, timeZone);
  context.subscriptions.push(endpoints, sources, alertsTree);
  const endpointsView = vscode.window.createTreeView(VIEWS.endpoints, { treeDataProvider: endpoints, showCollapseAll: true });
  const updateEndpointsTitle = (): void => {
    endpointsView.description = `${ENDPOINT_RANGES[endpoints.range].label} · by ${endpoints.sort}`;
  };
  updateEndpointsTitle();
  context.subscriptions.push(endpointsView, endpoints.onDidChangeTreeData(updateEndpointsTitle),
    vscode.window.createTreeView(VIEWS.sources, { treeDataProvider: sources }),
    vscode.window.createTreeView(VIEWS.alerts, { treeDataProvider: alertsTree }));

  // a log file found or added, or calls stored: else the status bar stays quiet (the extension also starts at startup)
  const hasSources = (): boolean => watcher.files().length > 0 || engine.sources().length > 0;
  const statusBar = new StatusBar({
    engine, config, timeZone, alerts, onDidIngest: watcher.onDidIngest, onDidChangeConfig: configStore.onDidChange,
    loading: () => !coldIngestDone, hasSources: () => hasSources(),
  });
  context.subscriptions.push(statusBar);

  const setHasSources = (): void => {
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.hasSources, hasSources());
  };
  context.subscriptions.push(watcher.onDidIngest(() => {
    dirty = true;
    endpoints.refresh();
    sources.refresh();
    setHasSources();
    onDidIngestVoid.fire();
  }), watcher.onDidChangeFiles(() => {
    sources.refresh();
    setHasSources();
    statusBar.update();
  }));

  // time-relative figures ("last 24 h") move with the clock, not only with new lines
  let viewTimer: NodeJS.Timeout | undefined;
  const scheduleViews = (): void => {
    clearInterval(viewTimer);
    const c = config();
    if (c.autoRefresh) {
      viewTimer = setInterval(() => endpoints.refresh(), c.refreshIntervalSeconds * 1000);
    }
  };
  scheduleViews();
  context.subscriptions.push({ dispose: () => clearInterval(viewTimer) });

  // ---- pricing changes re-price the stored calls ----
  // serialised: a settings change and a prices-file change close together must not finish out of
  // order (the older price table would win)
  let repricing: Promise<unknown> = Promise.resolve();
  const reprice = (): Promise<number> => {
    const run = repricing.then(async () => {
      pricer = await buildPricer();
      const n = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'API Monitor: re-pricing calls' },
        async () => engine.reprice(pricer));
      dirty = true;
      output.info(`Re-priced ${n} calls with prices ${pricer.version}`);
      endpoints.refresh();
      statusBar.update();
      onDidIngestVoid.fire();
      void alerts.evaluate(); // cost rules see the new prices
      return n;
    });
    repricing = run.catch(e => output.error(`Re-pricing failed: ${e instanceof Error ? e.message : String(e)}`));
    return run;
  };
  const pricesWatcher = vscode.workspace.createFileSystemWatcher(`**/${PRICES_FILE}`);
  const onPricesFile = (): void => void reprice();
  context.subscriptions.push(pricesWatcher, pricesWatcher.onDidChange(onPricesFile), pricesWatcher.onDidCreate(onPricesFile), pricesWatcher.onDidDelete(onPricesFile));

  context.subscriptions.push(configStore.onDidChange(e => {
    if (e.affects([SETTINGS.pricingOverrides, SETTINGS.preferLoggedCost])) {
      void reprice();
    }
    if (e.affects([SETTINGS.autoRefresh, SETTINGS.refreshIntervalSeconds])) {
      scheduleViews();
    }
    if (e.affects([SETTINGS.fieldMapping])) {
      // records already stored were mapped with the old mapping: forget them and read the logs again
      output.info('Field mapping changed: reading every log again.');
      void watcher.rereadAll();
    }
    if (e.affects([SETTINGS.defaultTimeZone, SETTINGS.retentionDays])) {
      // the engine takes these when it opens the store; the views switch zone at once, the store on reload
      endpoints.refresh();
      statusBar.update();
      void vscode.window.showInformationMessage('API Monitor: the new time zone or retention fully applies after a window reload.', 'Reload Window')
        .then(a => a && vscode.commands.executeCommand('workbench.action.reloadWindow'));
    }
  }));

  // ---- commands ----
  const exportsCmd = new ExportCommands({
    engine, timeZone, alerts, dashboardFilter: () => dashboard.currentFilter(), priceTableVersion: () => pricer.version, config,
  });
  context.subscriptions.push(...registerCommands({
    engine, watcher, alerts, endpoints, exports: exportsCmd, output, extensionUri: context.extensionUri, globalStorageUri: context.globalStorageUri, openDashboard,
    refreshAll: async () => {
      await services.refresh();
      endpoints.refresh();
      sources.refresh();
      statusBar.update();
    },
    reprice,
  }));

  // ---- shutdown: persist the store last ----
  deactivateHook = async (): Promise<void> => {
    if (!dirty || !storeFile) return;
    // the bytes are taken synchronously, before VS Code can dispose the engine (a save that yields was cut short)
    try {
      if (await engine.persistNow()) dirty = false;
    } catch (e) {
      warnQuietly(`Saving the store at shutdown failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  context.subscriptions.push({ dispose: () => engine.dispose() });

  // ---- the cold ingest, after activation ----
  void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.ingesting, true);
  setHasSources();
  const ready = watcher.start().then(async () => {
    coldIngestDone = true;
    if (watcher.paused) {
      void vscode.window.showInformationMessage('API Monitor: reading the logs was cancelled. The views show what was read so far.', 'Resume')
        .then(a => a && vscode.commands.executeCommand(COMMANDS.refresh));
    }
    await alerts.evaluate();
  }).catch(e => {
    output.error(`Start failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  }).finally(() => {
    coldIngestDone = true;
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.ingesting, false);
    setHasSources();
    statusBar.update();
  });

  const providers: Record<ViewId, vscode.TreeDataProvider<unknown>> = {
    [VIEWS.endpoints]: endpoints as vscode.TreeDataProvider<unknown>,
    [VIEWS.sources]: sources as vscode.TreeDataProvider<unknown>,
    [VIEWS.alerts]: alertsTree as vscode.TreeDataProvider<unknown>,
  };
  const treeItems = async (view: ViewId, depth = 1, parent?: unknown): Promise<TestTreeItem[]> => {
    const p = providers[view];
    const nodes = (await p.getChildren(parent)) ?? [];
    const out: TestTreeItem[] = [];
    for (const n of nodes) {
      const item = await p.getTreeItem(n);
      const label = typeof item.label === 'string' ? item.label : item.label?.label ?? '';
      const t: TestTreeItem = { label, description: typeof item.description === 'string' ? item.description : undefined, contextValue: item.contextValue };
      if (depth > 1 && item.collapsibleState !== vscode.TreeItemCollapsibleState.None) {
        t.children = await treeItems(view, depth - 1, n);
      }
      out.push(t);
    }
    return out;
  };

  return {
    services, ready,
    statusBar: () => statusBar.texts(),
    treeItems: (view, depth) => treeItems(view, depth),
    logFiles: () => watcher.files(),
    ingestNow: async () => {
      await watcher.ingestNow();
    },
  };
}

export async function deactivate(): Promise<void> {
  await deactivateHook?.();
}
