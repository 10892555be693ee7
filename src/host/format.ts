// Display formatting for the host's own surfaces (tree items, status bar, tooltips). Money is
// summed unrounded elsewhere and rounded only here; "no data" (null) is shown as a dash, never 0.
import { formatUsd as formatUsdCore } from '../core/pricing/format';

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export const NO_DATA = '—';

export function formatCount(n: number): string {
  return int.format(n);
}

/** 0.992 → "99.2 %". */
export function formatRatio(r: number | null, digits = 1): string {
  return r === null || !Number.isFinite(r) ? NO_DATA : `${(r * 100).toFixed(digits)} %`;
}

/** 840 → "840 ms", 9218 → "9.22 s", 12345 → "12.3 s": the dashboard's format (src/shared/text.ts). */
export { formatMs } from '../shared/text';

/** $3.12; a positive amount too small to show reads "<$0.01", never "$0.00" (H3's formatter, one rounding rule everywhere). */
export function formatUsd(usd: number | null): string {
  return formatUsdCore(usd);
}

/** "$50/month" */
export function formatBudget(amount: number, period: 'day' | 'week' | 'month'): string {
  const a = Number.isInteger(amount) ? `$${int.format(amount)}` : formatUsd(amount);
  return `${a}/${period}`;
}

/** Local wall-clock "14:05" (or "Dec 3 14:05" when not today) in the display zone. */
export function formatClock(ts: number, timeZone: string, now = Date.now()): string {
  const opts: Intl.DateTimeFormatOptions = { timeZone: timeZone || undefined, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  const day = (t: number): string => new Intl.DateTimeFormat('en-CA', { timeZone: timeZone || undefined }).format(new Date(t));
  if (day(ts) !== day(now)) {
    opts.month = 'short';
    opts.day = 'numeric';
  }
  try {
    return new Intl.DateTimeFormat('en-US', opts).format(new Date(ts));
  } catch {
    return new Date(ts).toISOString();
  }
}

/** Escape text from logs before putting it in a MarkdownString (log content is untrusted). */
export function mdEscape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, c => `\\${c}`);
}
