// CSV and JSON Lines writers for call records. Generators of ~100 KB text chunks, so a million rows
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
  /** approximate chunk size in UTF-16 code units (default 120,000 for CSV, 64 KiB for JSON Lines) */
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

/** @internal the reference row writer (a string per row), shared with the store's CSV writer (storeCsv.ts) */
export function lineWriter(): (r: CallRecord, iso: string) => string {
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

/**
 * highWaterMark for the file stream an export writes to: with the default 16 KiB every chunk fills
 * it, and the writer waits for each write to finish; with room for several chunks it goes on
 * producing while the file system writes (~20% less wall time for the 1M-row CSV export).
 */
export const EXPORT_STREAM_BUFFER = 1 << 20;

/**
 * Default CSV chunk: larger chunks mean fewer stream writes (and awaits) per million rows, but a
 * string above V8's large-object size (128 KiB) waits for a full GC instead of dying young: 1 MiB
 * chunks raised the 1M-row export's peak RSS from ~35 MB to ~90 MB, 120,000 characters ~40 MB.
 */
export const DEFAULT_CHUNK = 120_000;

/**
 * CSV text in chunks, header first. Costs are written unrounded (`String(x)`, full precision).
 * Rows whose text cells are all ASCII (nearly all) are written as bytes into one buffer and read
 * back as one flat string per chunk: building each line by string concatenation cost ~2.5 µs a row
 * plus flattening the rope at write time. A row with any other character is built as a string by
 * lineWriter (the reference); the text is the same either way, and so are the chunk boundaries.
 */
export function* csvRows(records: Iterable<CallRecord>, opts: ExportOptions): Generator<string, void, undefined> {
  const iso = new IsoFormatter(opts.timeZone);
  const size = opts.chunkSize ?? DEFAULT_CHUNK;
  const line = lineWriter();
  const out = new AsciiRows(iso, size);
  out.text(CSV_COLUMNS.join(',') + CRLF);
  for (const r of records) {
    if (!out.row(r)) out.text(line(r, iso.format(r.ts)));
    if (out.length >= size) yield out.take();
  }
  if (out.length > 0) yield out.take();
}

/** bytes per row reserved before the fixed-width cells (numbers, booleans, time); text cells reserve their own */
export const ROW_RESERVE = 1024;

/** Text cells longer than this are not remembered (an error message can be long and unique). */
const CACHED_CELL_MAX = 256;

/**
 * The text cells of a column that repeats (endpoint, model, provider...) as ASCII bytes, or null
 * when one has another character. Rows interleave a few values, so the last one alone misses often.
 */
export class AsciiCells {
  private readonly cells = new Map<string | null, Uint8Array | null>();
  /** the cell's bytes, null when not ASCII, LONG when too long to remember (the caller writes it itself) */
  get(v: string | null): Uint8Array | null {
    let b = this.cells.get(v);
    if (b === undefined) {
      if (typeof v === 'string' && v.length > CACHED_CELL_MAX) return LONG;
      // a column of mostly distinct values (function names, say) must not grow the map without end
      if (this.cells.size >= 4096) this.cells.clear();
      b = asciiBytes(csvText(v));
      this.cells.set(v, b);
    }
    return b;
  }
}
const LONG = new Uint8Array(0);

export function asciiBytes(s: string): Uint8Array | null {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127) return null;
    b[i] = c;
  }
  return b;
}

/**
 * A chunk of CSV being written: ASCII rows as bytes in a growable buffer, other text (the header,
 * rows with non-ASCII cells) as strings, kept in order. length counts UTF-16 code units, as the
 * string a chunk becomes (ASCII bytes are one unit each).
 * @internal exported for the store's CSV writer (storeCsv.ts), which writes rows straight from
 * SQLite's cells into buf with the same cell writers.
 */
export class AsciiRows {
  length = 0;
  buf: Uint8Array;
  pos = 0;
  private pending = '';
  private readonly endpoint = new AsciiCells();
  private readonly fn = new AsciiCells();
  private readonly provider = new AsciiCells();
  private readonly model = new AsciiCells();
  readonly method = new AsciiCells();
  readonly errorType = new AsciiCells();
  readonly priority = new AsciiCells();
  private readonly source = new AsciiCells();

  constructor(private readonly iso: IsoFormatter, size: number) {
    this.buf = new Uint8Array(Math.min(Math.max(size, 0), 1 << 24) + ROW_RESERVE * 2);
  }

  text(s: string): void {
    if (this.pos > 0) { this.pending += latin1(this.buf, this.pos); this.pos = 0; }
    this.pending += s;
    this.length += s.length;
  }

  take(): string {
    const s = this.pos > 0 ? this.pending + latin1(this.buf, this.pos) : this.pending;
    this.pending = '';
    this.pos = 0;
    this.length = 0;
    return s;
  }

  /** Writes r as one line of ASCII bytes; false (nothing written) when a text cell is not ASCII. */
  row(r: CallRecord): boolean {
    const start = this.pos;
    this.reserve(ROW_RESERVE);
    let p = this.iso.formatAscii(r.ts, this.buf, start);
    const b = this.buf;
    b[p++] = 44;
    p = writeNum(b, p, r.ts);
    b[p++] = 44;
    if ((p = this.cached(p, this.endpoint, r.endpoint)) < 0) return this.undo(start);
    if ((p = this.cached(p, this.fn, r.function_name)) < 0) return this.undo(start);
    if ((p = this.cached(p, this.provider, r.provider)) < 0) return this.undo(start);
    if ((p = this.cached(p, this.model, r.model)) < 0) return this.undo(start);
    if ((p = this.cached(p, this.method, r.method)) < 0) return this.undo(start);
    let c = this.buf;
    p = writeNum(c, p, r.status_code); c[p++] = 44;
    p = writeBool(c, p, r.success); c[p++] = 44;
    if ((p = this.cached(p, this.errorType, r.error_type)) < 0) return this.undo(start);
    if ((p = this.textCell(p, r.request_id)) < 0) return this.undo(start);
    if ((p = this.textCell(p, r.trace_id)) < 0) return this.undo(start);
    c = this.buf;
    p = writeNum(c, p, r.retry_count); c[p++] = 44;
    if ((p = this.cached(p, this.priority, r.priority)) < 0) return this.undo(start);
    c = this.buf;
    p = writeNum(c, p, r.latency_ms); c[p++] = 44;
    p = writeNum(c, p, r.ttft_ms); c[p++] = 44;
    p = writeNum(c, p, r.input_tokens); c[p++] = 44;
    p = writeNum(c, p, r.output_tokens); c[p++] = 44;
    p = writeNum(c, p, r.cache_read_tokens); c[p++] = 44;
    p = writeNum(c, p, r.cache_write_tokens); c[p++] = 44;
    p = writeNum(c, p, r.cache_write_1h_tokens); c[p++] = 44;
    p = writeBool(c, p, r.cache_write_split_known); c[p++] = 44;
    p = writeNum(c, p, r.reasoning_tokens); c[p++] = 44;
    p = writeBool(c, p, r.response_cache_hit); c[p++] = 44;
    p = writeNum(c, p, r.cost_usd); c[p++] = 44;
    if ((p = this.cached(p, this.source, r.cost_source)) < 0) return this.undo(start);
    c = this.buf;
    p = writeBool(c, p, isCostEstimated(r)); c[p++] = 44;
    p = writeBool(c, p, r.batch); c[p++] = 44;
    if ((p = this.textCell(p, r.request_hash)) < 0) return this.undo(start);
    c = this.buf;
    p = writeBool(c, p, r.zone_assumed);
    c[p++] = 13; c[p++] = 10;
    this.length += p - start;
    this.pos = p;
    return true;
  }

  undo(start: number): false {
    this.pos = start;
    return false;
  }

  /** A text cell of a repeating column and its comma at p; -1 when it is not ASCII. */
  cached(p: number, cells: AsciiCells, v: string | null): number {
    // most optional columns are empty in most rows: no lookup for those
    if (v === null) { this.buf[p] = 44; return p + 1; }
    const bytes = cells.get(v);
    return bytes === LONG ? this.textCell(p, v) : this.cell(p, bytes);
  }

  /** Cell bytes and a comma at p; -1 when the cell is not ASCII (null bytes). */
  cell(p: number, bytes: Uint8Array | null): number {
    if (bytes === null) return -1;
    const n = bytes.length;
    if (n > 0) {
      if (p + n + ROW_RESERVE > this.buf.length) p = this.grow(p, n);
      const b = this.buf;
      if (n < 32) for (let i = 0; i < n; i++) b[p + i] = bytes[i];
      else b.set(bytes, p);
      p += n;
    }
    this.buf[p] = 44;
    return p + 1;
  }

  /** An uncached text cell (ids, hashes: mostly distinct or null) and its comma at p; -1 when it is not ASCII. */
  textCell(p: number, v: string | null): number {
    if (v !== null && v !== undefined) {
      const s = csvText(v);
      const n = s.length;
      if (p + n + ROW_RESERVE > this.buf.length) p = this.grow(p, n);
      const b = this.buf;
      for (let i = 0; i < n; i++) {
        const ch = s.charCodeAt(i);
        if (ch > 127) return -1;
        b[p + i] = ch;
      }
      p += n;
    }
    this.buf[p] = 44;
    return p + 1;
  }

  /** Room for n more bytes and a row's fixed cells after p (the row in progress is kept). */
  private grow(p: number, n: number): number {
    const next = new Uint8Array(Math.max(this.buf.length * 2, p + n + ROW_RESERVE * 2));
    next.set(this.buf.subarray(0, p));
    this.buf = next;
    return p;
  }

  reserve(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(this.pos, n);
  }
}

const latin1 = (b: Uint8Array, n: number): string => Buffer.from(b.buffer, b.byteOffset, n).toString('latin1');

export function writeBool(b: Uint8Array, p: number, v: boolean | null | undefined): number {
  if (v === true) { b[p] = 116; b[p + 1] = 114; b[p + 2] = 117; b[p + 3] = 101; return p + 4; }
  if (v === false) { b[p] = 102; b[p + 1] = 97; b[p + 2] = 108; b[p + 3] = 115; b[p + 4] = 101; return p + 5; }
  return p;
}

/**
 * A numeric cell as csvNum writes it (String(v) for a finite number, empty otherwise), into b at p.
 * Whole numbers below 2^53 are written digit by digit, and so are short decimals (see
 * writeShortDecimal): String() gives the same digits there, and costs ~300 ns for a fraction.
 */
export function writeNum(b: Uint8Array, p: number, v: number | null | undefined): number {
  if (typeof v !== 'number') return p;
  if (Math.floor(v) === v && v < 9007199254740992 && v > -9007199254740992) {
    if (v < 0) { b[p++] = 45; v = -v; }
    if (v < 1e9) return writeUint(b, p, v);
    const hi = Math.floor(v / 1e9);
    p = writeUint(b, p, hi);
    return writeDigits(b, p, v - hi * 1e9, 9);
  }
  if (v !== v || v === Infinity || v === -Infinity) return p;
  const q = writeShortDecimal(b, p, v);
  if (q >= 0) return q;
  const s = String(v);
  for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
  return p;
}

/** 10^0 .. 10^22, all exact doubles */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/**
 * A finite non-integer 1e-6 <= |v| < 1e15 that some decimal of at most 15 significant digits
 * parses back to, written as String(v) writes it; -1 (nothing written) otherwise.
 * Why it is the same text: String(v) is the decimal with the fewest significant digits that parses
 * back to v (ECMAScript Number::toString), in plain notation in this range. At a fixed magnitude,
 * fewer digits means fewer decimals, so the first d with round(v * 10^d) / 10^d === v gives it:
 * the division is correctly rounded, exactly as parsing that decimal is; and with at most 15
 * significant digits, decimals one unit apart are further apart than doubles, so only one can match.
 */
function writeShortDecimal(b: Uint8Array, p: number, v: number): number {
  let neg = false;
  if (v < 0) { neg = true; v = -v; }
  if (!(v >= 1e-6 && v < 1e15)) return -1;
  for (let d = 1; d <= 21; d++) {
    const scale = POW10[d];
    const m = Math.round(v * scale);
    if (m >= 1e15) return -1;
    if (m / scale !== v) continue;
    if (neg) b[p++] = 45;
    const ip = Math.floor(m / scale);
    if (ip < 1e9) p = writeUint(b, p, ip);
    else {
      const hi = Math.floor(ip / 1e9);
      p = writeDigits(b, writeUint(b, p, hi), ip - hi * 1e9, 9);
    }
    b[p++] = 46;
    return writePadded(b, p, m - ip * scale, d);
  }
  return -1;
}

/** a whole number 0 <= v < 1e9 (-0 included: "0", as String(-0)) */
function writeUint(b: Uint8Array, p: number, v: number): number {
  const n = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 1e4 ? 4 : v < 1e5 ? 5 : v < 1e6 ? 6 : v < 1e7 ? 7 : v < 1e8 ? 8 : 9;
  return writeDigits(b, p, v, n);
}

/** v (whole, < 10^n, below 2^53) as exactly n digits, zero-padded */
function writePadded(b: Uint8Array, p: number, v: number, n: number): number {
  if (n <= 9) return writeDigits(b, p, v, n);
  const hi = Math.floor(v / 1e9);
  return writeDigits(b, writePadded(b, p, hi, n - 9), v - hi * 1e9, 9);
}

/** v (whole, < 10^n, n <= 9) as exactly n digits, zero-padded */
export function writeDigits(b: Uint8Array, p: number, v: number, n: number): number {
  let x = v | 0;
  for (let i = p + n - 1; i >= p; i--) {
    const q = (x / 10) | 0;
    b[i] = 48 + x - q * 10;
    x = q;
  }
  return p + n;
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
  // 64 KiB: these chunks are ropes of JSON.stringify results, and larger ones measured no faster
  const size = opts.chunkSize ?? 65_536;
  let buf = '';
  for (const r of records) {
    buf += JSON.stringify(exportObject(r, iso)) + '\n';
    if (buf.length >= size) { yield buf; buf = ''; }
  }
  if (buf.length > 0) yield buf;
}
