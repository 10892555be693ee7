import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { SqlJsStatic } from 'sql.js';
import * as os from 'os';
import { eachNumberRow, loadSqlJs, prefaultHeap, statementRunner } from '../../src/core/store/sqlJs';
import { readFileIfExistsAsync } from '../../src/core/store/persistence';
import { CallStore } from '../../src/core/store/callStore';
import { migrate, readSchemaVersion, SCHEMA_VERSION } from '../../src/core/store/schema';
import { emptyRecord } from '../../src/core/model';

const wasm = fs.readFileSync(path.join(process.cwd(), 'node_modules/sql.js/dist/sql-wasm.wasm'));

describe('store: numeric rows through the C API', function () {
  this.timeout(20_000);
  let sql: SqlJsStatic;
  before(async () => { sql = await loadSqlJs(wasm); });

  const rows = (s: SqlJsStatic | undefined, db: InstanceType<SqlJsStatic['Database']>, q: string, params: (number | string)[], n: number): number[][] => {
    const out: number[][] = [];
    eachNumberRow(s, db, q, params, n, r => out.push([...r]));
    return out;
  };

  it('statementRunner binds every value as Statement.run() does (ints, doubles, text, NULL, booleans, a BLOB by fallback), and reports a failed step', () => {
    const db = new sql.Database();
    try {
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, a, b, c NOT NULL)');
      const text = 'INSERT INTO t (a, b, c) VALUES (?, ?, ?), (?, ?, ?)';
      const st = db.prepare(text);
      const run = statementRunner(sql, db, st, text);
      assert.ok(run, 'the C API path is available in sql.js 1.17');
      // 2^31 and 1.7e12 are whole numbers outside int32: bound as doubles, stored by SQLite as given
      const values = [
        [7, -3, 2 ** 31], [0.25, -1.5, 1.7e12], ['é"x\'y,z', '', 'a\u0000b'], [null, true, false],
      ];
      // booleans are not SqlValues in the typings, but sql.js binds them (as 0/1)
      for (const v of values) run!([...v, ...v] as never);
      // rows 9 and 10 (a BLOB in row 9)
      st.run([new Uint8Array([1, 2]), 1, 'blob', 5, 6, 'x']);
      const viaRun = db.prepare('INSERT INTO t (a, b, c) VALUES (?, ?, ?), (?, ?, ?)');
      for (const v of values) viaRun.run([...v, ...v] as never);
      // the same eight rows (4 value sets, each twice) by either path (ids 1-8 and 11-18), with SQLite's own types
      const got = db.exec('SELECT a, b, c, typeof(a), typeof(b), typeof(c) FROM t WHERE id <= 8 ORDER BY id')[0].values;
      const want = db.exec('SELECT a, b, c, typeof(a), typeof(b), typeof(c) FROM t WHERE id BETWEEN 11 AND 18 ORDER BY id')[0].values;
      assert.deepStrictEqual(got, want);
      assert.deepStrictEqual(got[0], [7, -3, 2147483648, 'integer', 'integer', 'real']);
      assert.deepStrictEqual(got[4], ['é"x\'y,z', '', 'a\u0000b', 'text', 'text', 'text']);
      assert.deepStrictEqual(got[6], [null, 1, 0, 'null', 'integer', 'integer']);
      // a BLOB is left to Statement.run()
      run!([new Uint8Array([3, 4]), 2, 'b', 1, 2, 3]);
      assert.deepStrictEqual(db.exec('SELECT hex(a) FROM t WHERE typeof(a) = \'blob\' ORDER BY id')[0].values, [['0102'], ['0304']]);
      // NOT NULL: the step fails with SQLite's message, and the statement runs again afterwards
      assert.throws(() => run!([1, 2, null, 4, 5, 6]), /NOT NULL constraint failed: t\.c/);
      run!([1, 2, 3, 4, 5, 6]);
      // 8 + 2 + 8 + 2 (BLOB fallback) + 0 (failed) + 2 = 22 rows
      assert.deepStrictEqual(db.exec('SELECT count(*) FROM t')[0].values, [[22]]);
      st.free();
      viaRun.free();
    } finally {
      db.close();
    }
  });

  it('gives each cell as Number(get()) would, NULL and BLOB as NaN, by either path', () => {
    const db = new sql.Database();
    try {
      db.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, a, b REAL);
        INSERT INTO t VALUES (1, 7, 0.25), (2, NULL, -1.5), (3, '12.5', NULL), (4, 'abc', 0), (5, x'01', 3), (6, 9007199254740993, 1e300)`);
      const q = 'SELECT id, a, b FROM t WHERE id >= ? ORDER BY id';
      const want = [[1, 7, 0.25], [2, NaN, -1.5], [3, 12.5, NaN], [4, NaN, 0], [5, NaN, 3], [6, 9007199254740992, 1e300]];
      assert.deepStrictEqual(rows(sql, db, q, [1], 3), want);
      assert.deepStrictEqual(rows(undefined, db, q, [1], 3), want, 'Statement.get() fallback');
      assert.deepStrictEqual(rows(sql, db, q, [5], 3), want.slice(4), 'parameters are bound');
      assert.deepStrictEqual(rows(sql, db, 'SELECT 1 WHERE 0', [], 1), []);
      // an error raised by a step (not by prepare) is thrown with SQLite's message, and the statement freed
      assert.throws(() => rows(sql, db, 'SELECT abs(-9223372036854775807 - 1)', [], 1), /integer overflow/);
      assert.throws(() => rows(undefined, db, 'SELECT abs(-9223372036854775807 - 1)', [], 1), /integer overflow/);
    } finally {
      db.close();
    }
  });

  it('steps through the C API when given the module that made the database', () => {
    const db = new sql.Database();
    const raw = sql as unknown as { _sqlite3_step: (p: number) => number };
    const step = raw._sqlite3_step;
    let steps = 0;
    raw._sqlite3_step = (p: number): number => { steps++; return step(p); };
    try {
      assert.deepStrictEqual(rows(sql, db, 'SELECT 1, 2.5 UNION ALL SELECT 3, NULL', [], 2), [[1, 2.5], [3, NaN]]);
      assert.strictEqual(steps, 3, 'two rows and the end');
    } finally {
      raw._sqlite3_step = step;
      db.close();
    }
  });

  it('the store reloads its hour mirrors from one scan of roll_hour: hour totals and hour x model cost as the inserts built them', async () => {
    const T0 = Date.UTC(2026, 0, 10, 12), HOUR = 3_600_000;
    const store = await CallStore.open({ wasmBinary: wasm, retentionDays: 30 });
    try {
      const recs = [
        { ts: T0, model: 'a', cost: 0.5, ok: true }, { ts: T0 + 60_000, model: 'b', cost: 0.25, ok: false },
        { ts: T0 + 120_000, model: 'a', cost: null, ok: true }, { ts: T0 + HOUR, model: 'b', cost: 1, ok: true },
      ].map((r, i) => ({ ...emptyRecord(r.ts, '/x'), model: r.model, cost_usd: r.cost, cost_source: r.cost === null ? 'unpriced' as const : 'logged' as const,
        success: r.ok, offset: i, line: i + 1, cost_estimated: false, price_version: null }));
      store.insert(store.sourceId('f'), recs);
      const read = (): unknown[] => {
        const totals: unknown[] = [], models: unknown[] = [];
        store.eachHourTotal(0, Infinity, (h, s, m) => totals.push([h - T0, s, m[0]]));
        store.eachHourModelCost(0, Infinity, (h, m, calls, cost, unpriced) => models.push([h - T0, store.dimName('model', m), calls, cost, unpriced]));
        return [totals, models];
      };
      // nothing loaded yet: both mirrors come from the tables
      const loaded = read();
      assert.deepStrictEqual(loaded, [
        [[0, 0, 1], [0, 1, 2], [HOUR, 1, 1]],
        [[0, 'a', 2, 0.5, 1], [0, 'b', 1, 0.25, 0], [HOUR, 'b', 1, 1, 0]],
      ]);
      // later inserts go into both mirrors
      store.insert(store.sourceId('f'), [{ ...recs[1], offset: 9, line: 10 }]);
      assert.deepStrictEqual(read(), [
        [[0, 0, 2], [0, 1, 2], [HOUR, 1, 1]],
        [[0, 'a', 2, 0.5, 1], [0, 'b', 2, 0.5, 0], [HOUR, 'b', 1, 1, 0]],
      ]);
    } finally {
      store.close();
    }
  });

  it('open reads the store file on the thread pool: missing is a new store, unreadable is logged and rebuilt; a prefaulted heap still works', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimon-open-'));
    try {
      const file = path.join(dir, 'f.bin');
      assert.strictEqual(await readFileIfExistsAsync(file), null);
      const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
      fs.writeFileSync(file, bytes);
      assert.ok(Buffer.from((await readFileIfExistsAsync(file))!).equals(bytes));
      await assert.rejects(readFileIfExistsAsync(dir), /EISDIR|illegal operation/);
      const messages: string[] = [];
      const s = await CallStore.open({ wasmBinary: wasm, retentionDays: 30, file: dir, log: m => messages.push(m) });
      try {
        assert.strictEqual(messages.length, 1);
        assert.match(messages[0], /cannot be read/);
        assert.ok(s.isEmpty());
      } finally { s.close(); }

      prefaultHeap(sql, 16 << 20);
      prefaultHeap({} as SqlJsStatic, 1 << 20); // a build without malloc: nothing to do
      const db = new sql.Database();
      try {
        db.exec("CREATE TABLE t (x); WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < 5000) INSERT INTO t SELECT v FROM s");
        assert.deepStrictEqual(rows(sql, db, 'SELECT count(*), sum(x) FROM t', [], 2), [[5000, 5000 * 5001 / 2]]);
      } finally { db.close(); }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opening a store file at the current schema version writes nothing to it; an empty one is created and stamped', () => {
    const made = new sql.Database();
    let bytes: Uint8Array;
    try {
      assert.ok(migrate(made));
      bytes = made.export();
    } finally { made.close(); }
    const db = new sql.Database(bytes);
    try {
      assert.ok(migrate(db));
      assert.deepStrictEqual(db.exec('SELECT total_changes()')[0].values, [[0]]);
      assert.strictEqual(readSchemaVersion(db), SCHEMA_VERSION);
    } finally { db.close(); }
    const empty = new sql.Database();
    try {
      assert.ok(migrate(empty));
      assert.strictEqual(readSchemaVersion(empty), SCHEMA_VERSION);
    } finally { empty.close(); }
  });
});
