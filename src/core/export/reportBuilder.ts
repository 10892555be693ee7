// Builds the ReportData of a range from the engine: the panels' queries plus one streaming pass over
// the calls for cost per local day by model (so the day buckets add up to the range total exactly,
// being summed from the same records). Pricing and alert parts are passed in when the caller has them.
import type { MonitorEngineApi } from '../engine';
import type { QueryFilter } from '../model';
import type { CostPerDayRow, ReportCostTotals, ReportData } from './reportData';
import { IsoFormatter, } from './isoTime';
import { isCostEstimated } from './csv';

const DAY = 86_400_000;

export type ReportExtras = Partial<Pick<ReportData, 'projection' | 'budget' | 'cacheSavings' | 'alerts' | 'recommendations'>>;

export interface BuildReportOptions {
  /** IANA display zone (throws RangeError when unknown) */
  timeZone: string;
  now: number;
  priceTableVersion?: string | null;
  label?: string;
  /** how many error rows (default 10) */
  topErrors?: number;
  extras?: ReportExtras;
  notes?: string[];
}

/** Cost per local day by model, and the cost totals, from one pass over records. */
export function costByDay(records: Iterable<{ ts: number; model: string | null; cost_usd: number | null; cost_source: string;
  cache_write_split_known: boolean; cache_write_tokens: number }>, timeZone: string): { days: CostPerDayRow[]; totals: ReportCostTotals } {
  const iso = new IsoFormatter(timeZone);
  // Map, not a plain object: model names are untrusted ("__proto__" must stay a key).
  const days = new Map<string, { start: number; calls: number; total: number; byModel: Map<string, number> }>();
  const totals: ReportCostTotals = { totalUsd: 0, loggedUsd: 0, computedUsd: 0, unpricedCalls: 0, estimatedCalls: 0 };
  for (const r of records) {
    if (!Number.isFinite(r.ts)) continue;
    const day = iso.day(r.ts);
    let d = days.get(day);
    if (!d) { d = { start: localMidnight(r.ts, iso), calls: 0, total: 0, byModel: new Map() }; days.set(day, d); }
    d.calls++;
    const c = r.cost_usd;
    if (c === null || !Number.isFinite(c)) { totals.unpricedCalls++; continue; }
    d.total += c;
    const m = r.model ?? '(none)';
    d.byModel.set(m, (d.byModel.get(m) ?? 0) + c);
    totals.totalUsd += c;
    if (r.cost_source === 'logged') totals.loggedUsd! += c; else totals.computedUsd! += c;
    if (isCostEstimated(r as Parameters<typeof isCostEstimated>[0])) totals.estimatedCalls!++;
  }
  const sorted = [...days].sort((a, b) => a[1].start - b[1].start);
  const out: CostPerDayRow[] = [];
  // Days without calls between the first and the last are shown as empty days, not skipped.
  for (let i = 0; i < sorted.length; i++) {
    const [day, d] = sorted[i];
    out.push({ day, start: d.start, byModel: Object.fromEntries(d.byModel), total: d.total, calls: d.calls });
    const next = sorted[i + 1];
    if (!next) break;
    for (let s = nextMidnight(d.start, iso); s < next[1].start; s = nextMidnight(s, iso)) {
      out.push({ day: iso.day(s), start: s, byModel: {}, total: 0, calls: 0 });
    }
  }
  return { days: out, totals };
}

/** UTC instant of the local 00:00 of the day holding `ts`. */
function localMidnight(ts: number, iso: IsoFormatter): number {
  const wall = Math.floor((ts + iso.offsetAt(ts)) / DAY) * DAY;
  // two passes settle the offset (it may differ at midnight from the one at `ts` on a DST day)
  const o1 = iso.offsetAt(wall - iso.offsetAt(wall));
  const guess = wall - o1;
  const o2 = iso.offsetAt(guess);
  return o1 === o2 ? guess : wall - o2;
}

function nextMidnight(start: number, iso: IsoFormatter): number {
  // +26 h lands inside the next local day whatever the DST jump
  return localMidnight(start + 26 * 3_600_000, iso);
}

export function buildReportData(engine: MonitorEngineApi, filter: QueryFilter, opts: BuildReportOptions): ReportData {
  const kpis = engine.window(filter);
  const { days, totals } = costByDay(engine.iterateCalls(filter), opts.timeZone);
  const data: ReportData = {
    kind: 'api-monitor-summary', version: 1, generatedAt: opts.now,
    range: { from: filter.from, to: filter.to, ...(opts.label ? { label: opts.label } : {}) },
    definitions: {
      percentileMethod: kpis.latency.method === 'exact'
        ? 'nearest rank over the raw latencies of the whole selection'
        : 'log-bucket latency histograms (approximate, within 2 %)',
      percentileKind: kpis.latency.method,
      timeZone: opts.timeZone,
      priceTableVersion: opts.priceTableVersion ?? null,
      currency: 'USD',
      notes: ['Throughput is calls per minute over the whole range.', ...(opts.notes ?? [])],
    },
    kpis,
    byEndpoint: engine.byEndpoint(filter),
    byModel: engine.byModel(filter),
    series: engine.series(filter),
    costPerDay: days,
    costTotals: totals,
    topErrors: engine.topErrors(filter, opts.topErrors ?? 10),
    ...opts.extras,
  };
  const f: NonNullable<ReportData['filter']> = {};
  if (filter.endpoint !== undefined) f.endpoint = filter.endpoint;
  if (filter.model !== undefined) f.model = filter.model;
  if (filter.provider !== undefined) f.provider = filter.provider;
  if (Object.keys(f).length) data.filter = f;
  return data;
}
