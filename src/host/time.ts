// Calendar instants in the display time zone (days start at local midnight of that zone, the same
// zone used for buckets everywhere). Written with Intl only, so no dependency on the host's TZ.

/** Offset of `timeZone` from UTC at instant `ts`, ms (positive east). Unknown zone → 0 (UTC). */
export function zoneOffsetAt(ts: number, timeZone: string): number {
  let dtf: Intl.DateTimeFormat;
  try {
    dtf = new Intl.DateTimeFormat('en-US', { timeZone: timeZone || undefined, hourCycle: 'h23', year: 'numeric', month: '2-digit',
      day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  } catch {
    return 0;
  }
  const p: Record<string, number> = {};
  for (const part of dtf.formatToParts(new Date(ts))) {
    if (part.type !== 'literal') {
      p[part.type] = Number(part.value);
    }
  }
  const wholeSeconds = ts - (((ts % 1000) + 1000) % 1000);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second) - wholeSeconds;
}

/** UTC instant of local midnight of the day containing `now` in `timeZone` (DST-safe). */
export function startOfLocalDay(now: number, timeZone: string): number {
  const local = new Date(now + zoneOffsetAt(now, timeZone));
  const guess = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  let ts = guess - zoneOffsetAt(guess, timeZone);
  ts = guess - zoneOffsetAt(ts, timeZone);
  return ts;
}

/** Start of the budget period (day, ISO week from Monday, calendar month) containing `now`. */
export function startOfPeriod(now: number, timeZone: string, period: 'day' | 'week' | 'month'): number {
  const local = new Date(now + zoneOffsetAt(now, timeZone));
  let y = local.getUTCFullYear();
  let m = local.getUTCMonth();
  let d = local.getUTCDate();
  if (period === 'week') {
    const dow = (local.getUTCDay() + 6) % 7; // Monday = 0
    const monday = new Date(Date.UTC(y, m, d - dow));
    y = monday.getUTCFullYear();
    m = monday.getUTCMonth();
    d = monday.getUTCDate();
  } else if (period === 'month') {
    d = 1;
  }
  const guess = Date.UTC(y, m, d);
  let ts = guess - zoneOffsetAt(guess, timeZone);
  ts = guess - zoneOffsetAt(ts, timeZone);
  return ts;
}
