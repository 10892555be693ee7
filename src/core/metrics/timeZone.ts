// Day boundaries in a display time zone, with Intl only (no tz database of our own).
const formats = new Map<string, Intl.DateTimeFormat>();

function fmt(tz: string | undefined): Intl.DateTimeFormat {
  const key = tz ?? '';
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formats.set(key, f);
  }
  return f;
}

/** Local calendar fields of ts in tz. */
export function localParts(ts: number, tz?: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const p: Record<string, number> = {};
  for (const part of fmt(tz).formatToParts(ts)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p.year, mo: p.month, d: p.day, h: p.hour, mi: p.minute, s: p.second };
}

/** Offset of tz from UTC at ts, in ms (local = utc + offset). */
export function zoneOffsetMs(ts: number, tz?: string): number {
  const p = localParts(ts, tz);
  const asUtc = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s);
  return asUtc - (ts - (((ts % 1000) + 1000) % 1000));
}

// Remembered answers of startOfDay by exact argument: a refresh asks for the same day starts again and
// again (the 29 days back of the 30-day total, each next day of a daily chart start from a day start),
// each three Intl conversions; bounded, a long-running host only adds a few keys a day.
const dayStarts = new Map<string, number>();

/** UTC ms of local midnight starting the day that contains ts, in tz. */
export function startOfDay(ts: number, tz?: string): number {
  const key = `${tz ?? ''}\u0000${ts}`;
  let v = dayStarts.get(key);
  if (v === undefined) {
    v = computeStartOfDay(ts, tz);
    if (dayStarts.size >= 4096) dayStarts.clear();
    dayStarts.set(key, v);
  }
  return v;
}

function computeStartOfDay(ts: number, tz?: string): number {
  const p = localParts(ts, tz);
  const midnightAsUtc = Date.UTC(p.y, p.mo - 1, p.d);
  // Two passes: the offset at midnight may differ from the offset at ts across a DST change.
  let guess = midnightAsUtc - zoneOffsetMs(ts, tz);
  guess = midnightAsUtc - zoneOffsetMs(guess, tz);
  return guess;
}

/** UTC ms of the next local midnight after the day starting at dayStart (23, 24 or 25 h later). */
export function nextDayStart(dayStart: number, tz?: string): number {
  return startOfDay(dayStart + 36 * 3_600_000, tz);
}

/** Start of the local calendar month containing ts. */
export function startOfMonth(ts: number, tz?: string): number {
  const p = localParts(ts, tz);
  const firstAsUtc = Date.UTC(p.y, p.mo - 1, 1, 12);
  return startOfDay(firstAsUtc - zoneOffsetMs(firstAsUtc, tz), tz);
}
