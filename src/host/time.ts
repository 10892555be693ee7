// Calendar instants in the display time zone for the host's figures ("today", the budget period).
// Thin names over the pricing module's zone calendar (DST and midnight gaps handled and tested
// there), so the status bar's budget share and the dashboard's budget status use the same period.
import { startOfDay, startOfMonth, startOfWeek } from '../core/pricing/zoneTime';

/** UTC instant of local midnight of the day containing `now` in `timeZone`. */
export function startOfLocalDay(now: number, timeZone: string): number {
  return startOfDay(now, timeZone);
}

/** Start of the budget period (day, ISO week from Monday, calendar month) containing `now`. */
export function startOfPeriod(now: number, timeZone: string, period: 'day' | 'week' | 'month'): number {
  return period === 'day' ? startOfDay(now, timeZone) : period === 'week' ? startOfWeek(now, timeZone) : startOfMonth(now, timeZone);
}
