// Loading sql.js from bytes we were given: the extension and the CLI must never fetch the wasm.
import initSqlJs from 'sql.js';
import type { SqlJsStatic } from 'sql.js';

let cached: { bytes: Uint8Array; sql: Promise<SqlJsStatic> } | undefined;

export function loadSqlJs(wasmBinary: Uint8Array): Promise<SqlJsStatic> {
  if (cached && cached.bytes === wasmBinary) return cached.sql;
  // useOldExtensionFunctions: false, or sql.js 1.17's legacy functions shadow exp() and log a
  // deprecation warning on every call (see shared/notes/performance.md). Not in @types yet.
  const config = { wasmBinary: wasmBinary as unknown as ArrayBuffer, useOldExtensionFunctions: false };
  const sql = initSqlJs(config as Parameters<typeof initSqlJs>[0]);
  cached = { bytes: wasmBinary, sql };
  return sql;
}
