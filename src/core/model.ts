// The canonical call record and the small shared types of the core engine.
// Field names are snake_case on purpose: they are the column names of the store, the CSV export
// and the documentation (see ../shared/notes/architecture.md "The call record").

export type CostSource = 'logged' | 'computed' | 'unpriced';

/** One API call, as every parser produces it. */
export interface CallRecord {
  /** UTC epoch milliseconds. */
  ts: number;
  /** Route or operation, never empty ("(unknown)" when the log has none). */
  endpoint: string;
  function_name: string | null;
  provider: string | null;
  model: string | null;
  method: string | null;
  status_code: number | null;
  success: boolean;
  error_type: string | null;
  request_id: string | null;
  trace_id: string | null;
  retry_count: number;
  priority: string | null;
  /** null when missing or invalid (negative, end before start, end 0). */
  latency_ms: number | null;
  ttft_ms: number | null;
  /** All input tokens, including cache reads and cache writes. null when the log has no usage. */
  input_tokens: number | null;
  /** All output tokens, including reasoning. */
  output_tokens: number | null;
  cache_read_tokens: number;
  /** All cache-write tokens (5-minute and 1-hour). */
  cache_write_tokens: number;
  /** The 1-hour share of cache_write_tokens (0 when none or unknown). */
  cache_write_1h_tokens: number;
  /** false when the log gave cache writes without the 5m/1h split (priced at the 5m rate, marked estimated). */
  cache_write_split_known: boolean;
  reasoning_tokens: number;
  /** The app served the answer from its own cache (not provider prompt caching). null when unknown. */
  response_cache_hit: boolean | null;
  /** A cost written in the log (USD), else null until priced. */
  cost_usd: number | null;
  cost_source: CostSource;
  /** The log marks the call as a batch-API call. */
  batch: boolean;
  /** A hash of the request (or the prompt) when the log has one: lets us find repeated identical requests. */
  request_hash: string | null;
  /** The timestamp had no zone; the default time zone was assumed. */
  zone_assumed: boolean;
}

/** Where a record came from: its identity. A record is never deduplicated on provider ids. */
export interface RecordOrigin {
  /** byte offset of the record's first byte in the (uncompressed) file */
  offset: number;
  /** 1-based line number (for JSON documents: the line where the record starts) */
  line: number;
}

export type OriginRecord = CallRecord & RecordOrigin;

export type LogFormat =
  | 'jsonl'
  | 'json-array'
  | 'legacy-snapshot'
  | 'csv'
  | 'otlp-json'
  | 'har'
  | 'litellm'
  | 'unknown';

/** A line or record that was skipped, with the reason. */
export interface Problem {
  file: string;
  /** 1-based line; 0 when it concerns the whole file */
  line: number;
  reason: string;
}

/** Per-source counters shown in the Log Sources view and by the CLI. */
export interface SourceStats {
  path: string;
  format: LogFormat;
  records: number;
  skipped: number;
  zoneAssumed: number;
  /** first few problems (bounded), the count is `skipped` */
  problems: Problem[];
  lastReadAt: number | null;
  bytesRead: number;
}

/** Filters shared by every query. Times are UTC epoch ms, half-open [from, to). */
export interface QueryFilter {
  from: number;
  to: number;
  endpoint?: string;
  model?: string;
  provider?: string;
  /** 'ok' = successful calls only, 'error' = failed only */
  status?: 'ok' | 'error';
}

export function emptyRecord(ts: number, endpoint: string): CallRecord {
  return {
    ts, endpoint, function_name: null, provider: null, model: null, method: null, status_code: null,
    success: true, error_type: null, request_id: null, trace_id: null, retry_count: 0, priority: null,
    latency_ms: null, ttft_ms: null, input_tokens: null, output_tokens: null, cache_read_tokens: 0,
    cache_write_tokens: 0, cache_write_1h_tokens: 0, cache_write_split_known: true, reasoning_tokens: 0,
    response_cache_hit: null, cost_usd: null, cost_source: 'unpriced', batch: false, request_hash: null,
    zone_assumed: false,
  };
}
