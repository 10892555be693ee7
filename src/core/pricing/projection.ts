// Spend projections from a daily cost series in the display zone. The method is deliberately simple
// and stated in words with every result: a recent daily rate (deseasonalised by weekday once two
// weeks of data exist), applied to the days left.
import type { DailyCost, Projection, ProjectionInput } from './types';
import { localDate, weekday, zonedMidnight } from './zoneTime';

export type ProjectionPeriod = 'day' | 'week' | 'month';

/** One stretch of future time with its expected cost. */
export interface PlanSegment {
  start: number;
  end: number;
  expected: number;
}

export interface ProjectionPlan {
  /** expected cost per average day before weekday factors; null = no data to project from */
  dailyRate: number | null;
  weekdayFactors: number[] | null;
  /** complete days used, by local day number */
  completeDays: number;
  confidence: Projection['confidence'];
  method: string;
  note: string | null;
  /** rest of today, then whole days, for `horizonDays` days after today */
  segments: PlanSegment[];
}

const DAY_MS = 86_400_000;

// Each Intl conversion costs ~6 µs and zonedMidnight makes up to a dozen: a plan walked 62 future days
// (and the budget a second plan of 32) with ~1,200 conversions per dashboard refresh, most of the Cost
// tab's projection time. A zone's midnights and the local day of a day start never change, so both
// are remembered (bounded: a long-running host sees a few new days a day).
const CACHE_MAX = 4096;
const midnights = new Map<string, number>();
const dayNos = new Map<string, number>();

/** zonedMidnight, remembered per zone and normalised date. */
function midnight(y: number, m: number, d: number, tz: string): number {
  const key = `${tz}\u0000${Date.UTC(y, m - 1, d)}`;
  let v = midnights.get(key);
  if (v === undefined) {
    v = zonedMidnight(y, m, d, tz);
    if (midnights.size >= CACHE_MAX) midnights.clear();
    midnights.set(key, v);
  }
  return v;
}

function dayNo(ts: number, tz: string): number {
  const key = `${tz}\u0000${ts}`;
  let v = dayNos.get(key);
  if (v === undefined) {
    const d = localDate(ts, tz);
    v = Math.floor(Date.UTC(d.y, d.m - 1, d.d) / DAY_MS);
    if (dayNos.size >= CACHE_MAX) dayNos.clear();
    dayNos.set(key, v);
  }
  return v;
}
function weekdayOfDayNo(n: number): number {
  return new Date(n * DAY_MS).getUTCDay();
}
const money = (x: number): string => `$${x.toFixed(x < 1 ? 4 : 2)}`;

/**
 * The rate, weekday factors and the expected cost of the rest of today and the next `horizonDays`
 * days. Days missing inside the covered range count as $0 (no calls that day).
 */
export function projectionPlan(input: ProjectionInput, horizonDays: number): ProjectionPlan {
  const { now, timeZone: tz } = input;
  // today's date once (what startOfDay, startOfNextDay and dayNo would each look up again)
  const today = localDate(now, tz);
  const todayStart = midnight(today.y, today.m, today.d, tz);
  const tomorrowStart = midnight(today.y, today.m, today.d + 1, tz);
  const elapsed = Math.min(1, Math.max(0, (now - todayStart) / (tomorrowStart - todayStart)));
  const todayNo = Math.floor(Date.UTC(today.y, today.m - 1, today.d) / DAY_MS);
  const todayCost = Number.isFinite(input.todayCost) && input.todayCost > 0 ? input.todayCost : 0;

  const byDay = new Map<number, number>();
  let first: number | null = null;
  for (const d of input.days as DailyCost[]) {
    if (!d || !Number.isFinite(d.start) || d.start >= todayStart) continue;
    const n = dayNo(d.start, tz);
    const c = Number.isFinite(d.costUsd) && d.costUsd > 0 ? d.costUsd : 0;
    byDay.set(n, (byDay.get(n) ?? 0) + c);
    const hasData = c > 0 || (typeof d.calls === 'number' && d.calls > 0);
    if (hasData && (first === null || n < first)) first = n;
  }
  const complete = first === null ? 0 : todayNo - first;
  const costOf = (n: number): number => byDay.get(n) ?? 0;

  let rate: number | null = null;
  let factors: number[] | null = null;
  let method: string;
  let note: string | null = null;
  let confidence: Projection['confidence'];

  if (complete >= 14) {
    // Weekday pattern from whole weeks (up to 4), rate from the last 14 days divided by their factors.
    const span = Math.min(28, Math.floor(complete / 7) * 7);
    const sum = [0, 0, 0, 0, 0, 0, 0];
    const cnt = [0, 0, 0, 0, 0, 0, 0];
    let total = 0;
    for (let n = todayNo - span; n < todayNo; n++) {
      const w = weekdayOfDayNo(n);
      sum[w] += costOf(n);
      cnt[w] += 1;
      total += costOf(n);
    }
    const mean = total / span;
    factors = sum.map((s, w) => (mean > 0 && cnt[w] > 0 ? s / cnt[w] / mean : 1));
    let c = 0;
    let f = 0;
    for (let n = todayNo - 14; n < todayNo; n++) { c += costOf(n); f += factors[weekdayOfDayNo(n)]; }
    rate = f > 0 ? c / f : 0;
    confidence = 'high';
    method = `average of the last 14 complete days (${money(rate)}/day) with a weekday pattern from the last ${span / 7} weeks`;
  } else if (complete >= 1) {
    const k = Math.min(7, complete);
    let c = 0;
    for (let n = todayNo - k; n < todayNo; n++) c += costOf(n);
    rate = c / k;
    confidence = complete >= 7 ? 'high' : 'medium';
    method = `average of the last ${k} complete day${k > 1 ? 's' : ''} (${money(rate)}/day), no weekday pattern (needs 14 days)`;
  } else if (elapsed > 0 && todayCost > 0) {
    rate = todayCost / elapsed;
    confidence = 'low';
    method = `today's pace so far (${money(todayCost)} in ${(elapsed * 24).toFixed(1)} h = ${money(rate)}/day)`;
    note = 'Less than a day of data: the projection follows today\'s pace and may be far off.';
  } else {
    confidence = 'none';
    method = 'no cost data to project from';
    note = 'No data yet.';
  }

  const segments: PlanSegment[] = [];
  if (rate !== null) {
    const exp = (n: number): number => rate! * (factors ? factors[weekdayOfDayNo(n)] : 1);
    segments.push({ start: now, end: tomorrowStart, expected: exp(todayNo) * (1 - elapsed) });
    const d = today;
    let start = tomorrowStart;
    for (let i = 1; i <= horizonDays; i++) {
      const end = midnight(d.y, d.m, d.d + i + 1, tz);
      segments.push({ start, end, expected: exp(todayNo + i) });
      start = end;
    }
    method += '; the rest of today at the same daily rate, spread evenly over the hours';
  }
  return { dailyRate: rate, weekdayFactors: factors, completeDays: complete, confidence, method, note, segments };
}

/** As zoneTime's startOf/startOfNext day, week (Monday) and month, with the remembered midnights. */
function periodBounds(now: number, tz: string, period: ProjectionPeriod): { start: number; end: number } {
  const d = localDate(now, tz);
  if (period === 'day') return { start: midnight(d.y, d.m, d.d, tz), end: midnight(d.y, d.m, d.d + 1, tz) };
  if (period === 'week') {
    const back = (weekday(d) + 6) % 7; // Monday 0 ... Sunday 6
    return { start: midnight(d.y, d.m, d.d - back, tz), end: midnight(d.y, d.m, d.d - back + 7, tz) };
  }
  return { start: midnight(d.y, d.m, 1, tz), end: midnight(d.y, d.m + 1, 1, tz) };
}

/** Cost expected in [now, until) from a plan. Partial segments count pro rata. */
export function expectedUntil(plan: ProjectionPlan, until: number): number {
  let s = 0;
  for (const seg of plan.segments) {
    if (seg.start >= until) break;
    if (seg.end <= until) s += seg.expected;
    else s += seg.expected * ((until - seg.start) / (seg.end - seg.start));
  }
  return s;
}

/**
 * Period-end (month by default) and next-30-days projections. On the 1st of a month the month so far
 * is today's cost and the rate comes from the days before (no division by the day of month); in
 * December the period ends on January 1 of the next year.
 */
export function projectSpend(input: ProjectionInput, period: ProjectionPeriod = 'month'): Projection {
  const { now, timeZone: tz } = input;
  const { start, end } = periodBounds(now, tz, period);
  const plan = projectionPlan(input, 62);
  const today = localDate(now, tz);
  const todayStart = midnight(today.y, today.m, today.d, tz);
  let soFar = Number.isFinite(input.todayCost) && input.todayCost > 0 ? input.todayCost : 0;
  for (const d of input.days) {
    if (d && d.start >= start && d.start < todayStart && Number.isFinite(d.costUsd) && d.costUsd > 0) soFar += d.costUsd;
  }
  const periodTotal = plan.dailyRate === null ? null : soFar + expectedUntil(plan, end);
  let next30: number | null = null;
  if (plan.dailyRate !== null) {
    next30 = 0;
    for (const seg of plan.segments.slice(1, 31)) next30 += seg.expected;
  }
  const days = Math.round((end - start) / DAY_MS);
  const method = `${plan.method}; ${period} of ${days} day${days > 1 ? 's' : ''} through ${dayLabel(localDate(end - 1, tz))}; next 30 days counted from tomorrow`;
  return {
    periodTotal, periodStart: start, periodEnd: end, periodSoFar: soFar, next30Days: next30, dailyRate: plan.dailyRate,
    weekdayFactors: plan.weekdayFactors, confidence: plan.confidence, method, note: plan.note,
  };
}

/** Exported for tests and the budget: local weekday of a day start. */
export function weekdayOf(ts: number, tz: string): number {
  return weekday(localDate(ts, tz));
}

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Dec 31, 2026": a local date as the projection's text shows it (the period's last day, not its exclusive end). */
export function dayLabel(d: { y: number; m: number; d: number }): string {
  return `${MONTH_NAMES[d.m - 1]} ${d.d}, ${d.y}`;
}
