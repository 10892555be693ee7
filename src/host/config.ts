// Settings as one frozen, typed, validated snapshot. Adapters receive the whole snapshot and
// react only to the keys they care about (`affectsAny`), so a change of an unrelated setting does
// not rebuild anything. Values are clamped/validated here once: settings are user input.
import * as vscode from 'vscode';
import { SETTINGS, type BudgetSetting, type PriceOverride, type SettingKey } from './registry';

export interface ApiMonitorConfig {
  readonly logFiles: readonly string[];
  readonly excludeFiles: readonly string[];
  /** '' = the machine's zone */
  readonly defaultTimeZone: string;
  readonly retentionDays: number;
  readonly refreshIntervalSeconds: 5 | 10 | 30 | 60;
  readonly autoRefresh: boolean;
  readonly fieldMapping: Readonly<Record<string, string>>;
  readonly pricingOverrides: Readonly<Record<string, PriceOverride>>;
  readonly preferLoggedCost: boolean;
  readonly budget: Readonly<BudgetSetting> | null;
  /** raw rule objects; validated by the alert manager (which reports the invalid ones) */
  readonly alertRules: readonly unknown[];
  readonly alertEvaluationIntervalSeconds: number;
}

/** The minimal part of `WorkspaceConfiguration` we read (so tests can pass a plain object). */
export interface ConfigSource {
  get<T>(section: string): T | undefined;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string' && s.trim() !== '') : []);
const clampInt = (v: unknown, min: number, max: number, dflt: number): number =>
  typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, Math.round(v))) : dflt;
const isFiniteNonNeg = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** A zone name the runtime knows, else '' (the machine's zone). */
export function validTimeZone(zone: unknown): string {
  if (typeof zone !== 'string' || zone.trim() === '') {
    return '';
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone.trim() });
    return zone.trim();
  } catch {
    return '';
  }
}

function readBudget(v: unknown): BudgetSetting | null {
  if (!isObj(v) || typeof v.amount !== 'number' || !Number.isFinite(v.amount) || v.amount <= 0) {
    return null;
  }
  const period = v.period === 'day' || v.period === 'week' || v.period === 'month' ? v.period : 'month';
  const warnAt = Array.isArray(v.warnAt) ? v.warnAt.filter((x): x is number => isFiniteNonNeg(x)).sort((a, b) => a - b) : [50, 80, 100];
  return Object.freeze({ amount: v.amount, period, warnAt: Object.freeze(warnAt) as number[] });
}

function readOverrides(v: unknown): Record<string, PriceOverride> {
  const out: Record<string, PriceOverride> = {};
  if (!isObj(v)) {
    return out;
  }
  for (const [model, p] of Object.entries(v)) {
    if (!isObj(p)) {
      continue;
    }
    const o: PriceOverride = {};
    for (const k of ['input', 'output', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h'] as const) {
      if (isFiniteNonNeg(p[k])) {
        o[k] = p[k];
      }
    }
    out[model] = Object.freeze(o);
  }
  return out;
}

function readMapping(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObj(v)) {
    for (const [k, path] of Object.entries(v)) {
      if (typeof path === 'string' && path.trim() !== '') {
        out[k] = path.trim();
      }
    }
  }
  return out;
}

const key = (full: SettingKey): string => full.slice('apiMonitor.'.length);

/** Read and validate every setting. */
export function readConfig(source: ConfigSource = vscode.workspace.getConfiguration('apiMonitor')): ApiMonitorConfig {
  const refresh = source.get<number>(key(SETTINGS.refreshIntervalSeconds));
  const rules = source.get<unknown>(key(SETTINGS.alertRules));
  return Object.freeze({
    logFiles: Object.freeze(strings(source.get(key(SETTINGS.logFiles)))),
    excludeFiles: Object.freeze(strings(source.get(key(SETTINGS.excludeFiles)))),
    defaultTimeZone: validTimeZone(source.get(key(SETTINGS.defaultTimeZone))),
    retentionDays: clampInt(source.get(key(SETTINGS.retentionDays)), 1, 3650, 30),
    refreshIntervalSeconds: refresh === 5 || refresh === 10 || refresh === 30 || refresh === 60 ? refresh : 10,
    autoRefresh: source.get<boolean>(key(SETTINGS.autoRefresh)) !== false,
    fieldMapping: Object.freeze(readMapping(source.get(key(SETTINGS.fieldMapping)))),
    pricingOverrides: Object.freeze(readOverrides(source.get(key(SETTINGS.pricingOverrides)))),
    preferLoggedCost: source.get<boolean>(key(SETTINGS.preferLoggedCost)) !== false,
    budget: readBudget(source.get(key(SETTINGS.budget))),
    alertRules: Object.freeze(Array.isArray(rules) ? [...rules] : []),
    alertEvaluationIntervalSeconds: clampInt(source.get(key(SETTINGS.alertEvaluationIntervalSeconds)), 10, 60, 30),
  });
}

/** True when the change event touches one of these settings. */
export function affectsAny(e: vscode.ConfigurationChangeEvent, keys: readonly SettingKey[]): boolean {
  return keys.some(k => e.affectsConfiguration(k));
}

/** The display zone: the setting, else the machine's. */
export function effectiveTimeZone(config: ApiMonitorConfig): string {
  return config.defaultTimeZone || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * Holds the current snapshot and fires when settings change. One instance for the extension;
 * adapters subscribe and filter with the change event's `affects`.
 */
export class ConfigStore implements vscode.Disposable {
  private _current: ApiMonitorConfig = readConfig();
  private readonly _emitter = new vscode.EventEmitter<{ config: ApiMonitorConfig; affects(keys: readonly SettingKey[]): boolean }>();
  private readonly _sub: vscode.Disposable;
  readonly onDidChange = this._emitter.event;

  constructor() {
    this._sub = vscode.workspace.onDidChangeConfiguration(e => {
      if (!e.affectsConfiguration('apiMonitor')) {
        return;
      }
      this._current = readConfig();
      this._emitter.fire({ config: this._current, affects: keys => affectsAny(e, keys) });
    });
  }

  get current(): ApiMonitorConfig {
    return this._current;
  }

  dispose(): void {
    this._sub.dispose();
    this._emitter.dispose();
  }
}
