// Schema of the store and the migrations between versions. Bump SCHEMA_VERSION on any change and
// add a migration from the previous version; a file whose version has no path is rebuilt from the logs.
import type { Database } from 'sql.js';
import { MEASURES } from './rollups';

export const SCHEMA_VERSION = 3;

const measureCols = MEASURES.map(m => `${m} REAL NOT NULL DEFAULT 0`).join(', ');

/**
 * Version 2: every column a call may leave empty has a default (NULL or 0), so that an insert can
 * leave out the columns a batch does not use (binding a value through sql.js is a third of an insert),
 * and price_version is the id of a row of price_versions instead of a string on every row.
 */
const CALLS_V2_COLUMNS = `
  id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL, offset INTEGER NOT NULL, line INTEGER NOT NULL,
  ts INTEGER NOT NULL, endpoint_id INTEGER NOT NULL, model_id INTEGER NOT NULL DEFAULT 0, provider_id INTEGER NOT NULL DEFAULT 0,
  function_id INTEGER NOT NULL DEFAULT 0, method TEXT, status_code INTEGER, success INTEGER NOT NULL, error_type TEXT,
  request_id TEXT, trace_id TEXT, retry_count INTEGER NOT NULL DEFAULT 0, priority TEXT, latency_ms REAL, ttft_ms REAL,
  input_tokens INTEGER, output_tokens INTEGER, cache_read_tokens INTEGER NOT NULL DEFAULT 0,
  cache_write_tokens INTEGER NOT NULL DEFAULT 0, cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0,
  reasoning_tokens INTEGER NOT NULL DEFAULT 0, cache_write_split_known INTEGER NOT NULL DEFAULT 0,
  response_cache_hit INTEGER, cost_usd REAL, logged_cost_usd REAL, cost_source INTEGER NOT NULL,
  cost_estimated INTEGER NOT NULL DEFAULT 0, price_version_id INTEGER, batch INTEGER NOT NULL DEFAULT 0, request_hash TEXT,
  zone_assumed INTEGER NOT NULL DEFAULT 0`;

/**
 * Version 3: calls is clustered by time, a WITHOUT ROWID table keyed by (ts, id), with id given by the
 * store in insert order. A range of time is a range of the table itself, so there is no ts index to
 * maintain or to build after a bulk load: building it was one uninterruptible 0.3-0.9 s statement at 1M
 * calls, and it held ~10 % of the store's pages. The two partial indexes stay (few rows in most logs).
 */
const CALLS_V3 = `CREATE TABLE IF NOT EXISTS calls (${CALLS_V2_COLUMNS.replace('id INTEGER PRIMARY KEY,', 'id INTEGER NOT NULL,')},
  PRIMARY KEY (ts, id)) WITHOUT ROWID`;
const CALLS_V3_INDEXES = `CREATE INDEX IF NOT EXISTS idx_calls_err ON calls(ts) WHERE success = 0;
CREATE INDEX IF NOT EXISTS idx_calls_hash ON calls(ts) WHERE request_hash IS NOT NULL;`;

/** Columns that versions 1 and 2 share, in order. */
const SHARED_CALL_COLUMNS = `id, source_id, offset, line, ts, endpoint_id, model_id, provider_id, function_id, method, status_code,
  success, error_type, request_id, trace_id, retry_count, priority, latency_ms, ttft_ms, input_tokens, output_tokens,
  cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, reasoning_tokens, cache_write_split_known, response_cache_hit,
  cost_usd, logged_cost_usd, cost_source, cost_estimated, batch, request_hash, zone_assumed`;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
  id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, format TEXT NOT NULL DEFAULT 'unknown',
  stats TEXT, checkpoint TEXT, floor_ts INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS endpoints (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS models (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS providers (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS functions (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS price_versions (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
${CALLS_V3};
${CALLS_V3_INDEXES}
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


/** Migrations: MIGRATIONS[v] upgrades a database from version v to v + 1 (version 0, an empty file, gets SCHEMA_SQL). */
export const MIGRATIONS: Record<number, (db: Database) => void> = {
  // 1 -> 2: calls rebuilt with defaults and price_version as an id (SQLite cannot add defaults in place)
  1: (db) => {
    db.exec(`CREATE TABLE price_versions (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
      INSERT INTO price_versions (name) SELECT DISTINCT price_version FROM calls WHERE price_version IS NOT NULL ORDER BY 1;
      CREATE TABLE calls_v2 (${CALLS_V2_COLUMNS});
      INSERT INTO calls_v2 (${SHARED_CALL_COLUMNS}, price_version_id)
        SELECT ${SHARED_CALL_COLUMNS}, (SELECT v.id FROM price_versions v WHERE v.name = calls.price_version) FROM calls;
      DROP TABLE calls;
      ALTER TABLE calls_v2 RENAME TO calls;`);
  },
  // 2 -> 3: calls rebuilt clustered by (ts, id), its rows in that order; the ts index goes with the old table
  2: (db) => {
    db.exec(`DROP INDEX IF EXISTS idx_calls_ts; DROP INDEX IF EXISTS idx_calls_err; DROP INDEX IF EXISTS idx_calls_hash;
      ALTER TABLE calls RENAME TO calls_v2;
      ${CALLS_V3};
      INSERT INTO calls SELECT * FROM calls_v2 ORDER BY ts, id;
      DROP TABLE calls_v2;
      ${CALLS_V3_INDEXES}`);
  },
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
  const current = v === SCHEMA_VERSION;
  if (v === 0) {
    db.exec(SCHEMA_SQL);
    v = SCHEMA_VERSION;
  }
  const from = v;
  while (v < SCHEMA_VERSION) {
    const step = MIGRATIONS[v];
    if (!step) return false;
    step(db);
    v++;
  }
  // a migration that rebuilt a table leaves its old pages free in the file: give them back once
  if (from > 0 && from < SCHEMA_VERSION) db.exec('VACUUM');
  // a file already at this version is only read (the write cost 3-140 ms on a restored 115 MB store)
  if (!current) db.run("INSERT INTO meta(key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [String(SCHEMA_VERSION)]);
  return true;
}
