// Small text helpers shared by the host, the core reports and the webview, so a count reads the
// same everywhere ("1 unpriced call", "12,665 input tokens", "every 2nd point").

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** An integer with thousands separators: 12665 → "12,665". Non-finite input reads "—" (no data). */
export function formatInt(n: number): string {
  return Number.isFinite(n) ? int.format(Math.round(n)) : '—';
}

/** The noun for a number as it is displayed: exactly 1 takes the singular; 0, 2 and 1.5 the plural. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return n === 1 ? singular : pluralForm;
}

/** A count rounded to an integer with its noun: "1 unpriced call", "1,234 unpriced calls" (0.6 reads "1 call"). */
export function countOf(n: number, singular: string, pluralForm?: string): string {
  return `${formatInt(n)} ${plural(Math.round(n), singular, pluralForm)}`;
}

/** English ordinal: 1st 2nd 3rd 4th ... 11th 12th 13th ... 21st 22nd 23rd ... 111th. */
export function ordinal(n: number): string {
  const i = Math.round(n);
  const mod100 = Math.abs(i) % 100;
  const mod10 = Math.abs(i) % 10;
  const suffix = mod100 >= 11 && mod100 <= 13 ? 'th' : mod10 === 1 ? 'st' : mod10 === 2 ? 'nd' : mod10 === 3 ? 'rd' : 'th';
  return `${formatInt(i)}${suffix}`;
}

/** A latency as every surface shows it: 842.4 → "842 ms", 1234 → "1.23 s", 12345 → "12.3 s"; no data → "—". */
export function formatMs(ms: number | null | undefined): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.round(ms)} ms`;
}
