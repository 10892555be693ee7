// The offset of a time zone from UTC at an instant, read off an Intl formatter (no tz database of our own).
// Shared by the ingest's zone-less timestamps and the export's ISO times with offset.

/** local = utc + offset, in ms; fmt must be an en-US, hourCycle h23 formatter with numeric date and time fields. */
export function offsetFromFormatter(fmt: Intl.DateTimeFormat, utcMs: number): number {
  let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  for (const p of fmt.formatToParts(new Date(utcMs))) {
    switch (p.type) {
      case 'year': y = +p.value; break;
      case 'month': mo = +p.value; break;
      case 'day': d = +p.value; break;
      case 'hour': h = +p.value; break;
      case 'minute': mi = +p.value; break;
      case 'second': s = +p.value; break;
    }
  }
  return Date.UTC(y, mo - 1, d, h, mi, s) - utcMs;
}
