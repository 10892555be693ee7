// Timestamp parsing for every log format. Hot path: called once per record, so the common shapes
// (epoch numbers, fixed-format ISO 8601) are parsed by hand without regexes or Date objects.
import { offsetFromFormatter } from '../zoneOffset';

/** Result slot reused between calls to avoid an allocation per record. */
export interface TsResult {
  /** UTC epoch ms, NaN when the value is not a timestamp */
  ms: number;
  /** the value had no zone and the default zone was assumed */
  zoneAssumed: boolean;
}

const HOUR = 3_600_000;

/**
 * Epoch numbers by magnitude. Thresholds: below 1e11 seconds (1e11 s is the year 5138, 1e11 ms is 1973),
 * below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds.
 */
export function epochToMs(n: number): number {
  if (!Number.isFinite(n) || n <= 0) return NaN;
  // whole milliseconds: finer precision means nothing for a call's start and keeps the column integral
  if (n < 1e11) return Math.round(n * 1000);
  if (n < 1e14) return Math.floor(n);
  if (n < 1e17) return Math.floor(n / 1000);
  return Math.floor(n / 1e6);
}

/** Offset (ms, local minus UTC) of an IANA zone at a UTC instant, cached per zone and hour. */
export class ZoneOffsets {
  readonly zone: string;
  private readonly fmt: Intl.DateTimeFormat | null;
  private readonly cache = new Map<number, number>();

  constructor(zone?: string) {
    let z = zone || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    let fmt: Intl.DateTimeFormat | null = null;
    try {
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: z, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
        hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
    } catch {
      // an unknown zone name must not break ingestion: fall back to UTC (documented)
      z = 'UTC';
    }
    this.zone = z;
    this.fmt = z === 'UTC' || z === 'Etc/UTC' ? null : fmt;
  }

  /** offset at the UTC instant `utcMs` */
  offsetAt(utcMs: number): number {
    if (!this.fmt) return 0;
    // Zone rules change on whole quarter hours at most, so one lookup per UTC hour is exact.
    const hour = Math.floor(utcMs / HOUR);
    let off = this.cache.get(hour);
    if (off === undefined) {
      off = this.compute(hour * HOUR);
      if (this.cache.size > 50_000) this.cache.clear();
      this.cache.set(hour, off);
    }
    return off;
  }

  /**
   * UTC instant of a wall-clock time in this zone (wall time expressed as if it were UTC ms). Same
   * choices as Temporal's "compatible": a time that happens twice (clocks back) is the earlier
   * instant; a time skipped by a jump forward is read with the offset before the jump.
   */
  wallToUtc(wallMs: number): number {
    if (!this.fmt) return wallMs;
    // offsets range within +-14 h and zone transitions are months apart, so the offsets 14 h before
    // and after are the only candidates
    const before = this.offsetAt(wallMs - 14 * HOUR);
    const after = this.offsetAt(wallMs + 14 * HOUR);
    if (before === after) return wallMs - before;
    const a = wallMs - before, b = wallMs - after;
    const aOk = this.offsetAt(a) === before, bOk = this.offsetAt(b) === after;
    if (aOk && bOk) return Math.min(a, b);
    if (aOk) return a;
    if (bOk) return b;
    return a;
  }

  private compute(utcMs: number): number {
    return offsetFromFormatter(this.fmt!, utcMs);
  }

}

function digits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(i + k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

// Date.UTC is a runtime call (~0.2 µs); a log's timestamps stay on one day for thousands of lines.
let lastDayKey = -1;
let lastDayMs = 0;
/**
 * Date.UTC(y, mo - 1, d): the same value (Date.UTC is linear in hours, minutes and seconds, so the
 * time of day is added apart), remembered for the last day asked.
 */
export function dayMs(y: number, mo: number, d: number): number {
  const key = (y * 100 + mo) * 100 + d;
  if (key !== lastDayKey) { lastDayMs = Date.UTC(y, mo - 1, d); lastDayKey = key; }
  return lastDayMs;
}

/**
 * Fixed-format ISO 8601: `YYYY-MM-DD[(T| )HH:MM[:SS[(.|,)fff…]]][Z|±HH[:]MM|±HH]`.
 * Returns NaN when the string does not have this shape. Sets out.zoneAssumed when there is no zone.
 */
export function parseIso(s: string, zones: ZoneOffsets, out: TsResult): number {
  const len = s.length;
  if (len < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return NaN;
  const y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31) return NaN;
  let h = 0, mi = 0, sec = 0, frac = 0;
  let i = 10;
  if (i < len) {
    const sep = s.charCodeAt(i);
    if (sep !== 84 && sep !== 32 && sep !== 116) return NaN; // T, space, t
    h = digits(s, i + 1, 2);
    if (h < 0 || s.charCodeAt(i + 3) !== 58) return NaN;
    mi = digits(s, i + 4, 2);
    if (mi < 0) return NaN;
    i += 6;
    if (s.charCodeAt(i) === 58) {
      sec = digits(s, i + 1, 2);
      if (sec < 0) return NaN;
      i += 3;
      const c = s.charCodeAt(i);
      if (c === 46 || c === 44) {
        i++;
        let scale = 100;
        while (i < len) {
          const dc = s.charCodeAt(i) - 48;
          if (dc < 0 || dc > 9) break;
          frac += dc * scale;
          scale /= 10;
          i++;
        }
      }
    }
    if (h > 24 || mi > 59 || sec > 60) return NaN;
  }
  const wall = dayMs(y, mo, d) + h * HOUR + mi * 60_000 + sec * 1000 + Math.floor(frac + 1e-9);
  if (i >= len) {
    out.zoneAssumed = true;
    return zones.wallToUtc(wall);
  }
  const z = s.charCodeAt(i);
  if ((z === 90 || z === 122) && i === len - 1) return wall; // Z
  if (z === 43 || z === 45) {
    const oh = digits(s, i + 1, 2);
    if (oh < 0) return NaN;
    let om = 0;
    let j = i + 3;
    if (s.charCodeAt(j) === 58) j++;
    if (j < len) {
      om = digits(s, j, 2);
      if (om < 0) return NaN;
      j += 2;
    }
    if (j !== len) return NaN;
    const off = (oh * 60 + om) * 60_000;
    return z === 43 ? wall - off : wall + off;
  }
  return NaN;
}

/**
 * US-style dates as spreadsheets write them: `M/D/YYYY h:mm[:ss[.fff]] [AM|PM]`. Day-first is used
 * only when the first number cannot be a month (> 12). No zone: the default zone is assumed.
 */
export function parseSlashDate(s: string, zones: ZoneOffsets, out: TsResult): number {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*([AaPp][Mm])?)?$/.exec(s.trim());
  if (!m) return NaN;
  let mo = +m[1], d = +m[2];
  if (mo > 12) { const t = mo; mo = d; d = t; }
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return NaN;
  let h = m[4] ? +m[4] : 0;
  const ampm = m[8] ? m[8].toLowerCase() : '';
  if (ampm) {
    if (h < 1 || h > 12) return NaN;
    if (ampm === 'am' && h === 12) h = 0;
    else if (ampm === 'pm' && h !== 12) h += 12;
  }
  const frac = m[7] ? Math.round(Number('0.' + m[7]) * 1000) : 0;
  const wall = Date.UTC(+m[3], mo - 1, d, h, m[5] ? +m[5] : 0, m[6] ? +m[6] : 0) + frac;
  out.zoneAssumed = true;
  return zones.wallToUtc(wall);
}

// Date.parse treats a zone-less date-time as machine-local time, which would silently ignore the
// configured zone; we only trust it for strings that carry a zone name or offset (RFC 2822 etc.).
const HAS_ZONE = /(?:GMT|UTC|Z|[+-]\d{2}:?\d{2})\s*(?:\([^)]*\))?$/i;

/**
 * Any timestamp value: number (by magnitude), numeric string, ISO 8601, slash date, or a string
 * Date.parse understands with an explicit zone. NaN when none of these.
 */
export function parseTimestamp(v: unknown, zones: ZoneOffsets, out: TsResult): number {
  out.zoneAssumed = false;
  if (typeof v === 'number') return epochToMs(v);
  if (typeof v !== 'string') return NaN;
  const s = v.length > 0 && (v.charCodeAt(0) === 32 || v.charCodeAt(v.length - 1) === 32) ? v.trim() : v;
  if (s.length === 0) return NaN;
  const c0 = s.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) {
    let r = parseIso(s, zones, out);
    if (r === r) return r;
    out.zoneAssumed = false;
    const n = Number(s);
    if (Number.isFinite(n)) return epochToMs(n);
    r = parseSlashDate(s, zones, out);
    if (r === r) return r;
    out.zoneAssumed = false;
  }
  if (HAS_ZONE.test(s)) {
    const r = Date.parse(s);
    if (Number.isFinite(r)) return r;
  }
  return NaN;
}
