// The contract between the core engine and its users (the VS Code host, the CLI, the bench).
// The implementation lives in ./monitorEngine.ts; the host depends only on this interface, so its
// adapters can be built and tested against it.
import type { QueryFilter, SourceStats, CallRecord } from './model';
import type { WindowStats, TimeSeries, BreakdownRow, ErrorRow } from './metrics/types';
import type { ExportOptions } from './export/csv';
import type { CsvChunks } from './export/storeCsv';

export interface IngestProgress {
  file: string;
  bytesRead: number;
  bytesTotal: number;
}

export interface IngestResult {
  files: number;
  records: number;
  skipped: number;
  ms: number;
}

/** Prices one call (src/core/pricing createPricer() fits). The record carries the logged cost, if any. */
export interface RecordPricer {
  /** identifies the price table + overrides, stored per call */
  version: string;
  price(rec: CallRecord): { cost_usd: number | null; cost_source: 'logged' | 'computed' | 'unpriced'; estimated: boolean };
}

/** What the engine needs from its environment (no vscode here). */
export interface EngineOptions {
  /** bytes of sql-wasm.wasm */
  wasmBinary: Uint8Array;
  /** file to persist the store to; undefined = in memory only */
  storeFile?: string;
  retentionDays: number;
  /** IANA zone for daily buckets and zone-less timestamps; undefined = the machine's zone */
  timeZone?: string;
  now?: () => number;
  log?: (message: string) => void;
  /** prices calls at ingest; without one, only costs written in the logs are known */
  pricer?: RecordPricer;
  /** 'exact' computes percentiles of long ranges from raw rows too (slower; for one-off reports). Default 'auto'. */
  percentiles?: 'auto' | 'exact';
  /**
   * Path of the ingest worker bundle (dist/ingestWorker.js): large reads then parse in a worker
   * thread while this thread stores. Undefined or missing file = parse in this thread. Without a
   * store file yet (a cold start), create() starts the worker ahead (also with a custom reader factory).
   */
  workerScript?: string;
}

export interface MonitorEngineApi {
  /** Read new bytes of these files (incremental, checkpointed); safe to call repeatedly. */
  ingestFiles(paths: string[], opts?: { signal?: AbortSignal; onProgress?: (p: IngestProgress) => void }): Promise<IngestResult>;
  sources(): SourceStats[];
  window(filter: QueryFilter): WindowStats;
  series(filter: QueryFilter): TimeSeries;
  byEndpoint(filter: QueryFilter): BreakdownRow[];
  byModel(filter: QueryFilter): BreakdownRow[];
  topErrors(filter: QueryFilter, limit?: number): ErrorRow[];
  /** Stream the calls of a filter (for exports), oldest first, without holding them all. */
  iterateCalls(filter: QueryFilter): Iterable<CallRecord>;
  /**
   * Resolves once every stored call can be read by iterateCalls without a long synchronous write first
   * (a cold ingest leaves its raw rows to be written after the first dashboard; this writes them in
   * short slices): await it before a large export so the host does not block.
   */
  callsReady(): Promise<void>;
  /**
   * The calls of a filter as CSV chunks with a count of the rows written so far: the same text as
   * csvRows(iterateCalls(filter)), faster. Optional (csvExportChunks falls back to that).
   */
  csvChunks?(filter: QueryFilter, opts: ExportOptions): CsvChunks;
  persist(): Promise<void>;
  dispose(): void;
}
