// CSV of a range of stored calls, written straight from SQLite's cells: the product's export path
// (the extension's command and the CLI, through MonitorEngine.csvChunks) and the bench's.
// csvRows(readCalls(...)) built a CallRecord per row, passed it through two generators and wrote
// it again cell by cell: a third of a 1M-row export. Here each row of a page is written as ASCII
// bytes while SQLite's statement stands on it, with the cell writers of csv.ts, and dimension ids
// map to cell bytes escaped once per read. A row the bytes path cannot write (a non-ASCII text
// cell, a cell of a type the store never writes) is undone and written the record-by-record way
// (readCalls's row reader, then csvRows's writers), so the text is the same byte for byte, and so
// are the chunk boundaries.
import type { CallStore, DimKind } from '../store/callStore';
import type { QueryFilter } from '../model';
import { compileFilter } from '../metrics/aggregate';
import { cApiOf, StatementPointers, T_FLOAT, T_INTEGER, T_NULL, T_TEXT } from '../store/sqlJs';
import type { ReadCallsOptions } from './callReader';
import {
  C_CR, C_CW, C_CW1H, C_E, C_ERROR, C_F, C_HASH, C_HIT, C_ID, C_LAT, C_M, C_METHOD, C_OUT, C_P, C_PRIORITY, C_REAS, C_REQ,
  C_RETRY, C_SOURCE, C_SPLIT, C_STATUS, C_SUCCESS, C_TRACE, C_TS, C_BATCH, C_COST, C_ZONE, CALL_PAGE_ROWS, COST_SOURCES,
  DimNames, eachRowByGet, openPage, readCalls, recordAt, rowReader, stepRow,
} from './callReader';
import {
  AsciiCells, AsciiRows, asciiBytes, CSV_COLUMNS, csvRows, csvText, DEFAULT_CHUNK, ExportOptions, lineWriter, ROW_RESERVE, writeBool, writeDigits,
  writeNum,
} from './csv';
import { IsoFormatter } from './isoTime';
import type { CallRecord } from '../model';

/** CSV text chunks (header first) that count the data rows written so far (progress, the final count). */
export interface CsvChunks extends Iterable<string> {
  readonly rows: number;
}

/** Cell bytes of the cost sources, by their stored index (unknown indexes read as 'unpriced', as readCalls does). */
const SOURCE_BYTES = COST_SOURCES.map(s => asciiBytes(s)!);
const UNPRICED = COST_SOURCES.indexOf('unpriced');
const COMPUTED = COST_SOURCES.indexOf('computed');
const EMPTY = new Uint8Array(0);

/** A dimension id's name and its CSV cell as ASCII bytes (null bytes: not ASCII; EMPTY for no name). */
interface DimCell { name: string | null; bytes: Uint8Array | null }

/** Cells of a dimension's ids, remembered for one read (ids repeat row after row; few names). */
class DimCells {
  private readonly small: (DimCell | undefined)[] = [];
  private readonly names: DimNames;
  constructor(store: CallStore, kind: DimKind) { this.names = new DimNames(store, kind); }
  name(id: number): string | null { return this.of(id).name; }
  of(id: number): DimCell {
    if (id >= 0 && id < 65_536 && (id | 0) === id) return this.small[id] ?? (this.small[id] = this.make(id));
    return this.make(id);
  }
  private make(id: number): DimCell {
    const name = this.names.name(id);
    return { name, bytes: name === null ? EMPTY : asciiBytes(csvText(name)) };
  }
}

/**
 * CSV of every call of the filter in (ts, id) order, the same text csvRows(readCalls(store, filter))
 * gives, in the same chunks. Pages are read as readCalls reads them (a fresh statement per page, none
 * held across a yield): a page's chunks are written while its statement steps and yielded after it
 * is freed (a page of 8,192 rows is ~1.3 MB of text).
 */
export function storeCsvChunks(store: CallStore, filter: QueryFilter, opts: ExportOptions & ReadCallsOptions): CsvChunks {
  const counter = { rows: 0, [Symbol.iterator]: (): Iterator<string> => chunks(store, filter, opts, counter) };
  return counter;
}

function* chunks(store: CallStore, filter: QueryFilter, opts: ExportOptions & ReadCallsOptions, counter: { rows: number }): Generator<string, void, undefined> {
  // each iteration is an export of its own (counted from 0)
  counter.rows = 0;
  const api = cApiOf(opts.sqlJs, store.db);
  if (!api) {
    // no C API (another sql.js build): the record-by-record path
    yield* csvRows(countRecords(readCalls(store, filter, opts), counter), opts);
    return;
  }
  const iso = new IsoFormatter(opts.timeZone);
  const size = opts.chunkSize ?? DEFAULT_CHUNK;
  const line = lineWriter();
  const out = new AsciiRows(iso, size);
  out.text(CSV_COLUMNS.join(',') + '\r\n');
  const cf = compileFilter(store, filter);
  if (!cf.ok) {
    yield out.take();
    return;
  }
  const limit = Math.max(1, Math.floor(opts.pageRows ?? CALL_PAGE_ROWS));
  const pointers = new StatementPointers(api);
  const readRow = rowReader(api);
  const e = new DimCells(store, 'endpoint'), f = new DimCells(store, 'function'), pr = new DimCells(store, 'provider'), m = new DimCells(store, 'model');
  const step = api._sqlite3_step, dbl = api._sqlite3_column_double, type = api._sqlite3_column_type, text = api._sqlite3_column_text;
  const utf8 = api.UTF8ToString;
  /** the record-by-record way (the reference) */
  const writeRecord = (r: CallRecord): void => {
    if (!out.row(r)) out.text(line(r, iso.format(r.ts)));
  };

  /**
   * A text cell of the current row, as readCalls's str() reads it, and its comma at q (a repeating
   * column's cells remembered in cells); -1 when the record path must write the row (not ASCII, a BLOB).
   */
  const textAt = (q: number, p: number, i: number, cells: AsciiCells | null): number => {
    const t = type(p, i);
    if (t === T_NULL) { out.buf[q] = 44; return q + 1; }
    let s: string;
    if (t === T_TEXT) s = utf8(text(p, i));
    else if (t === T_INTEGER || t === T_FLOAT) s = String(dbl(p, i));
    else return -1;
    return cells ? out.cached(q, cells, s) : out.textCell(q, s);
  };

  /**
   * ts_ms as writeNum writes it: epoch milliseconds have 13 digits, and the leading ones change every
   * ~17 minutes, so those are written once and copied while they hold (as csv.ts's tsWriter does).
   */
  let tsHi = NaN, tsHiLen = 0;
  const tsHiBytes = new Uint8Array(24);
  const writeTs = (b: Uint8Array, q: number, ts: number): number => {
    if (!(ts >= 1e6 && ts < 9e15) || Math.floor(ts) !== ts) return writeNum(b, q, ts);
    const h = Math.floor(ts / 1e6);
    if (h !== tsHi) { tsHi = h; tsHiLen = writeNum(tsHiBytes, 0, h); }
    for (let i = 0; i < tsHiLen; i++) b[q++] = tsHiBytes[i];
    return writeDigits(b, q, ts - h * 1e6, 6);
  };
  /** a count: most are 0 */
  const writeCount = (b: Uint8Array, q: number, v: number): number => {
    if (v === 0) { b[q] = 48; return q + 1; }
    return writeNum(b, q, v);
  };

  /**
   * The current row as ASCII bytes at the end of out; false (nothing written) when a cell needs the
   * record path: a non-ASCII text cell, text or a BLOB in a number column, a BLOB anywhere.
   */
  const bytesRow = (p: number, ts: number, ec: Uint8Array): boolean => {
    const start = out.pos;
    out.reserve(ROW_RESERVE);
    let b = out.buf;
    let q = iso.formatAscii(ts, b, start);
    b[q++] = 44;
    q = writeTs(b, q, ts); b[q++] = 44;
    if ((q = out.cell(q, ec)) < 0) return out.undo(start);
    if ((q = out.cell(q, f.of(dbl(p, C_F)).bytes)) < 0) return out.undo(start);
    if ((q = out.cell(q, pr.of(dbl(p, C_P)).bytes)) < 0) return out.undo(start);
    if ((q = out.cell(q, m.of(dbl(p, C_M)).bytes)) < 0) return out.undo(start);
    if ((q = textAt(q, p, C_METHOD, out.method)) < 0) return out.undo(start);
    b = out.buf;
    let t = type(p, C_STATUS);
    if (t === T_INTEGER || t === T_FLOAT) q = writeNum(b, q, dbl(p, C_STATUS));
    else if (t !== T_NULL) return out.undo(start);
    b[q++] = 44;
    q = writeBool(b, q, dbl(p, C_SUCCESS) === 1); b[q++] = 44;
    if ((q = textAt(q, p, C_ERROR, out.errorType)) < 0) return out.undo(start);
    if ((q = textAt(q, p, C_REQ, null)) < 0) return out.undo(start);
    if ((q = textAt(q, p, C_TRACE, null)) < 0) return out.undo(start);
    b = out.buf;
    q = writeCount(b, q, dbl(p, C_RETRY)); b[q++] = 44;
    if ((q = textAt(q, p, C_PRIORITY, out.priority)) < 0) return out.undo(start);
    b = out.buf;
    for (let i = C_LAT; i <= C_OUT; i++) {
      // latency_ms, ttft_ms, input_tokens, output_tokens (adjacent in PAGE_COLUMNS): nullable numbers
      t = type(p, i);
      if (t === T_INTEGER || t === T_FLOAT) q = writeNum(b, q, dbl(p, i));
      else if (t !== T_NULL) return out.undo(start);
      b[q++] = 44;
    }
    q = writeCount(b, q, dbl(p, C_CR)); b[q++] = 44;
    const cw = dbl(p, C_CW);
    q = writeCount(b, q, cw); b[q++] = 44;
    q = writeCount(b, q, dbl(p, C_CW1H)); b[q++] = 44;
    const split = dbl(p, C_SPLIT) === 1;
    q = writeBool(b, q, split); b[q++] = 44;
    q = writeCount(b, q, dbl(p, C_REAS)); b[q++] = 44;
    t = type(p, C_HIT);
    if (t === T_INTEGER || t === T_FLOAT) q = writeBool(b, q, dbl(p, C_HIT) === 1);
    else if (t === T_TEXT) q = writeBool(b, q, false);
    else if (t !== T_NULL) return out.undo(start);
    b[q++] = 44;
    t = type(p, C_COST);
    if (t === T_INTEGER || t === T_FLOAT) q = writeNum(b, q, dbl(p, C_COST));
    else if (t !== T_NULL) return out.undo(start);
    b[q++] = 44;
    let src = dbl(p, C_SOURCE);
    if (SOURCE_BYTES[src] === undefined) src = UNPRICED;
    const sb = SOURCE_BYTES[src];
    for (let i = 0; i < sb.length; i++) b[q++] = sb[i];
    b[q++] = 44;
    // cost_estimated (isCostEstimated)
    q = writeBool(b, q, src === COMPUTED && !split && cw > 0); b[q++] = 44;
    q = writeBool(b, q, dbl(p, C_BATCH) === 1); b[q++] = 44;
    if ((q = textAt(q, p, C_HASH, null)) < 0) return out.undo(start);
    b = out.buf;
    q = writeBool(b, q, dbl(p, C_ZONE) === 1);
    b[q++] = 13; b[q++] = 10;
    out.length += q - start;
    out.pos = q;
    return true;
  };

  let lastTs = filter.from - 1, lastId = -1;
  // a page's chunks, and the rows written up to the end of each: counter.rows counts the rows of the
  // text yielded so far (as csvRows's input was counted), not those of the page ahead of it
  const ready: string[] = [], readyRows: number[] = [];
  let rows = 0;
  for (;;) {
    const { st, sql } = openPage(store, filter, cf, limit, lastTs, lastId);
    let stepped = 0;
    try {
      const p = pointers.of(st, sql);
      if (p) {
        while (stepRow(step, api, store.db, p)) {
          stepped++;
          const ts = dbl(p, C_TS);
          lastTs = ts;
          lastId = dbl(p, C_ID);
          const ec = e.of(dbl(p, C_E));
          if (ec.name === null) continue;
          rows++;
          if (ec.bytes === null || !bytesRow(p, ts, ec.bytes)) writeRecord(recordAt(readRow, st, p, ts, ec.name, f, pr, m, dbl));
          if (out.length >= size) { ready.push(out.take()); readyRows.push(rows); }
        }
      } else {
        // the statement's pointer was not found: Statement.get(), as readCalls does
        stepped = eachRowByGet(st, e, f, pr, m, (r, ts, id) => {
          lastTs = ts;
          lastId = id;
          if (!r) return;
          rows++;
          writeRecord(r);
          if (out.length >= size) { ready.push(out.take()); readyRows.push(rows); }
        });
      }
    } finally {
      st.free();
    }
    for (let i = 0; i < ready.length; i++) {
      counter.rows = readyRows[i];
      yield ready[i];
    }
    ready.length = 0;
    readyRows.length = 0;
    if (stepped < limit) break;
  }
  counter.rows = rows;
  if (out.length > 0) yield out.take();
}

function* countRecords(records: Iterable<CallRecord>, counter: { rows: number }): Generator<CallRecord, void, undefined> {
  counter.rows = 0;
  for (const r of records) {
    counter.rows++;
    yield r;
  }
}

/**
 * The CSV export of an engine: its own csvChunks when it has one (MonitorEngine), else
 * csvRows(iterateCalls()) with the records counted. The extension's command, the CLI and the bench
 * all export through this.
 */
export function csvExportChunks(engine: { iterateCalls(f: QueryFilter): Iterable<CallRecord>; csvChunks?(f: QueryFilter, o: ExportOptions): CsvChunks },
  filter: QueryFilter, opts: ExportOptions): CsvChunks {
  if (engine.csvChunks) return engine.csvChunks(filter, opts);
  const counter = { rows: 0, [Symbol.iterator]: (): Iterator<string> => csvRows(countRecords(engine.iterateCalls(filter), counter), opts) };
  return counter;
}
