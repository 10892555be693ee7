// Display formatting of the dashboard. Pure (no DOM), so it is unit-tested in plain Node.
// "No data" (null) always reads as an em dash or "no data", never 0 % or NaN.
import { countOf, formatMs, plural } from '../src/shared/text';

export const NO_DATA = '—';

const isNum = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

/** US dollars, rounded for display only. A positive amount under half a cent reads `<$0.01`, never `$0.00`. */
export function formatUsd(x: number | null | undefined): string {
  if (!isNum(x)) return NO_DATA;
  if (x === 0) return '$0.00';
  const abs = Math.abs(x);
  if (abs < 0.005) return x > 0 ? '<$0.01' : '>-$0.01';
  const sign = x < 0 ? '-' : '';
  if (abs >= 1000) return `${sign}$${abs.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return `${sign}$${abs.toFixed(2)}`;
}

/** Small per-call amounts need more digits: $0.0012 rather than <$0.01. */
export function formatUsdPrecise(x: number | null | undefined): string {
  if (!isNum(x)) return NO_DATA;
  const abs = Math.abs(x);
  if (abs === 0 || abs >= 0.01) return formatUsd(x);
  if (abs < 0.000001) return x > 0 ? '<$0.000001' : formatUsd(x);
  return `${x < 0 ? '-' : ''}$${abs.toPrecision(2).replace(/0+$/, '')}`;
}

/** A ratio 0..1 as a percentage. */
export function formatPercent(r: number | null | undefined, digits = 1): string {
  if (!isNum(r)) return NO_DATA;
  return `${(r * 100).toFixed(digits)} %`;
}

/** one latency format for the dashboard, the sidebar and the status bar */
export { formatMs };

export function formatCount(n: number | null | undefined): string {
  if (!isNum(n)) return NO_DATA;
  return Math.round(n).toLocaleString('en-US');
}

export function formatRate(perMin: number | null | undefined): string {
  if (!isNum(perMin)) return NO_DATA;
  return `${perMin >= 100 ? Math.round(perMin).toLocaleString('en-US') : perMin.toFixed(perMin >= 10 ? 1 : 2)}/min`;
}

export type Unit = 'count' | 'ratio' | 'ms' | 'perMin' | 'usd' | 'usdPerHour';

export function formatValue(v: number | null, unit: Unit): string {
  switch (unit) {
    case 'count': return formatCount(v);
    case 'ratio': return formatPercent(v);
    case 'ms': return formatMs(v);
    case 'perMin': return formatRate(v);
    case 'usd': return formatUsd(v);
    case 'usdPerHour': return isNum(v) ? `${formatUsd(v)}/h` : NO_DATA;
  }
}

export interface ChangeView {
  text: string;
  /** 'up'/'down' for the arrow, 'flat' for no change, null when no data */
  dir: 'up' | 'down' | 'flat' | null;
  /** good/bad for colour: a rise in latency is bad, a rise in success rate is good */
  tone: 'good' | 'bad' | 'neutral';
}

/** A relative change (0.25 = +25 %) as "▲ 25.0 %". */
export function formatChange(change: number | null, higherIsWorse: boolean): ChangeView {
  if (!isNum(change)) return { text: 'no data', dir: null, tone: 'neutral' };
  const pct = Math.abs(change * 100);
  if (pct < 0.05) return { text: '0.0 %', dir: 'flat', tone: 'neutral' };
  const up = change > 0;
  const text = `${up ? '▲' : '▼'} ${pct >= 1000 ? Math.round(pct).toLocaleString('en-US') : pct.toFixed(1)} %`;
  return { text, dir: up ? 'up' : 'down', tone: up === higherIsWorse ? 'bad' : 'good' };
}

/**
 * Monthly savings of raising the response-cache hit rate from `current` to `target`: each extra hit is a
 * miss avoided, worth the average cost of a miss. null when an input is missing; 0 when target ≤ current.
 */
export function whatIfMonthlySavings(current: number | null, target: number, callsPerMonth: number | null,
  avgCostPerMissUsd: number | null): number | null {
  if (!isNum(current) || !isNum(callsPerMonth) || !isNum(avgCostPerMissUsd) || !isNum(target)) return null;
  return Math.max(0, target - current) * callsPerMonth * avgCostPerMissUsd;
}

/** Pick a time label format from the bucket length. */
export function formatTime(ts: number, bucketMs: number, timeZone: string): string {
  const opts: Intl.DateTimeFormatOptions = bucketMs >= 86_400_000
    ? { month: 'short', day: 'numeric' }
    : bucketMs >= 3_600_000
      ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
      : { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  try {
    return new Intl.DateTimeFormat('en-US', { ...opts, timeZone: timeZone || undefined }).format(new Date(ts));
  } catch {
    return new Intl.DateTimeFormat('en-US', opts).format(new Date(ts));
  }
}

/** `datetime-local` input value ("YYYY-MM-DDTHH:mm") ↔ epoch ms, in the browser's zone. */
export function toLocalInput(ts: number): string {
  const d = new Date(ts);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function fromLocalInput(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(s);
  if (!m) return null;
  const t = new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]).getTime();
  return Number.isFinite(t) ? t : null;
}

/** Escape text for the few places that build HTML strings (log content is untrusted). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c] as string));
}

/** The band colour variable of a gauge band. */
export function bandColorVar(band: 'ok' | 'warning' | 'critical' | null): string {
  switch (band) {
    case 'ok': return '--vscode-charts-green';
    case 'warning': return '--vscode-charts-yellow';
    case 'critical': return '--vscode-charts-red';
    default: return '--vscode-descriptionForeground';
  }
}

/**
 * A drag on a chart from pixel x0 to x1 over a time axis [min, max] drawn between pixels [left, right]:
 * the custom range it selects, or null when the drag is too short to mean a zoom (a click).
 */
export function dragToRange(x0: number, x1: number, left: number, right: number, min: number, max: number): { from: number; to: number } | null {
  const lo = Math.max(left, Math.min(x0, x1));
  const hi = Math.min(right, Math.max(x0, x1));
  if (hi - lo < 5 || right <= left || max <= min) return null;
  const at = (x: number): number => min + (x - left) / (right - left) * (max - min);
  return { from: Math.round(at(lo)), to: Math.round(at(hi)) };
}

export interface RuleFormInput {
  name: string; metric: string; scope: string; comparison: string; warning: string; critical: string;
  windowMinutes: string; forMinutes: string; minCalls: string; cooldownMinutes: string; severity: string;
}

/**
 * First check of the rule form in the webview (the host validates again with the alert engine's validator).
 * Units as the rules: rates in percent, latency in ms, money in USD.
 */
export function validateRuleForm(f: RuleFormInput): string[] {
  const errors: string[] = [];
  if (!f.name.trim()) errors.push('Name is required.');
  const num = (s: string): number | null => (s.trim() === '' ? null : Number(s));
  const w = num(f.warning);
  const c = num(f.critical);
  if (w === null && c === null) errors.push('Give a warning or a critical threshold.');
  if ((w !== null && !Number.isFinite(w)) || (c !== null && !Number.isFinite(c))) errors.push('Thresholds must be numbers.');
  if (w !== null && c !== null && Number.isFinite(w) && Number.isFinite(c)) {
    const up = f.comparison === 'above';
    if (up ? c < w : c > w) errors.push(`The critical threshold must be ${up ? 'at or above' : 'at or below'} the warning threshold.`);
  }
  const pct = f.metric === 'errorRate' || f.metric === 'cacheHitRate' || f.metric === 'budgetUse';
  if (pct) for (const v of [w, c]) if (v !== null && (v < 0 || (f.metric !== 'budgetUse' && v > 100))) { errors.push('Percentages must be between 0 and 100.'); break; }
  const int = (s: string, label: string, min: number): void => {
    const v = Number(s);
    if (s.trim() === '' || !Number.isInteger(v) || v < min) errors.push(`${label} must be a whole number ≥ ${min}.`);
  };
  int(f.windowMinutes, 'Window', 1);
  int(f.forMinutes, 'For', 0);
  int(f.minCalls, 'Minimum calls', 0);
  int(f.cooldownMinutes, 'Cooldown', 0);
  if (f.scope !== 'all' && !/^(endpoint|model):.+/.test(f.scope)) errors.push('Scope must be all, endpoint:<name> or model:<name>.');
  return errors;
}

const STEPS = [60_000, 5 * 60_000, 15 * 60_000, 30 * 60_000, 3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000,
  86_400_000, 2 * 86_400_000, 7 * 86_400_000];

/**
 * Time-axis ticks on round local times (whole minutes, quarter hours, hours, midnights) rather than chart.js's
 * round milliseconds. `offsetMs` is the display zone's offset from UTC (east positive).
 */
export function niceTimeTicks(min: number, max: number, offsetMs: number, maxTicks = 8): number[] {
  if (!(max > min)) return [];
  const step = STEPS.find(s => (max - min) / s <= maxTicks) ?? Math.ceil((max - min) / maxTicks / 86_400_000) * 86_400_000;
  const first = Math.ceil((min + offsetMs) / step) * step - offsetMs;
  const out: number[] = [];
  for (let t = first; t <= max && out.length <= maxTicks + 1; t += step) out.push(t);
  return out;
}

/** Offset of an IANA zone from UTC at `ts`, in ms ('' = the browser's zone). */
export function zoneOffset(ts: number, timeZone: string): number {
  try {
    const p: Record<string, number> = {};
    const f = new Intl.DateTimeFormat('en-US', { timeZone: timeZone || undefined, hourCycle: 'h23', year: 'numeric', month: 'numeric',
      day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    for (const x of f.formatToParts(new Date(ts))) if (x.type !== 'literal') p[x.type] = Number(x.value);
    const whole = ts - (((ts % 1000) + 1000) % 1000);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second) - whole;
  } catch {
    return -new Date(ts).getTimezoneOffset() * 60_000;
  }
}

/** Why calls have no price: those without a model (plain HTTP APIs) never can, the rest miss a price or token usage. */
export function unpricedNote(unpriced: number, noModel: number): string {
  const head = `${countOf(unpriced, 'call')} in the last 30 days ${plural(unpriced, 'has', 'have')} no price and ${plural(unpriced, 'is', 'are')} left out of these totals`;
  const withModel = unpriced - noModel;
  if (noModel <= 0) return `${head} (unknown model or no token usage).`;
  if (withModel <= 0) return `${head}: ${plural(unpriced, 'it is a call', 'all are calls')} without a model (plain HTTP API calls, which have no per-call price).`;
  return `${head}: ${countOf(noModel, 'call')} without a model (plain HTTP API calls, which have no per-call price) and ${countOf(withModel, 'call')} with an unknown model or no token usage.`;
}
