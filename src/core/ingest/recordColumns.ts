// Records as columns, to hand a parsed batch from the ingest worker to the main thread cheaply.
// Structured clone of 10k 30-field objects costs the receiving thread ~2 µs per record (~2 s per 1M
// calls, measured with v8.deserialize on the bench data), which is the very thread that stores them.
// As columns (one tag byte and one float per field and record, in two transferable buffers, plus a
// table of distinct strings) the receiver only rebuilds plain objects.
//
// The encoding is exact for any value: numbers (NaN and -0 included), null, undefined, booleans,
// strings; anything else (never produced by the parsers today) rides along in `others` and is
// structured-cloned. Records whose keys differ from RECORD_FIELDS are not encoded (see encodeRecords).
import type { OriginRecord } from '../model';

/** The keys of a parsed record, in the order the parsers create them (emptyRecord, then origin). */
export const RECORD_FIELDS = [
  'ts', 'endpoint', 'function_name', 'provider', 'model', 'method', 'status_code', 'success', 'error_type',
  'request_id', 'trace_id', 'retry_count', 'priority', 'latency_ms', 'ttft_ms', 'input_tokens', 'output_tokens',
  'cache_read_tokens', 'cache_write_tokens', 'cache_write_1h_tokens', 'cache_write_split_known', 'reasoning_tokens',
  'response_cache_hit', 'cost_usd', 'cost_source', 'batch', 'request_hash', 'zone_assumed', 'offset', 'line',
] as const;

const F = RECORD_FIELDS.length;

const enum Tag { Num = 0, Null = 1, False = 2, True = 3, Str = 4, Undef = 5, Other = 6 }

export interface RecordColumns {
  n: number;
  /** tags[i * F + f]: the kind of field f of record i (row-major: one record's fields are adjacent) */
  tags: Uint8Array;
  /** nums[i * F + f]: the number, or the index into strings / others */
  nums: Float64Array;
  /** distinct strings of the batch */
  strings: string[];
  others: unknown[];
}

/** True when the record has exactly RECORD_FIELDS, in that order (then encodeRecords keeps it whole). */
export function hasRecordShape(r: object): boolean {
  const keys = Object.keys(r);
  if (keys.length !== F) return false;
  for (let f = 0; f < F; f++) if (keys[f] !== RECORD_FIELDS[f]) return false;
  return true;
}

/**
 * Columns of these records, or null when the first or the last record has other keys (then the
 * caller sends the objects as they are). Checking two records and not all keeps the encoder cheap;
 * every parser builds its records from emptyRecord, which a unit test checks on every fixture.
 */
export function encodeRecords(records: readonly OriginRecord[], spare?: ArrayBuffer[]): RecordColumns | null {
  const n = records.length;
  if (n > 0 && (!hasRecordShape(records[0]) || !hasRecordShape(records[n - 1]))) return null;
  const tagBuf = spare && n > 0 ? takeBuffer(spare, n * F) : null;
  const tags = tagBuf ? new Uint8Array(tagBuf, 0, n * F).fill(0) : new Uint8Array(n * F);
  // every slot of nums that decodeRecords reads is written below: a reused buffer needs no clearing
  const numBuf = spare && n > 0 ? takeBuffer(spare, n * F * 8) : null;
  const nums = numBuf ? new Float64Array(numBuf, 0, n * F) : new Float64Array(n * F);
  const strings: string[] = [];
  const others: unknown[] = [];
  const index = new Map<string, number>();
  const put = (k: number, v: unknown): void => {
    switch (typeof v) {
      case 'number': nums[k] = v; return; // Tag.Num (0) is the array's initial value
      case 'string': {
        let s = index.get(v);
        if (s === undefined) { s = strings.length; strings.push(v); index.set(v, s); }
        tags[k] = Tag.Str; nums[k] = s;
        return;
      }
      case 'boolean': tags[k] = v ? Tag.True : Tag.False; return;
      case 'undefined': tags[k] = Tag.Undef; return;
      default:
        if (v === null) { tags[k] = Tag.Null; return; }
        tags[k] = Tag.Other; nums[k] = others.length; others.push(v);
    }
  };
  for (let i = 0, k = 0; i < n; i++, k += F) {
    // named property reads (not r[RECORD_FIELDS[f]]): one hidden class per parser keeps them fast
    const r = records[i];
    put(k, r.ts); put(k + 1, r.endpoint); put(k + 2, r.function_name); put(k + 3, r.provider); put(k + 4, r.model);
    put(k + 5, r.method); put(k + 6, r.status_code); put(k + 7, r.success); put(k + 8, r.error_type); put(k + 9, r.request_id);
    put(k + 10, r.trace_id); put(k + 11, r.retry_count); put(k + 12, r.priority); put(k + 13, r.latency_ms); put(k + 14, r.ttft_ms);
    put(k + 15, r.input_tokens); put(k + 16, r.output_tokens); put(k + 17, r.cache_read_tokens); put(k + 18, r.cache_write_tokens);
    put(k + 19, r.cache_write_1h_tokens); put(k + 20, r.cache_write_split_known); put(k + 21, r.reasoning_tokens);
    put(k + 22, r.response_cache_hit); put(k + 23, r.cost_usd); put(k + 24, r.cost_source); put(k + 25, r.batch);
    put(k + 26, r.request_hash); put(k + 27, r.zone_assumed); put(k + 28, r.offset); put(k + 29, r.line);
  }
  return { n, tags, nums, strings, others };
}

/** Takes out of spare the smallest buffer of at least bytes (null: none is large enough). */
function takeBuffer(spare: ArrayBuffer[], bytes: number): ArrayBuffer | null {
  let best = -1;
  for (let i = 0; i < spare.length; i++) {
    const len = spare[i].byteLength;
    if (len >= bytes && (best < 0 || len < spare[best].byteLength)) best = i;
  }
  if (best < 0) return null;
  const b = spare[best];
  spare[best] = spare[spare.length - 1];
  spare.pop();
  return b;
}

/** The buffers of columns that decodeRecords is done with, for encodeRecords to fill again. */
export function columnBuffers(c: RecordColumns): ArrayBuffer[] {
  return [c.tags.buffer as ArrayBuffer, c.nums.buffer as ArrayBuffer];
}

/**
 * The records encoded by encodeRecords, as plain objects with RECORD_FIELDS in order. With a pool,
 * its objects are refilled (and it grows to the largest batch): the caller must be done with the
 * previous batch's records. Any key a user of the records added stays, with its old value.
 */
export function decodeRecords(c: RecordColumns, pool?: OriginRecord[]): OriginRecord[] {
  const { n, tags, nums, strings, others } = c;
  const v = (k: number): never => {
    switch (tags[k]) {
      case Tag.Num: return nums[k] as never;
      case Tag.Null: return null as never;
      case Tag.False: return false as never;
      case Tag.True: return true as never;
      case Tag.Str: return strings[nums[k]] as never;
      case Tag.Undef: return undefined as never;
      default: return others[nums[k]] as never;
    }
  };
  if (pool) {
    for (let i = 0, k = 0; i < n; i++, k += F) {
      const o = pool[i] as unknown as Record<string, unknown> | undefined;
      if (!o) { pool[i] = decodeOne(v, k); continue; }
      o.ts = v(k); o.endpoint = v(k + 1); o.function_name = v(k + 2); o.provider = v(k + 3); o.model = v(k + 4); o.method = v(k + 5);
      o.status_code = v(k + 6); o.success = v(k + 7); o.error_type = v(k + 8); o.request_id = v(k + 9); o.trace_id = v(k + 10);
      o.retry_count = v(k + 11); o.priority = v(k + 12); o.latency_ms = v(k + 13); o.ttft_ms = v(k + 14); o.input_tokens = v(k + 15);
      o.output_tokens = v(k + 16); o.cache_read_tokens = v(k + 17); o.cache_write_tokens = v(k + 18); o.cache_write_1h_tokens = v(k + 19);
      o.cache_write_split_known = v(k + 20); o.reasoning_tokens = v(k + 21); o.response_cache_hit = v(k + 22); o.cost_usd = v(k + 23);
      o.cost_source = v(k + 24); o.batch = v(k + 25); o.request_hash = v(k + 26); o.zone_assumed = v(k + 27); o.offset = v(k + 28); o.line = v(k + 29);
    }
    return pool.length === n ? pool : pool.slice(0, n);
  }
  const out: OriginRecord[] = new Array(n);
  for (let i = 0, k = 0; i < n; i++, k += F) out[i] = decodeOne(v, k);
  return out;
}

/** One literal with every key in RECORD_FIELDS order: all records share one hidden class, as the parsers' objects do. */
function decodeOne(v: (k: number) => never, k: number): OriginRecord {
  return {
    ts: v(k), endpoint: v(k + 1), function_name: v(k + 2), provider: v(k + 3), model: v(k + 4), method: v(k + 5),
    status_code: v(k + 6), success: v(k + 7), error_type: v(k + 8), request_id: v(k + 9), trace_id: v(k + 10),
    retry_count: v(k + 11), priority: v(k + 12), latency_ms: v(k + 13), ttft_ms: v(k + 14), input_tokens: v(k + 15),
    output_tokens: v(k + 16), cache_read_tokens: v(k + 17), cache_write_tokens: v(k + 18), cache_write_1h_tokens: v(k + 19),
    cache_write_split_known: v(k + 20), reasoning_tokens: v(k + 21), response_cache_hit: v(k + 22), cost_usd: v(k + 23),
    cost_source: v(k + 24), batch: v(k + 25), request_hash: v(k + 26), zone_assumed: v(k + 27), offset: v(k + 28), line: v(k + 29),
  };
}
