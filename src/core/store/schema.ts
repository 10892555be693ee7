// Schema of the store and the migrations between versions. Bump SCHEMA_VERSION on any change and
// add a migration from the previous version; a file whose version has no path is rebuilt from the logs.
import type { Database } from 'sql.js';
import { MEASURES } from './rollups';

export const SCHEMA_VERSION = 1;

const measureCols = MEASURES.map(m => `${m} REAL NOT NULL DEFAULT 0`).join(', ');

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
  id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, format TEXT NOT NULL DEFAULT 'unknown',
  stats TEXT, checkpoint TEXT, floor_ts INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS endpoints (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS models (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS providers (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS functions (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS calls (
  id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL, offset INTEGER NOT NULL, line INTEGER NOT NULL,
  ts INTEGER NOT NULL, endpoint_id INTEGER NOT NULL, model_id INTEGER NOT NULL, provider_id INTEGER NOT NULL,
  function_id INTEGER NOT NULL, method TEXT, status_code INTEGER, success INTEGER NOT NULL, error_type TEXT,
  request_id TEXT, trace_id TEXT, retry_count INTEGER NOT NULL, priority TEXT, latency_ms REAL, ttft_ms REAL,
  input_tokens INTEGER, output_tokens INTEGER, cache_read_tokens INTEGER NOT NULL, cache_write_tokens INTEGER NOT NULL,
  cache_write_1h_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL, cache_write_split_known INTEGER NOT NULL,
  response_cache_hit INTEGER, cost_usd REAL, logged_cost_usd REAL, cost_source INTEGER NOT NULL, cost_estimated INTEGER NOT NULL,
  price_version TEXT, batch INTEGER NOT NULL, request_hash TEXT, zone_assumed INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS roll_minute (t INTEGER NOT NULL, s INTEGER NOT NULL, ${measureCols},
  PRIMARY KEY (t, s)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS roll_hour (t INTEGER NOT NULL, e INTEGER NOT NULL, m INTEGER NOT NULL, p INTEGER NOT NULL,
  s INTEGER NOT NULL, ${measureCols}, PRIMARY KEY (t, e, m, p, s)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS roll_day (t INTEGER NOT NULL, e INTEGER NOT NULL, m INTEGER NOT NULL, p INTEGER NOT NULL,
  s INTEGER NOT NULL, ${measureCols}, PRIMARY KEY (t, e, m, p, s)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hist_hour (t INTEGER NOT NULL, b INTEGER NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY (t, b)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hist_day (t INTEGER NOT NULL, e INTEGER NOT NULL, m INTEGER NOT NULL, b INTEGER NOT NULL,
  n INTEGER NOT NULL, PRIMARY KEY (t, e, m, b)) WITHOUT ROWID;
`;

/**
 * The ts indexes, created after a bulk load (building one once is far cheaper than maintaining it row
 * by row), in the given schema (CREATE INDEX without one means main).
 */
export const tsIndexSql = (schema: string): string => `CREATE INDEX IF NOT EXISTS ${schema}.idx_calls_ts ON calls(ts);
  CREATE INDEX IF NOT EXISTS ${schema}.idx_calls_err ON calls(ts) WHERE success = 0;
  CREATE INDEX IF NOT EXISTS ${schema}.idx_calls_hash ON calls(ts) WHERE request_hash IS NOT NULL;`;
export const DROP_TS_INDEX_SQL = 'DROP INDEX IF EXISTS idx_calls_ts; DROP INDEX IF EXISTS idx_calls_err; DROP INDEX IF EXISTS idx_calls_hash;';

/** Migrations: MIGRATIONS[v] upgrades a database from version v to v + 1. */
export const MIGRATIONS: Record<number, (db: Database) => void> = {
  // Version 0 is "no meta table / empty file": creating the schema is the migration.
  0: (db) => { db.exec(SCHEMA_SQL); },
};

export function readSchemaVersion(db: Database): number | null {
  const hasMeta = db.exec("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'");
  if (!hasMeta.length) return 0;
  const r = db.exec("SELECT value FROM meta WHERE key='schema_version'");
  if (!r.length) return null;
  const v = Number(r[0].values[0][0]);
  return Number.isInteger(v) ? v : null;
}

/** Brings db to SCHEMA_VERSION; returns false when that is impossible (unknown or newer version). */
export function migrate(db: Database): boolean {
  let v = readSchemaVersion(db);
  if (v === null || v > SCHEMA_VERSION) return false;
  while (v < SCHEMA_VERSION) {
    const step = MIGRATIONS[v];
    if (!step) return false;
    step(db);
    v++;
  }
  db.run("INSERT INTO meta(key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [String(SCHEMA_VERSION)]);
  db.exec(tsIndexSql('main'));
  return true;
}
