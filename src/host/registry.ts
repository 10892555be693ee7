// Typed registries of what package.json contributes: command ids, setting keys (with their value
// types), context keys and views. test/unit/manifest.test.ts asserts these equal the manifest in
// both directions, so a renamed command cannot silently stop working.

export const COMMANDS = {
  openDashboard: 'apiMonitor.openDashboard',
  refresh: 'apiMonitor.refresh',
  addLogFile: 'apiMonitor.addLogFile',
  removeLogSource: 'apiMonitor.removeLogSource',
  showProblems: 'apiMonitor.showProblems',
  exportCallsCsv: 'apiMonitor.exportCallsCsv',
  exportCallsJsonl: 'apiMonitor.exportCallsJsonl',
  exportSummary: 'apiMonitor.exportSummary',
  exportReport: 'apiMonitor.exportReport',
  acknowledgeAllAlerts: 'apiMonitor.acknowledgeAllAlerts',
  acknowledgeAlert: 'apiMonitor.acknowledgeAlert',
  silenceAlert: 'apiMonitor.silenceAlert',
  openEndpointInDashboard: 'apiMonitor.openEndpointInDashboard',
  goToCode: 'apiMonitor.goToCode',
  copyEndpoint: 'apiMonitor.copyEndpoint',
  sortEndpoints: 'apiMonitor.sortEndpoints',
  setEndpointsRange: 'apiMonitor.setEndpointsRange',
  repriceCalls: 'apiMonitor.repriceCalls',
  openExampleWorkspace: 'apiMonitor.openExampleWorkspace',
  showOutput: 'apiMonitor.showOutput',
  openProblem: 'apiMonitor.openProblem',
} as const;

export type CommandKey = keyof typeof COMMANDS;
export type CommandId = (typeof COMMANDS)[CommandKey];

/**
 * Commands that only make sense on a tree item (they need its argument): hidden from the command
 * palette by a `when: false` clause in the manifest.
 */
export const ITEM_ONLY_COMMANDS: readonly CommandId[] = [
  COMMANDS.removeLogSource,
  COMMANDS.acknowledgeAlert,
  COMMANDS.silenceAlert,
  COMMANDS.openEndpointInDashboard,
  COMMANDS.goToCode,
  COMMANDS.copyEndpoint,
  COMMANDS.openProblem,
];

/** Budget as the `apiMonitor.budget` setting holds it. */
export interface BudgetSetting {
  amount: number;
  period: 'day' | 'week' | 'month';
  /** percentages of the amount (80 = 80 %) where a warning is shown */
  warnAt: number[];
}

/** USD per million tokens. */
export interface PriceOverride {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite5m?: number;
  cacheWrite1h?: number;
}

/** Every setting with the type of its value. */
export interface SettingTypes {
  'apiMonitor.logFiles': string[];
  'apiMonitor.excludeFiles': string[];
  'apiMonitor.defaultTimeZone': string;
  'apiMonitor.retentionDays': number;
  'apiMonitor.refreshIntervalSeconds': 5 | 10 | 30 | 60;
  'apiMonitor.autoRefresh': boolean;
  'apiMonitor.fieldMapping': Record<string, string>;
  'apiMonitor.pricing.overrides': Record<string, PriceOverride>;
  'apiMonitor.pricing.preferLoggedCost': boolean;
  'apiMonitor.budget': BudgetSetting | null;
  'apiMonitor.alerts.rules': unknown[];
  'apiMonitor.alerts.evaluationIntervalSeconds': number;
}

export type SettingKey = keyof SettingTypes;

/** The section below `apiMonitor.` (what `workspace.getConfiguration('apiMonitor').get()` takes). */
export const SETTINGS = {
  logFiles: 'apiMonitor.logFiles',
  excludeFiles: 'apiMonitor.excludeFiles',
  defaultTimeZone: 'apiMonitor.defaultTimeZone',
  retentionDays: 'apiMonitor.retentionDays',
  refreshIntervalSeconds: 'apiMonitor.refreshIntervalSeconds',
  autoRefresh: 'apiMonitor.autoRefresh',
  fieldMapping: 'apiMonitor.fieldMapping',
  pricingOverrides: 'apiMonitor.pricing.overrides',
  preferLoggedCost: 'apiMonitor.pricing.preferLoggedCost',
  budget: 'apiMonitor.budget',
  alertRules: 'apiMonitor.alerts.rules',
  alertEvaluationIntervalSeconds: 'apiMonitor.alerts.evaluationIntervalSeconds',
} as const satisfies Record<string, SettingKey>;

/** Context keys set with `setContext` and used in `when` clauses of the manifest. */
export const CONTEXT_KEYS = {
  /** at least one log source is known */
  hasSources: 'apiMonitor.hasSources',
  /** the cold ingest is running */
  ingesting: 'apiMonitor.ingesting',
  /** at least one alert is firing */
  hasFiringAlerts: 'apiMonitor.hasFiringAlerts',
} as const;

export type ContextKey = (typeof CONTEXT_KEYS)[keyof typeof CONTEXT_KEYS];

export const VIEW_CONTAINER = 'apiMonitor';

export const VIEWS = {
  endpoints: 'apiMonitor.endpoints',
  alerts: 'apiMonitor.alerts',
  sources: 'apiMonitor.sources',
} as const;

export type ViewId = (typeof VIEWS)[keyof typeof VIEWS];

export const DASHBOARD_VIEW_TYPE = 'apiMonitor.dashboard';

export const STATUS_BAR_IDS = {
  cost: 'apiMonitor.cost',
  alerts: 'apiMonitor.alerts',
} as const;

/** Tree item contextValues (matched by `viewItem == …` in the manifest menus). */
export const TREE_ITEM_CONTEXT = {
  endpoint: 'endpoint',
  endpointGroup: 'endpointGroup',
  alertFiring: 'alertFiring',
  alertHistory: 'alertHistory',
  source: 'source',
  sourceManual: 'sourceManual',
  problem: 'problem',
} as const;

/** JSON type of each setting as the manifest declares it (checked by the manifest test). */
export const SETTING_JSON_TYPES: Record<SettingKey, string | readonly string[]> = {
  'apiMonitor.logFiles': 'array',
  'apiMonitor.excludeFiles': 'array',
  'apiMonitor.defaultTimeZone': 'string',
  'apiMonitor.retentionDays': 'integer',
  'apiMonitor.refreshIntervalSeconds': 'integer',
  'apiMonitor.autoRefresh': 'boolean',
  'apiMonitor.fieldMapping': 'object',
  'apiMonitor.pricing.overrides': 'object',
  'apiMonitor.pricing.preferLoggedCost': 'boolean',
  'apiMonitor.budget': ['object', 'null'],
  'apiMonitor.alerts.rules': 'array',
  'apiMonitor.alerts.evaluationIntervalSeconds': 'integer',
};
