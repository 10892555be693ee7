// Every command of the manifest, registered once. Item commands accept either their tree node or a
// plain value (endpoint name, rule id, file path), so they work from menus, other commands and tests.
import * as vscode from 'vscode';
import type { Problem } from '../core/model';
import type { ExportArgs, ExportCommands } from './exportCommands';
import { writeExampleWorkspace } from './exampleWorkspace';
import { goToCode } from './goToCode';
import { countOf } from '../shared/text';
import type { LogWatcher } from './logWatcher';
import { COMMANDS, type CommandId } from './registry';
import type { HostAlerts, OpenDashboardOptions } from './services';
import { ENDPOINT_RANGES, ENDPOINT_SORTS, type EndpointNode, type EndpointRange, type EndpointSort, type EndpointsTree } from './tree/endpointsTree';
import type { AlertNode } from './tree/alertsTree';
import { openProblem, type SourceNode } from './tree/sourcesTree';
import type { MonitorEngineApi } from '../core/engine';
import { SILENCE_MS } from './alerts/alertManager';

export interface CommandDeps {
  engine: MonitorEngineApi;
  watcher: LogWatcher;
  alerts: HostAlerts;
  endpoints: EndpointsTree;
  exports: ExportCommands;
  output: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
  globalStorageUri: vscode.Uri;
  openDashboard: (opts?: OpenDashboardOptions) => unknown;
  refreshAll: () => Promise<void>;
  reprice: () => Promise<number>;
}

const endpointOf = (arg: unknown): string | undefined => {
  if (typeof arg === 'string') {
    return arg;
  }
  const n = arg as EndpointNode | undefined;
  if (n && (n.kind === 'endpoint' || n.kind === 'model')) {
    return n.kind === 'endpoint' ? n.row.key : n.endpoint;
  }
  if (n && (n.kind === 'group' || n.kind === 'status')) {
    return n.endpoint;
  }
  return undefined;
};

const alertIdOf = (arg: unknown): { id: string; ruleId: string } | undefined => {
  if (typeof arg === 'string') {
    return { id: arg, ruleId: arg.split('@')[0] };
  }
  const n = arg as AlertNode | undefined;
  if (n && (n.kind === 'firing' || n.kind === 'history')) {
    return { id: String(n.alert.id), ruleId: n.alert.ruleId };
  }
  return undefined;
};

/** Function names seen for an endpoint (for go to code), from a bounded sample of its recent calls. */
function functionNamesOf(engine: MonitorEngineApi, endpoint: string, filter: { from: number; to: number }): string[] {
  const names = new Set<string>();
  let seen = 0;
  for (const r of engine.iterateCalls({ ...filter, endpoint })) {
    if (r.function_name) {
      names.add(r.function_name);
    }
    if (++seen >= 500 || names.size >= 5) {
      break;
    }
  }
  return [...names];
}

export function registerCommands(d: CommandDeps): vscode.Disposable[] {
  const handlers: Record<CommandId, (...args: unknown[]) => unknown> = {
    [COMMANDS.openDashboard]: (opts?: unknown) => d.openDashboard(typeof opts === 'object' && opts ? opts as OpenDashboardOptions : undefined),
    [COMMANDS.refresh]: () => d.refreshAll(),
    [COMMANDS.addLogFile]: async (arg?: unknown) => {
      let uris: vscode.Uri[] | undefined;
      if (typeof arg === 'string') {
        uris = [vscode.Uri.file(arg)];
      } else if (arg instanceof vscode.Uri) {
        uris = [arg];
      } else {
        uris = await vscode.window.showOpenDialog({
          canSelectMany: true, openLabel: 'Add Log File',
          defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
          filters: { 'Logs': ['jsonl', 'ndjson', 'json', 'har', 'csv', 'log', 'gz'], 'All files': ['*'] },
        });
      }
      for (const u of uris ?? []) {
        await d.watcher.addManual(u.fsPath);
      }
      return uris?.length ?? 0;
    },
    [COMMANDS.removeLogSource]: async (arg?: unknown) => {
      const p = typeof arg === 'string' ? arg : (arg as SourceNode | undefined)?.kind === 'source' ? (arg as Extract<SourceNode, { kind: 'source' }>).path : undefined;
      if (p) {
        await d.watcher.removeManual(p);
      }
    },
    [COMMANDS.showProblems]: async () => {
      const problems: Problem[] = d.engine.sources().flatMap(s => s.problems);
      const skipped = d.engine.sources().reduce((n, s) => n + s.skipped, 0);
      if (!problems.length) {
        void vscode.window.showInformationMessage(skipped ? `${countOf(skipped, 'line')} skipped; no detail kept.` : 'No problem: every line of every log was read.');
        return;
      }
      const pick = await vscode.window.showQuickPick(problems.map(p => ({
        label: `${vscode.workspace.asRelativePath(p.file)}${p.line > 0 ? `:${p.line}` : ''}`, detail: p.reason, problem: p,
      })), { placeHolder: `${countOf(skipped, 'skipped line')}; the first ${problems.length} of each source are listed`, matchOnDetail: true });
      if (pick) {
        await openProblem(pick.problem);
      }
    },
    [COMMANDS.exportCallsCsv]: (args?: unknown) => d.exports.exportCalls('csv', args as ExportArgs | undefined),
    [COMMANDS.exportCallsJsonl]: (args?: unknown) => d.exports.exportCalls('jsonl', args as ExportArgs | undefined),
    [COMMANDS.exportSummary]: (args?: unknown) => d.exports.exportSummary(args as ExportArgs | undefined),
    [COMMANDS.exportReport]: (args?: unknown) => d.exports.exportReport(args as ExportArgs | undefined),
    [COMMANDS.acknowledgeAllAlerts]: () => d.alerts.acknowledgeAll(),
    [COMMANDS.acknowledgeAlert]: (arg?: unknown) => {
      const a = alertIdOf(arg);
      return a ? d.alerts.acknowledge(a.id) : undefined;
    },
    [COMMANDS.silenceAlert]: (arg?: unknown) => {
      const a = alertIdOf(arg);
      return a ? d.alerts.silence(a.ruleId, SILENCE_MS) : undefined;
    },
    [COMMANDS.openEndpointInDashboard]: (arg?: unknown) => {
      const endpoint = endpointOf(arg);
      return d.openDashboard(endpoint ? { endpoint, tab: 'realtime' } : undefined);
    },
    [COMMANDS.goToCode]: async (arg?: unknown, opts?: unknown) => {
      const endpoint = endpointOf(arg);
      if (!endpoint) {
        return [];
      }
      await d.engine.callsReady();
      const names = functionNamesOf(d.engine, endpoint, d.endpoints.filter());
      return goToCode(endpoint, names, (opts ?? {}) as { open?: boolean });
    },
    [COMMANDS.copyEndpoint]: async (arg?: unknown) => {
      const endpoint = endpointOf(arg);
      if (endpoint) {
        await vscode.env.clipboard.writeText(endpoint);
        vscode.window.setStatusBarMessage(`Copied ${endpoint}`, 2000);
      }
    },
    [COMMANDS.sortEndpoints]: async (arg?: unknown) => {
      let sort = typeof arg === 'string' && arg in ENDPOINT_SORTS ? arg as EndpointSort : undefined;
      if (!sort) {
        const current = d.endpoints.sort;
        const pick = await vscode.window.showQuickPick(
          (Object.entries(ENDPOINT_SORTS) as [EndpointSort, string][]).map(([k, label]) => ({ label, description: k === current ? 'current' : undefined, k })),
          { placeHolder: 'Sort endpoints by' });
        sort = pick?.k;
      }
      if (sort) {
        await d.endpoints.setSort(sort);
      }
    },
    [COMMANDS.setEndpointsRange]: async (arg?: unknown) => {
      let range = typeof arg === 'string' && arg in ENDPOINT_RANGES ? arg as EndpointRange : undefined;
      if (!range) {
        const current = d.endpoints.range;
        const pick = await vscode.window.showQuickPick(
          (Object.entries(ENDPOINT_RANGES) as [EndpointRange, { label: string }][]).map(([k, v]) => ({ label: v.label, description: k === current ? 'current' : undefined, k })),
          { placeHolder: 'Time range of the Endpoints view' });
        range = pick?.k;
      }
      if (range) {
        await d.endpoints.setRange(range);
      }
    },
    [COMMANDS.repriceCalls]: async () => {
      const n = await d.reprice();
      // n counts the calls whose cost changed: "Re-priced 0 calls" on a full store read as if nothing was looked at
      void vscode.window.showInformationMessage(`Re-priced every stored call with the current prices: ${countOf(n, 'cost')} changed.`);
      return n;
    },
    [COMMANDS.openExampleWorkspace]: async (opts?: unknown) => {
      // the repository's examples/ (development, `npm start`), else a small one written into global storage
      let folder = vscode.Uri.joinPath(d.extensionUri, 'examples');
      try {
        await vscode.workspace.fs.stat(vscode.Uri.joinPath(folder, 'logs'));
      } catch {
        folder = await writeExampleWorkspace(vscode.Uri.joinPath(d.globalStorageUri, 'example-workspace'));
      }
      if ((opts as { open?: boolean } | undefined)?.open !== false) {
        await vscode.commands.executeCommand('vscode.openFolder', folder, { forceNewWindow: true });
      }
      return folder.fsPath;
    },
    [COMMANDS.showOutput]: () => d.output.show(true),
    [COMMANDS.openProblem]: (arg?: unknown) => {
      const n = arg as SourceNode | Problem | undefined;
      const p = n && 'kind' in n ? (n.kind === 'problem' ? n.problem : undefined) : n as Problem | undefined;
      return openProblem(p);
    },
  };
  return (Object.entries(handlers) as [CommandId, (...args: unknown[]) => unknown][]).map(([id, fn]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await fn(...args);
      } catch (e) {
        d.output.error(`${id} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
        void vscode.window.showErrorMessage(`API Monitor: ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      }
    }));
}
