// Money for display. Amounts are summed unrounded everywhere; this is the only place they are rounded.

export interface FormatUsdOptions {
  /** per-call amounts: up to 6 decimals (4 significant digits) instead of cents */
  precise?: boolean;
}

function withCommas(intPart: string): string {
  return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function fixed(x: number, decimals: number): string {
  const s = x.toFixed(decimals);
  const [i, f] = s.split('.');
  return f === undefined ? withCommas(i) : `${withCommas(i)}.${f}`;
}

/**
 * "$1,234.57"; a positive amount that would show as $0.00 reads "<$0.01" (precise: "<$0.000001");
 * null (no data / unpriced) reads "—". Negative amounts (savings deltas) keep their sign.
 */
export function formatUsd(x: number | null | undefined, opts: FormatUsdOptions = {}): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (x === 0) return '$0.00';
  const sign = x < 0 ? '-' : '';
  const a = Math.abs(x);
  if (!opts.precise) {
    const c = fixed(a, 2);
    return c === '0.00' ? `${sign}<$0.01` : `${sign}$${c}`;
  }
  if (fixed(a, 6) === '0.000000') return `${sign}<$0.000001`;
  if (a >= 1) return `${sign}$${fixed(a, 2)}`;
  // 4 significant digits, at most 6 decimals: $0.01234, $0.0001568
  const decimals = Math.min(6, Math.max(2, 3 - Math.floor(Math.log10(a))));
  const s = fixed(a, decimals).replace(/(\.\d\d\d*?)0+$/, '$1');
  return `${sign}$${s}`;
}
