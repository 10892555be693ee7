// CSV and JSON Lines writers for call records. Generators of ~64 KB text chunks, so a million rows
// stream to a file with bounded memory. CSV follows RFC 4180 (CRLF, quotes doubled) and guards
// against formula injection: log content is untrusted and these files get opened in spreadsheets.
import type { CallRecord } from '../model';
import { IsoFormatter } from './isoTime';

/**
 * Export columns: time first (ISO 8601 in the display zone with its offset, and epoch ms, which is
 * CallRecord.ts), then every canonical column of CallRecord in model order, plus cost_estimated.
 */
export const CSV_COLUMNS = [
  'ts_iso', 'ts_ms', 'endpoint', 'function_name', 'provider', 'model', 'method', 'status_code', 'success', 'error_type',
  'request_id', 'trace_id', 'retry_count', 'priority', 'latency_ms', 'ttft_ms', 'input_tokens', 'output_tokens',
  'cache_read_tokens', 'cache_write_tokens', 'cache_write_1h_tokens', 'cache_write_split_known', 'reasoning_tokens',
  'response_cache_hit', 'cost_usd', 'cost_source', 'cost_estimated', 'batch', 'request_hash', 'zone_assumed',
] as const;
export type ExportColumn = typeof CSV_COLUMNS[number];

export interface ExportOptions {
  /** IANA zone of ts_iso (the display zone); throws RangeError from the first chunk when unknown */
  timeZone: string;
  /** approximate chunk size in UTF-16 code units (default 64 KiB) */
  chunkSize?: number;
}

/**
 * A computed cost is an estimate when the log gave cache writes without the 5-minute / 1-hour split
 * (they were priced at the 5-minute rate). A logged cost is the app's own figure.
 */
export function isCostEstimated(r: CallRecord): boolean {
  return r.cost_source === 'computed' && r.cache_write_split_known === false && r.cache_write_tokens > 0;
}

const CRLF = '\r\n';

/** A text cell: formula guard, then RFC 4180 quoting. A charCode scan, no regex unless quoting is needed. */
export function csvText(v: string | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : String(v);
  const n = s.length;
  if (n === 0) return '';
  const c0 = s.charCodeAt(0);
  // = + - @ TAB CR start a formula (or DDE payload) in Excel, LibreOffice and Google Sheets
  const guard = c0 === 61 || c0 === 43 || c0 === 45 || c0 === 64 || c0 === 9 || c0 === 13;
  let quote = false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 44 || c === 34 || c === 10 || c === 13) { quote = true; break; }
  }
  const g = guard ? "'" + s : s;
  return quote ? '"' + g.replace(/"/g, '""') + '"' : g;
}

/** A numeric cell stays a number (a negative one too); null / non-finite is an empty cell, never 0. */
function csvNum(v: number | null | undefined): string {
  if (typeof v !== 'number') return '';
  // Most counts are small whole numbers: a table lookup beats number-to-string conversion.
  if (v >= 0 && v < SMALL_INTS.length && (v | 0) === v) return SMALL_INTS[v] ?? (SMALL_INTS[v] = String(v));
  return Number.isFinite(v) ? String(v) : '';
}
/** filled on first use: token counts and latencies below 65,536 */
const SMALL_INTS: (string | undefined)[] = new Array(65_536).fill(undefined);

function csvBool(v: boolean | null | undefined): string {
  return v === true ? 'true' : v === false ? 'false' : '';
}

/** Remembers the last cell of a column: endpoint, model, provider... repeat row after row. */
class LastCell {
  private key: string | null | undefined = undefined;
  private cell = '';
  text(v: string | null): string {
    if (v === this.key) return this.cell;
    this.key = v;
    return (this.cell = csvText(v));
  }
}

/**
 * Epoch-ms timestamps are not small integers, and converting them costs about three times a short
 * one: convert the millions part once while rows stay in the same ~17 minutes, pad the rest.
 */
function tsWriter(): (ts: number) => string {
  let hi = NaN, hiText = '';
  return ts => {
    if (!(ts >= 1e6 && ts < 9e15) || Math.floor(ts) !== ts) return csvNum(ts);
    const h = Math.floor(ts / 1e6);
    if (h !== hi) { hi = h; hiText = String(h); }
    const lo = String(ts - h * 1e6);
    return hiText + PAD6[lo.length] + lo;
  };
}
const PAD6 = ['', '00000', '0000', '000', '00', '0', ''];

function lineWriter(): (r: CallRecord, iso: string) => string {
  const tsText = tsWriter();
  const endpoint = new LastCell(), fn = new LastCell(), provider = new LastCell(), model = new LastCell(), method = new LastCell();
  const errorType = new LastCell(), priority = new LastCell(), source = new LastCell();
  return (r, iso) => iso + ',' + tsText(r.ts) + ',' + endpoint.text(r.endpoint) + ',' + fn.text(r.function_name) + ',' +
    provider.text(r.provider) + ',' + model.text(r.model) + ',' + method.text(r.method) + ',' + csvNum(r.status_code) + ',' +
    csvBool(r.success) + ',' + errorType.text(r.error_type) + ',' + csvText(r.request_id) + ',' + csvText(r.trace_id) + ',' +
    csvNum(r.retry_count) + ',' + priority.text(r.priority) + ',' + csvNum(r.latency_ms) + ',' + csvNum(r.ttft_ms) + ',' +
    csvNum(r.input_tokens) + ',' + csvNum(r.output_tokens) + ',' + csvNum(r.cache_read_tokens) + ',' + csvNum(r.cache_write_tokens) + ',' +
    csvNum(r.cache_write_1h_tokens) + ',' + csvBool(r.cache_write_split_known) + ',' + csvNum(r.reasoning_tokens) + ',' +
    csvBool(r.response_cache_hit) + ',' + csvNum(r.cost_usd) + ',' + source.text(r.cost_source) + ',' + csvBool(isCostEstimated(r)) + ',' +
    csvBool(r.batch) + ',' + csvText(r.request_hash) + ',' + csvBool(r.zone_assumed) + CRLF;
}

/** CSV text in chunks, header first. Costs are written unrounded (`String(x)`, full precision). */
export function* csvRows(records: Iterable<CallRecord>, opts: ExportOptions): Generator<string, void, undefined> {
  const iso = new IsoFormatter(opts.timeZone);
  const size = opts.chunkSize ?? 65_536;
  const line = lineWriter();
  let buf = CSV_COLUMNS.join(',') + CRLF;
  for (const r of records) {
    buf += line(r, iso.format(r.ts));
    if (buf.length >= size) { yield buf; buf = ''; }
  }
  if (buf.length > 0) yield buf;
}

/** One record as the export object (the JSON Lines row), keys in CSV_COLUMNS order. */
export function exportObject(r: CallRecord, iso: IsoFormatter): Record<ExportColumn, string | number | boolean | null> {
  const n = (v: number | null): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    ts_iso: iso.format(r.ts), ts_ms: n(r.ts), endpoint: r.endpoint, function_name: r.function_name, provider: r.provider,
    model: r.model, method: r.method, status_code: n(r.status_code), success: r.success, error_type: r.error_type,
    request_id: r.request_id, trace_id: r.trace_id, retry_count: n(r.retry_count), priority: r.priority,
    latency_ms: n(r.latency_ms), ttft_ms: n(r.ttft_ms), input_tokens: n(r.input_tokens), output_tokens: n(r.output_tokens),
    cache_read_tokens: n(r.cache_read_tokens), cache_write_tokens: n(r.cache_write_tokens),
    cache_write_1h_tokens: n(r.cache_write_1h_tokens), cache_write_split_known: r.cache_write_split_known,
    reasoning_tokens: n(r.reasoning_tokens), response_cache_hit: r.response_cache_hit, cost_usd: n(r.cost_usd),
    cost_source: r.cost_source, cost_estimated: isCostEstimated(r), batch: r.batch, request_hash: r.request_hash,
    zone_assumed: r.zone_assumed,
  };
}

/** JSON Lines (one object per line, LF, same columns as the CSV), in chunks. */
export function* jsonlRows(records: Iterable<CallRecord>, opts: ExportOptions): Generator<string, void, undefined> {
  const iso = new IsoFormatter(opts.timeZone);
  const size = opts.chunkSize ?? 65_536;
  let buf = '';
  for (const r of records) {
    buf += JSON.stringify(exportObject(r, iso)) + '\n';
    if (buf.length >= size) { yield buf; buf = ''; }
  }
  if (buf.length > 0) yield buf;
}
