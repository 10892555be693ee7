// Plain data types of the pricing module. Everything here is JSON-safe so the engine, the CLI and
// the webview protocol can pass it around. All prices are USD per million tokens ("per Mtok").

/** A price that may change once the prompt passes a size: the library's TieredPrices shape. */
export interface TieredRate {
  base: number;
  /** ascending; a tier applies when the request's total input tokens are strictly above `start` */
  tiers: { start: number; price: number }[];
}

export type Rate = number | TieredRate;

/** The prices of one model at one point in time, USD per million tokens. null = not known. */
export interface ModelPrices {
  input: Rate;
  output: Rate;
  /** null: the table has no cache-read price (reads are priced at the input rate, estimated) */
  cacheRead: Rate | null;
  /** 5-minute cache write; null: priced at the input rate (providers that do not bill writes) */
  cacheWrite5m: Rate | null;
  /** 1-hour cache write; null: priced at the 5-minute rate (estimated) */
  cacheWrite1h: Rate | null;
  /** share taken off for batch-API calls (0.5 = 50 % off); null when unknown */
  batchDiscount: number | null;
}

/** When a price row applies: the library's start-date and time-of-day constraints. */
export type PriceConstraint =
  | { kind: 'always' }
  | { kind: 'from'; ts: number }
  /** seconds since UTC midnight; end < start wraps past midnight */
  | { kind: 'timeOfDay'; startSec: number; endSec: number };

export interface PricePeriod {
  when: PriceConstraint;
  prices: ModelPrices;
}

export type PriceSource = 'bundled' | 'settings' | 'workspace';

/** One row of the price table. */
export interface PriceEntry {
  /** canonical model id (the library's id, or the override key as written, lower-cased) */
  model: string;
  /** provider id of the library (openai, anthropic, aws, google, ...) or null for overrides */
  provider: string | null;
  source: PriceSource;
  /** rows in the library's order: the last one whose constraint holds wins, the first is the default */
  periods: PricePeriod[];
}

/** `apiMonitor.pricing.overrides` and `.vscode/api-monitor-prices.json`: per million tokens. */
export interface PriceOverride {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite5m?: number;
  cacheWrite1h?: number;
}
export type PriceOverrides = Record<string, PriceOverride>;

/** How a model name was resolved by `lookup`. */
export interface PriceMatch {
  entry: PriceEntry;
  /** the name (after prefix/suffix removal) that matched */
  matchedName: string;
  how: 'exact' | 'stripped' | 'rule';
}

/** Token counts of one request (or of several, summed), normalised as in CallRecord. */
export interface TokenUsage {
  /** all input tokens, cache reads and writes included */
  input: number;
  /** all output tokens, reasoning included */
  output: number;
  cacheRead: number;
  /** all cache writes (5m + 1h) */
  cacheWrite: number;
  /** the 1-hour share of cacheWrite */
  cacheWrite1h: number;
  /** false: the 5m/1h split is unknown, all writes are priced at the 5m rate (estimated) */
  cacheWriteSplitKnown: boolean;
  batch: boolean;
}

export interface CostBreakdown {
  total: number;
  uncachedInput: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  output: number;
  /** a long-context tier price was used (threshold in tokens), else null */
  tierAbove: number | null;
  /** part of the price was assumed (unknown write split, missing cache price, unknown batch discount) */
  estimated: boolean;
  /** why it is estimated (empty when not) */
  assumptions: string[];
}

export interface PriceResult {
  cost_usd: number | null;
  cost_source: 'logged' | 'computed' | 'unpriced';
  estimated: boolean;
}

export interface PricerOptions {
  /** `apiMonitor.pricing.overrides` (untrusted: validated, bad rows reported in warnings) */
  overrides?: unknown;
  /** text of `.vscode/api-monitor-prices.json` (untrusted) */
  workspaceOverridesText?: string;
  /** `apiMonitor.pricing.preferLoggedCost`, default true */
  preferLoggedCost?: boolean;
}

// ---- budgets and projections ----

export interface BudgetConfig {
  amount: number;
  period: 'day' | 'week' | 'month';
  /** percentages of the amount; default [50, 80, 100] */
  warnAt?: number[];
}

/** One complete day of cost in the display zone. */
export interface DailyCost {
  /** UTC epoch ms of the day's local 00:00 */
  start: number;
  costUsd: number;
  /** calls that day, when known: a day with calls but $0 still counts as data */
  calls?: number;
}

export interface ProjectionInput {
  /**
   * complete days before today. The data starts at the first day with calls (or cost): days before it
   * are ignored, so a zero-filled range is fine; missing or empty days after it count as $0.
   */
  days: DailyCost[];
  /** cost of today so far */
  todayCost: number;
  now: number;
  timeZone: string;
}

export interface Projection {
  /** projected total for the period that contains `now` (month by default), null when there is no data */
  periodTotal: number | null;
  periodStart: number;
  periodEnd: number;
  /** spent so far in the period (complete days in range + today) */
  periodSoFar: number;
  /** projected cost of the next 30 full days starting tomorrow */
  next30Days: number | null;
  /** expected cost of an average day (before weekday factors) */
  dailyRate: number | null;
  /** factor per weekday (0 = Sunday) when seasonality was used, else null */
  weekdayFactors: number[] | null;
  confidence: 'none' | 'low' | 'medium' | 'high';
  /** what the projection assumed, in words */
  method: string;
  /** a caution to show, e.g. less than a day of data */
  note: string | null;
}

export interface BudgetStatusInput {
  budget: BudgetConfig;
  now: number;
  timeZone: string;
  spentInPeriod: number;
  /** cost per hour over a recent window (e.g. the last 3 h); used for day budgets */
  recentHourlyRate?: number | null;
  /** complete days before today (display zone) and today's cost: used for week/month budgets */
  days?: DailyCost[];
  todayCost?: number;
}

export interface BudgetStatus {
  amount: number;
  period: 'day' | 'week' | 'month';
  periodStart: number;
  periodEnd: number;
  spent: number;
  /** spent / amount; null when amount is not positive */
  share: number | null;
  /** projected spend at period end; null when there is no rate to project from */
  projectedAtEnd: number | null;
  /** when spending at the projected rate reaches the amount before period end; null when it won't (or already has) */
  runsOutAt: number | null;
  /** spent >= amount already */
  exhausted: boolean;
  /** warn levels (percent) reached by `spent`, ascending */
  levelsCrossed: number[];
  method: string;
}
