// ISO 8601 timestamps with the offset of a display time zone ("2025-03-01T09:00:00.000+01:00"),
// fast enough for a million rows: the zone offset is looked up once per UTC hour (zone rules change
// on quarter hours at most, and never inside a UTC hour in practice) and reused while rows stay in it.
import { offsetFromFormatter } from '../zoneOffset';

const HOUR = 3_600_000;
const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

export class IsoFormatter {
  readonly timeZone: string;
  private readonly fmt: Intl.DateTimeFormat | null;
  private hour = NaN;
  private offsetMs = 0;
  private offsetText = '+00:00';
  private localHour = NaN;
  private prefix = '';
  /** prefix and offsetText as bytes, for formatAscii (both are ASCII) */
  private prefixBytes: number[] = [];
  private offsetBytes: number[] = [];
  private offsetBytesOf = '';

  /** Throws RangeError for an unknown zone name (the caller reports it; exports must not guess). */
  constructor(timeZone: string) {
    this.timeZone = timeZone;
    this.fmt = timeZone === 'UTC' || timeZone === 'Etc/UTC' ? null : new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
  }

  /** offset (local minus UTC, ms) at a UTC instant */
  offsetAt(ms: number): number {
    const h = Math.floor(ms / HOUR);
    if (h !== this.hour) {
      this.hour = h;
      this.offsetMs = this.fmt ? this.compute(h * HOUR) : 0;
      this.offsetText = offsetText(this.offsetMs);
    }
    return this.offsetMs;
  }

  format(ms: number): string {
    if (!Number.isFinite(ms)) return '';
    const local = ms + this.offsetAt(ms);
    // Date#toISOString per row costs more than the rest of a CSV row: build "YYYY-MM-DDTHH:" once
    // per local hour and append minutes, seconds and milliseconds by arithmetic.
    const lh = Math.floor(local / HOUR);
    if (lh !== this.localHour && !this.setLocalHour(lh)) return '';
    let rem = local - lh * HOUR;
    const whole = Math.floor(rem);
    const mi = Math.floor(whole / 60_000); rem = whole - mi * 60_000;
    const se = Math.floor(rem / 1000);
    const mil = rem - se * 1000;
    return this.prefix + PAD2[mi] + ':' + PAD2[se] + '.' + PAD3[mil] + this.offsetText;
  }

  /**
   * format(ms) written as ASCII bytes into out at pos (nothing when format gives ''); returns the
   * position after it. The caller leaves room for 40 bytes.
   */
  formatAscii(ms: number, out: Uint8Array, pos: number): number {
    if (!Number.isFinite(ms)) return pos;
    const local = ms + this.offsetAt(ms);
    const lh = Math.floor(local / HOUR);
    if (lh !== this.localHour && !this.setLocalHour(lh)) return pos;
    if (this.offsetBytesOf !== this.offsetText) {
      this.offsetBytesOf = this.offsetText;
      this.offsetBytes = Array.from(this.offsetText, c => c.charCodeAt(0));
    }
    let rem = local - lh * HOUR;
    const whole = Math.floor(rem);
    const mi = Math.floor(whole / 60_000); rem = whole - mi * 60_000;
    const se = Math.floor(rem / 1000);
    const mil = rem - se * 1000;
    let p = pos;
    const pre = this.prefixBytes;
    for (let i = 0; i < pre.length; i++) out[p++] = pre[i];
    out[p++] = 48 + ((mi / 10) | 0); out[p++] = 48 + (mi % 10); out[p++] = 58;
    out[p++] = 48 + ((se / 10) | 0); out[p++] = 48 + (se % 10); out[p++] = 46;
    out[p++] = 48 + ((mil / 100) | 0); out[p++] = 48 + (((mil / 10) | 0) % 10); out[p++] = 48 + (mil % 10);
    const off = this.offsetBytes;
    for (let i = 0; i < off.length; i++) out[p++] = off[i];
    return p;
  }

  /** false when the local hour is outside Date's range (format gives '') */
  private setLocalHour(lh: number): boolean {
    const d = new Date(lh * HOUR);
    if (isNaN(d.getTime())) return false;
    this.localHour = lh;
    this.prefix = d.toISOString().slice(0, 14);
    this.prefixBytes = Array.from(this.prefix, c => c.charCodeAt(0));
    return true;
  }

  /** "2025-03-01" for the local day of an instant */
  day(ms: number): string {
    return new Date(ms + this.offsetAt(ms)).toISOString().slice(0, 10);
  }

  private compute(utcMs: number): number {
    return offsetFromFormatter(this.fmt!, utcMs);
  }

}

function offsetText(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const m = Math.round(Math.abs(ms) / 60_000);
  const hh = Math.floor(m / 60), mm = m % 60;
  return `${sign}${hh < 10 ? '0' : ''}${hh}:${mm < 10 ? '0' : ''}${mm}`;
}
