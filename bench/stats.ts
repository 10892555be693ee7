// Small helpers for the benchmark: robust summaries of repeated timings and memory readings.
import * as fs from 'fs';

export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(xs: readonly number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { median, min: s[0], max: s[n - 1], n };
}

/** Nearest-rank percentile (p in 0..100): the smallest value with at least p % of values at or below it. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[rank - 1];
}

const MB = 1024 * 1024;

/** Resident set size in MB. */
export function rssMb(): number {
  return process.memoryUsage().rss / MB;
}

/**
 * Peak RSS since the last resetPeakRss(), in MB, from the kernel's high-water mark (VmHWM): it
 * sees short spikes a sampling timer would miss (the export loop is synchronous). Null off Linux.
 */
export function peakRssMb(): number | null {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Resets VmHWM to the current RSS (Linux: writing 5 to clear_refs). Returns false when unsupported. */
export function resetPeakRss(): boolean {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

// The tsconfig's lib has no WebAssembly types (no DOM): the little we use, typed here.
interface WasmMemory { buffer: ArrayBuffer }
interface WasmApi {
  Memory: new (d: { initial: number }) => WasmMemory;
  instantiate: (...a: unknown[]) => Promise<unknown>;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
const wasmMemories: WasmMemory[] = [];

/**
 * sql.js does not expose its WebAssembly memory, so we watch instantiation: whatever Memory the
 * module exports is recorded. Must run before sql.js is initialised.
 */
export function watchWasmMemory(): void {
  const orig = wasm.instantiate;
  wasm.instantiate = async function (this: unknown, ...args: unknown[]): Promise<unknown> {
    const r = await orig.apply(this, args);
    const inst = (r as { instance?: { exports: Record<string, unknown> } }).instance ?? (r as { exports: Record<string, unknown> });
    for (const v of Object.values(inst.exports ?? {})) if (v instanceof wasm.Memory) wasmMemories.push(v);
    return r;
  };
}

/** Current size of the WASM heaps seen so far (MB), null when none was seen. */
export function wasmHeapMb(): number | null {
  if (wasmMemories.length === 0) return null;
  return wasmMemories.reduce((s, m) => s + m.buffer.byteLength, 0) / MB;
}

/** JS ArrayBuffers (MB): sql.js keeps its database file in MEMFS typed arrays, outside the WASM heap. */
export function arrayBuffersMb(): number {
  return process.memoryUsage().arrayBuffers / MB;
}

export function ms(t0: number): number {
  return performance.now() - t0;
}
