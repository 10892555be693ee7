// The typed registries (src/host/registry.ts) must equal what package.json contributes, in both
// directions: a command registered in code but missing from the manifest is invisible, and one in
// the manifest but not in code fails when clicked.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  COMMANDS, ITEM_ONLY_COMMANDS, SETTINGS, SETTING_JSON_TYPES, CONTEXT_KEYS, VIEWS, VIEW_CONTAINER, DASHBOARD_VIEW_TYPE, TREE_ITEM_CONTEXT,
} from '../../src/host/registry';
import { ALERT_RULES_SETTING_SCHEMA } from '../../src/core/alerts/rules';
import { DEFAULT_EXCLUDES, DEFAULT_LOG_GLOBS } from '../../src/core/ingest/discovery';

const root = [path.resolve(__dirname, '../../..'), process.cwd()].find(d => fs.existsSync(path.join(d, 'package.json')))!;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const pkg: any = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const contributes = pkg.contributes;
const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

interface MenuEntry { command: string; when?: string; group?: string }
const allMenuEntries = (): MenuEntry[] => Object.values(contributes.menus as Record<string, MenuEntry[]>).flat();

describe('manifest vs registry', () => {
  it('contributes exactly the registered commands', () => {
    const manifest = (contributes.commands as { command: string }[]).map(c => c.command);
    assert.strictEqual(manifest.length, new Set(manifest).size, 'no duplicate command');
    assert.deepStrictEqual(sorted(manifest), sorted(Object.values(COMMANDS)));
  });

  it('gives every command a title and the "API Monitor" category', () => {
    for (const c of contributes.commands as { command: string; title: string; category: string }[]) {
      assert.ok(c.title && c.title.trim().length > 0, `${c.command} has a title`);
      assert.strictEqual(c.category, 'API Monitor', c.command);
    }
  });

  it('keeps the shared command titles', () => {
    const title = (id: string): string => (contributes.commands as { command: string; title: string }[]).find(c => c.command === id)!.title;
    assert.strictEqual(title(COMMANDS.openDashboard), 'Open Dashboard');
    assert.strictEqual(title(COMMANDS.refresh), 'Refresh Now');
    assert.strictEqual(title(COMMANDS.addLogFile), 'Add Log File…');
    assert.strictEqual(title(COMMANDS.exportCallsCsv), 'Export Calls as CSV…');
    assert.strictEqual(title(COMMANDS.exportCallsJsonl), 'Export Calls as JSON Lines…');
    assert.strictEqual(title(COMMANDS.exportSummary), 'Export Metrics Summary (JSON)…');
    assert.strictEqual(title(COMMANDS.acknowledgeAllAlerts), 'Acknowledge All Alerts');
    assert.strictEqual(title(COMMANDS.repriceCalls), 'Re-price All Calls');
  });

  it('only names registered commands in menus, and shows an icon for every title-bar or inline entry', () => {
    const ids = new Set<string>(Object.values(COMMANDS));
    const icons = new Map((contributes.commands as { command: string; icon?: string }[]).map(c => [c.command, c.icon]));
    for (const e of allMenuEntries()) {
      assert.ok(ids.has(e.command), `menu names unknown command ${e.command}`);
      if (e.group?.startsWith('navigation') || e.group?.startsWith('inline')) {
        assert.ok(icons.get(e.command), `${e.command} is shown as a button, so needs an icon`);
      }
    }
  });

  it('hides exactly the item-only commands from the command palette', () => {
    const hidden = (contributes.menus.commandPalette as MenuEntry[]).filter(e => e.when === 'false').map(e => e.command);
    assert.deepStrictEqual(sorted(hidden), sorted(ITEM_ONLY_COMMANDS));
  });

  it('contributes exactly the registered settings, with their types', () => {
    const props = contributes.configuration.properties as Record<string, { type: unknown }>;
    assert.deepStrictEqual(sorted(Object.keys(props)), sorted(Object.values(SETTINGS)));
    assert.deepStrictEqual(sorted(Object.keys(SETTING_JSON_TYPES)), sorted(Object.values(SETTINGS)));
    for (const [k, t] of Object.entries(SETTING_JSON_TYPES)) {
      assert.deepStrictEqual(props[k].type, t, k);
    }
  });

  it('gives every setting a description and a default that fits its own schema', () => {
    type Prop = { type: string | string[]; default?: unknown; description?: string; markdownDescription?: string;
      enum?: unknown[]; enumDescriptions?: string[]; minimum?: number; maximum?: number };
    const jsonType = (v: unknown): string => v === null ? 'null' : Array.isArray(v) ? 'array'
      : Number.isInteger(v) ? 'integer' : typeof v;
    for (const [k, p] of Object.entries(contributes.configuration.properties as Record<string, Prop>)) {
      assert.ok((p.markdownDescription ?? p.description ?? '').length > 20, `${k} has a description`);
      assert.ok('default' in p, `${k} has a default`);
      const types = ([] as string[]).concat(p.type);
      const t = jsonType(p.default);
      assert.ok(types.includes(t) || (t === 'integer' && types.includes('number')), `${k}: default of type ${t} vs ${types}`);
      if (p.enum) {
        assert.ok(p.enum.includes(p.default), `${k}: default in enum`);
        assert.strictEqual(p.enumDescriptions?.length, p.enum.length, `${k}: one enumDescription per value`);
      }
      if (typeof p.default === 'number') {
        assert.ok(p.minimum === undefined || p.default >= p.minimum, `${k} default >= minimum`);
        assert.ok(p.maximum === undefined || p.default <= p.maximum, `${k} default <= maximum`);
      }
    }
  });

  it('keeps the shared bounds and defaults', () => {
    const props = contributes.configuration.properties;
    assert.deepStrictEqual([props[SETTINGS.retentionDays].minimum, props[SETTINGS.retentionDays].maximum, props[SETTINGS.retentionDays].default], [1, 3650, 30]);
    assert.deepStrictEqual(props[SETTINGS.refreshIntervalSeconds].enum, [5, 10, 30, 60]);
    assert.strictEqual(props[SETTINGS.refreshIntervalSeconds].default, 10);
    assert.deepStrictEqual([props[SETTINGS.alertEvaluationIntervalSeconds].minimum, props[SETTINGS.alertEvaluationIntervalSeconds].maximum,
      props[SETTINGS.alertEvaluationIntervalSeconds].default], [10, 60, 30]);
    assert.strictEqual(props[SETTINGS.budget].default, null);
    assert.strictEqual(props[SETTINGS.autoRefresh].default, true);
    assert.strictEqual(props[SETTINGS.preferLoggedCost].default, true);
  });

  it('validates apiMonitor.alerts.rules with the alert engine\'s own schema and defaults', () => {
    const prop = contributes.configuration.properties[SETTINGS.alertRules];
    assert.deepStrictEqual(prop.items, JSON.parse(JSON.stringify(ALERT_RULES_SETTING_SCHEMA.items)));
    assert.deepStrictEqual(prop.default, JSON.parse(JSON.stringify(ALERT_RULES_SETTING_SCHEMA.default)));
  });

  it('finds logs with the same default globs and excludes as the CLI', () => {
    const props = contributes.configuration.properties;
    assert.deepStrictEqual(props[SETTINGS.logFiles].default, [...DEFAULT_LOG_GLOBS]);
    assert.deepStrictEqual(props[SETTINGS.excludeFiles].default, [...DEFAULT_EXCLUDES]);
    // activation looks for a cheap subset of those globs (plus the workspace prices file)
    const contains = (pkg.activationEvents as string[]).filter(e => e.startsWith('workspaceContains:')).map(e => e.slice('workspaceContains:'.length));
    assert.deepStrictEqual(contains.filter(g => !DEFAULT_LOG_GLOBS.includes(g)), ['.vscode/api-monitor-prices.json']);
  });

  it('uses exactly the registered context keys in when clauses', () => {
    const whens: string[] = [
      ...allMenuEntries().map(e => e.when ?? ''),
      ...(contributes.viewsWelcome as { when?: string }[]).map(w => w.when ?? ''),
    ];
    const used = new Set<string>();
    for (const w of whens) {
      // a context key is an identifier that is not the right-hand side of a comparison
      for (const m of w.matchAll(/(==\s*)?\b(apiMonitor\.[A-Za-z.]+)/g)) {
        if (!m[1]) {
          used.add(m[2]);
        }
      }
    }
    for (const step of contributes.walkthroughs.flatMap((w: { steps: { completionEvents?: string[] }[] }) => w.steps)) {
      for (const ev of step.completionEvents ?? []) {
        if (ev.startsWith('onContext:')) {
          used.add(ev.slice('onContext:'.length));
        }
      }
    }
    assert.deepStrictEqual(sorted(used), sorted(Object.values(CONTEXT_KEYS)));
  });

  it('matches menus only on registered views and tree item contexts', () => {
    const views = new Set<string>(Object.values(VIEWS));
    const items = new Set<string>(Object.values(TREE_ITEM_CONTEXT));
    for (const e of allMenuEntries()) {
      for (const m of (e.when ?? '').matchAll(/\bview == ([\w.]+)/g)) {
        assert.ok(views.has(m[1]), `${e.command}: unknown view ${m[1]}`);
      }
      for (const m of (e.when ?? '').matchAll(/\bviewItem == ([\w.]+)/g)) {
        assert.ok(items.has(m[1]), `${e.command}: unknown viewItem ${m[1]}`);
      }
    }
    for (const w of contributes.viewsWelcome as { view: string }[]) {
      assert.ok(views.has(w.view), w.view);
    }
  });

  it('contributes the registered views in one activity-bar container', () => {
    assert.deepStrictEqual(contributes.viewsContainers.activitybar.map((c: { id: string }) => c.id), [VIEW_CONTAINER]);
    const icon = contributes.viewsContainers.activitybar[0].icon as string;
    assert.ok(fs.existsSync(path.join(root, icon)), `${icon} exists`);
    assert.deepStrictEqual(sorted(contributes.views[VIEW_CONTAINER].map((v: { id: string }) => v.id)), sorted(Object.values(VIEWS)));
    assert.deepStrictEqual(Object.keys(contributes.views), [VIEW_CONTAINER]);
  });

  it('activates on views, the dashboard panel, log files, and after startup; never "*"', () => {
    const events = pkg.activationEvents as string[];
    assert.ok(!events.includes('*'));
    // workspaceContains searches respect .gitignore, where logs usually are: after startup finds those
    // (a workspace without logs gets no status bar item: test/integration/statusBar.test.ts)
    assert.ok(events.includes('onStartupFinished'));
    for (const v of Object.values(VIEWS)) {
      assert.ok(events.includes(`onView:${v}`), v);
    }
    assert.ok(events.includes(`onWebviewPanel:${DASHBOARD_VIEW_TYPE}`));
    assert.ok(events.some(e => e.startsWith('workspaceContains:')));
  });

  it('points every walkthrough step at an existing markdown file and a registered or built-in command', () => {
    const ids = new Set<string>(Object.values(COMMANDS));
    const steps = contributes.walkthroughs[0].steps as { media: { markdown: string }; description: string }[];
    assert.ok(steps.length >= 3 && steps.length <= 4);
    for (const s of steps) {
      assert.ok(fs.existsSync(path.join(root, s.media.markdown)), s.media.markdown);
      for (const m of s.description.matchAll(/command:([\w.]+)/g)) {
        assert.ok(ids.has(m[1]) || m[1].startsWith('workbench.'), m[1]);
      }
    }
  });
});
