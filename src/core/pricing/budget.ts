// Budget status: where spending stands in the current period and where it is heading.
// Periods reset at local 00:00 of the display zone; weeks start on Monday; months on the 1st.
import type { BudgetConfig, BudgetStatus, BudgetStatusInput } from './types';
import { expectedUntil, projectionPlan } from './projection';
import type { ProjectionPlan } from './projection';
import { startOfDay, startOfMonth, startOfNextDay, startOfNextMonth, startOfNextWeek, startOfWeek } from './zoneTime';

export const DEFAULT_WARN_AT: readonly number[] = [50, 80, 100];
const HOUR = 3_600_000;

/** Validate `apiMonitor.budget` (untrusted settings); null when absent or unusable. */
export function parseBudget(raw: unknown): BudgetConfig | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.amount !== 'number' || !Number.isFinite(r.amount) || r.amount <= 0) return null;
  if (r.period !== 'day' && r.period !== 'week' && r.period !== 'month') return null;
  const warnAt = Array.isArray(r.warnAt)
    ? r.warnAt.filter((x): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0).sort((a, b) => a - b)
    : undefined;
  return { amount: r.amount, period: r.period, warnAt: warnAt && warnAt.length ? warnAt : undefined };
}

export function budgetPeriod(budget: BudgetConfig, now: number, tz: string): { start: number; end: number } {
  if (budget.period === 'day') return { start: startOfDay(now, tz), end: startOfNextDay(now, tz) };
  if (budget.period === 'week') return { start: startOfWeek(now, tz), end: startOfNextWeek(now, tz) };
  return { start: startOfMonth(now, tz), end: startOfNextMonth(now, tz) };
}

/** When cumulative expected spend from now reaches `left`, walking the plan's segments; null if not before `end`. */
function crossing(plan: ProjectionPlan, left: number, end: number): number | null {
  let acc = 0;
  for (const seg of plan.segments) {
    if (seg.start >= end) break;
    const segEnd = Math.min(seg.end, end);
    const part = seg.expected * ((segEnd - seg.start) / (seg.end - seg.start));
    if (part > 0 && acc + part >= left) return seg.start + ((left - acc) / part) * (segEnd - seg.start);
    acc += part;
  }
  return null;
}

/**
 * Budget status. Day budgets project from the recent hourly rate (or today's average pace) to the end
 * of the day only; week and month budgets use the daily projection (`days` + `todayCost`) when given,
 * else the hourly rate.
 */
export function budgetStatus(input: BudgetStatusInput): BudgetStatus {
  const { budget, now, timeZone: tz } = input;
  const { start, end } = budgetPeriod(budget, now, tz);
  const spent = Number.isFinite(input.spentInPeriod) && input.spentInPeriod > 0 ? input.spentInPeriod : 0;
  const amount = budget.amount;
  const share = amount > 0 ? spent / amount : null;
  const levels = (budget.warnAt && budget.warnAt.length ? budget.warnAt : DEFAULT_WARN_AT).slice().sort((a, b) => a - b);
  const levelsCrossed = amount > 0 ? levels.filter(l => spent >= (amount * l) / 100) : [];
  const exhausted = amount > 0 && spent >= amount;

  let projectedAtEnd: number | null = null;
  let runsOutAt: number | null = null;
  let method: string;

  const hourly = input.recentHourlyRate !== undefined && input.recentHourlyRate !== null && Number.isFinite(input.recentHourlyRate) && input.recentHourlyRate >= 0
    ? input.recentHourlyRate : null;
  const useDaily = budget.period !== 'day' && Array.isArray(input.days) && input.days.length > 0;

  if (useDaily) {
    const plan = projectionPlan({ days: input.days ?? [], todayCost: input.todayCost ?? 0, now, timeZone: tz }, 32);
    if (plan.dailyRate !== null) {
      projectedAtEnd = spent + expectedUntil(plan, end);
      if (!exhausted) runsOutAt = crossing(plan, amount - spent, end);
    }
    method = plan.method;
  } else {
    let perHour = hourly;
    if (perHour !== null) method = `recent rate of $${perHour.toFixed(4)} per hour until the end of the ${budget.period}`;
    else {
      const hours = (now - start) / HOUR;
      perHour = hours > 0 ? spent / hours : null;
      method = perHour === null ? 'no rate yet (the period has just started)'
        : `average rate since the ${budget.period} started ($${perHour.toFixed(4)} per hour) until its end`;
    }
    if (perHour !== null) {
      projectedAtEnd = spent + perHour * ((end - now) / HOUR);
      if (!exhausted && perHour > 0) {
        const t = now + ((amount - spent) / perHour) * HOUR;
        runsOutAt = t < end ? t : null;
      }
    }
  }
  return { amount, period: budget.period, periodStart: start, periodEnd: end, spent, share, projectedAtEnd, runsOutAt, exhausted, levelsCrossed, method };
}
