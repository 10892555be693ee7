// Calendar boundaries (day, week, month) in an IANA time zone with Intl.DateTimeFormat only.
// Budget periods and projections reset at local 00:00 of the display zone; weeks start on Monday.
// Handles days of 23 and 25 hours and zones whose clocks jump over midnight (the day then starts
// at the first instant that exists, e.g. 01:00 in America/Santiago on its spring-forward day).

const HOUR = 3_600_000;
const formats = new Map<string, Intl.DateTimeFormat>();

function fmt(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz || undefined, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formats.set(tz, f);
  }
  return f;
}

export interface LocalDate { y: number; m: number; d: number }
export interface LocalTime extends LocalDate { h: number; mi: number; s: number }

/** Local calendar fields of a UTC instant in tz (month 1-12). */
export function localTime(ts: number, tz: string): LocalTime {
  const p: Record<string, number> = {};
  for (const part of fmt(tz).formatToParts(ts)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p.year, m: p.month, d: p.day, h: p.hour === 24 ? 0 : p.hour, mi: p.minute, s: p.second };
}

/** local = utc + offset, in ms, at instant ts. */
function offsetAt(ts: number, tz: string): number {
  const t = localTime(ts, tz);
  const floored = Math.floor(ts / 1000) * 1000;
  return Date.UTC(t.y, t.m - 1, t.d, t.h, t.mi, t.s) - floored;
}

/** Day number of a local date (days since 1970-01-01), month overflow normalised by Date.UTC. */
function dayNumber(y: number, m: number, d: number): number {
  return Math.floor(Date.UTC(y, m - 1, d) / 86_400_000);
}

/**
 * UTC instant of local 00:00 of a calendar date (y, m 1-12, d; overflowing values roll over:
 * m = 13 is January of the next year, d = 0 the last day of the previous month).
 */
export function zonedMidnight(y: number, m: number, d: number, tz: string): number {
  const wall = Date.UTC(y, m - 1, d);
  const target = Math.floor(wall / 86_400_000);
  // Candidates from the offsets on either side of a possible transition; keep the earliest one
  // that falls on the target date (in a midnight gap that is the transition instant itself).
  const cands = new Set<number>();
  for (const probe of [wall - 12 * HOUR, wall, wall + 12 * HOUR]) {
    const c = wall - offsetAt(probe, tz);
    cands.add(c);
    cands.add(wall - offsetAt(c, tz));
  }
  let best: number | null = null;
  for (const c of cands) {
    const t = localTime(c, tz);
    if (dayNumber(t.y, t.m, t.d) === target && (best === null || c < best)) best = c;
  }
  if (best !== null) {
    // In a gap the candidate lands after 00:00 (e.g. 01:00): walk back to the transition instant.
    const t = localTime(best, tz);
    if (t.h !== 0 || t.mi !== 0) {
      let lo = best - 3 * HOUR;
      let hi = best;
      while (hi - lo > 1000) {
        const mid = Math.floor((lo + hi) / 2);
        const tm = localTime(mid, tz);
        if (dayNumber(tm.y, tm.m, tm.d) === target) hi = mid; else lo = mid;
      }
      best = hi;
    }
    return best;
  }
  return wall - offsetAt(wall, tz);
}

/** The local calendar date that contains ts. */
export function localDate(ts: number, tz: string): LocalDate {
  const t = localTime(ts, tz);
  return { y: t.y, m: t.m, d: t.d };
}

/** Day of week of a local date, 0 = Sunday ... 6 = Saturday. */
export function weekday(date: LocalDate): number {
  return new Date(Date.UTC(date.y, date.m - 1, date.d)).getUTCDay();
}

export function startOfDay(now: number, tz: string): number {
  const d = localDate(now, tz);
  return zonedMidnight(d.y, d.m, d.d, tz);
}

/** Start of the local day after the one containing now. */
export function startOfNextDay(now: number, tz: string): number {
  const d = localDate(now, tz);
  return zonedMidnight(d.y, d.m, d.d + 1, tz);
}

/** Weeks start on Monday 00:00 (ISO 8601). */
export function startOfWeek(now: number, tz: string): number {
  const d = localDate(now, tz);
  const back = (weekday(d) + 6) % 7; // Monday 0 ... Sunday 6
  return zonedMidnight(d.y, d.m, d.d - back, tz);
}

export function startOfNextWeek(now: number, tz: string): number {
  const d = localDate(now, tz);
  const back = (weekday(d) + 6) % 7;
  return zonedMidnight(d.y, d.m, d.d - back + 7, tz);
}

export function startOfMonth(now: number, tz: string): number {
  const d = localDate(now, tz);
  return zonedMidnight(d.y, d.m, 1, tz);
}

/** December rolls over to January 1 of the next year. */
export function startOfNextMonth(now: number, tz: string): number {
  const d = localDate(now, tz);
  return zonedMidnight(d.y, d.m + 1, 1, tz);
}

/** Number of days in the local month containing now. */
export function daysInMonth(now: number, tz: string): number {
  const d = localDate(now, tz);
  return new Date(Date.UTC(d.y, d.m, 0)).getUTCDate();
}

/** True when tz is a zone Intl knows. */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
