// `npm run bench [-- --quick]`: generates the logs (or reuses them), measures the floor, cold
// ingest, tail appends, dashboard refreshes, restart, CSV export, memory and the old pandas
// approach, then prints a table and writes bench/RESULTS.md.
//
// Each measurement that must start cold (floor, cold ingest, restart, export, pandas) runs in its
// own child process, so one does not warm up or pollute the memory of the next. Floor and cold
// ingest alternate so machine noise hits both alike: compare ratios measured in one run.
import * as childProcess from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ensureData, Manifest } from './generate';
import { runPhase, PhaseArgs, PhaseName } from './phases';
import { summarize, Summary } from './stats';
import { profileReport } from './profile';

const BENCH_DIR = path.resolve(__dirname, '..', '..', 'bench');
const DATA_DIR = path.join(BENCH_DIR, 'data');
const SEED = 20251203;
const DAYS = 30;

interface Row {
  what: string;
  /** undefined for a row that only carries a note */
  value?: Summary;
  unit: 'ms' | 's' | 'MB' | 'x' | 'count' | '';
  target?: string;
  met?: boolean | null;
  ratioToFloor?: number;
  note?: string;
}

function log(s: string): void {
  process.stderr.write(s + '\n');
}

function child(phase: PhaseName, args: PhaseArgs, nodeArgs: string[] = []): Record<string, unknown> {
  const resultFile = path.join(DATA_DIR, `.result-${process.pid}-${phase}.json`);
  try { fs.unlinkSync(resultFile); } catch { /* none */ }
  const r = childProcess.spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=4096', ...nodeArgs, __filename], {
    env: { ...process.env, BENCH_PHASE: phase, BENCH_ARGS: JSON.stringify({ ...args, resultFile }) },
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 900_000,
  });
  if (r.status !== 0 || !fs.existsSync(resultFile)) {
    return { error: `phase ${phase} failed (exit ${r.status ?? r.signal})` };
  }
  const out = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as Record<string, unknown>;
  fs.unlinkSync(resultFile);
  return out;
}

const num = (o: Record<string, unknown>, k: string): number | undefined => (typeof o[k] === 'number' ? (o[k] as number) : undefined);
const errOf = (o: Record<string, unknown>): string | undefined => (typeof o.error === 'string' ? o.error : undefined);

function fmt(x: number, unit: Row['unit']): string {
  if (!Number.isFinite(x)) return '—';
  if (unit === 'ms') return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
  if (unit === 's') return x.toFixed(2);
  if (unit === 'MB') return x.toFixed(0);
  if (unit === 'x') return x.toFixed(1);
  if (unit === 'count') return Math.round(x).toLocaleString('en-US');
  return String(x);
}

function tableMarkdown(rows: Row[]): string {
  const out = ['| what | median | min-max | target | met | ratio to floor |', '|---|---:|---:|---|:---:|---:|'];
  for (const r of rows) {
    const u = r.unit && r.unit !== 'count' && r.unit !== 'x' ? ` ${r.unit}` : r.unit === 'x' ? 'x' : '';
    const med = r.value ? fmt(r.value.median, r.unit) + u : '—';
    const range = r.value && r.value.n > 1 ? `${fmt(r.value.min, r.unit)}-${fmt(r.value.max, r.unit)}${u} (n=${r.value.n})` : '';
    const met = r.met === true ? 'met' : r.met === false ? '**NOT MET**' : '';
    const ratio = r.ratioToFloor !== undefined ? `${r.ratioToFloor.toFixed(2)}x` : '';
    const what = r.note ? `${r.what} (${r.note})` : r.what;
    out.push(`| ${what} | ${med} | ${range} | ${r.target ?? ''} | ${met} | ${ratio} |`);
  }
  return out.join('\n');
}

function tableText(rows: Row[]): string {
  return tableMarkdown(rows).split('\n').filter((_, i) => i !== 1).map(l => l.replace(/^\| | \|$/g, '').replace(/\*\*/g, '')).join('\n');
}

function gitCommit(): string {
  try {
    const sha = childProcess.execSync('git rev-parse --short HEAD', { cwd: BENCH_DIR, encoding: 'utf8' }).trim();
    // the results files themselves (rewritten by every run) do not make the measured code differ from the commit
    const dirty = childProcess.execSync('git status --porcelain --untracked-files=no', { cwd: BENCH_DIR, encoding: 'utf8' })
      .split('\n').filter(l => l.trim() && !/ bench\/(RESULTS\.md|results\/)/.test(l)).join('\n');
    return dirty ? `${sha} (with uncommitted changes in the tree)` : sha;
  } catch {
    return 'unknown';
  }
}

function findPython(): { python: string; version: string } | null {
  // The PATH python3 may be a pyenv shim without pandas; Debian's python3-pandas lives under /usr/bin.
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = childProcess.spawnSync(py, ['-c', 'import pandas; print(pandas.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python: py, version: r.stdout.trim() };
  }
  return null;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const only = argv.find(a => a.startsWith('--only='))?.slice(7).split(',');
  const want = (s: string): boolean => !only || only.includes(s);
  const runs = quick ? 3 : 5;
  const started = Date.now();
  const loadStart = os.loadavg()[0];
  const profile = argv.find(a => a.startsWith('--profile='))?.slice(10) as PhaseName | undefined;

  const small = ensureData(DATA_DIR, { calls: 100_000, days: DAYS, seed: SEED }, log);
  const big = quick ? small : ensureData(DATA_DIR, { calls: 1_000_000, days: DAYS, seed: SEED }, log);
  const n = big.manifest.calls;
  const nLabel = n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`;
  const base: PhaseArgs = { file: big.file, manifest: big.manifest, dataDir: DATA_DIR, runs };

  // --profile=<phase>: run that phase once under the V8 profiler and print where its time goes.
  if (profile) {
    const dir = path.join(DATA_DIR, 'prof');
    fs.rmSync(dir, { recursive: true, force: true });
    const sessionStore = path.join(DATA_DIR, `store-${n}.sqlite`);
    const extraArgs = { storeFile: sessionStore, tailFile: path.join(DATA_DIR, `tail-${n}.jsonl`) };
    const r = child(profile, { ...base, ...extraArgs, runs: 1 }, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200']);
    console.log(JSON.stringify(r, (_k, v: unknown) => (Array.isArray(v) && v.length > 8 ? `[${v.length} values]` : v), 1));
    for (const f of fs.readdirSync(dir).filter(f => f.endsWith('.cpuprofile'))) {
      console.log(profileReport(path.join(dir, f), path.resolve(BENCH_DIR, '..')));
    }
    return;
  }
  const rows: Row[] = [];
  const notes: string[] = [];
  const extra: string[] = [];

  // 1. Floor and cold ingest, alternating.
  const floors: number[] = [];
  const colds: Record<string, number[]> = { total: [], create: [], ingest: [], queries: [], finish: [], ingestStall: [], finishStall: [] };
  const parses: number[] = [];
  const coldRss: number[] = [];
  const coldWasm: number[] = [];
  let coldError: string | undefined;
  if (want('ingest')) {
    const t0 = Date.now();
    for (let i = 0; i < runs; i++) {
      // A slow engine must not make the bench take an hour: after 3 pairs, stop once 2 minutes went by.
      if (i >= 3 && Date.now() - t0 > 120_000) break;
      log(`floor + cold ingest ${i + 1}/${runs} (${nLabel})`);
      const f = child('floor', base);
      const fm = num(f, 'ms');
      if (fm !== undefined) floors.push(fm);
      const pm = num(child('parse', base), 'ms');
      if (pm !== undefined) parses.push(pm);
      const c = child('cold', base);
      coldError = errOf(c) ?? coldError;
      for (const k of Object.keys(colds)) {
        const v = num(c, k + 'Ms');
        if (v !== undefined) colds[k].push(v);
      }
      const r = num(c, 'rssIncreaseMb');
      if (r !== undefined) coldRss.push(r);
      const w = num(c, 'wasmHeapMb');
      if (w !== undefined) coldWasm.push(w);
    }
  }
  const floor = floors.length ? summarize(floors) : undefined;
  if (floor) rows.push({ what: `floor: read + split + JSON.parse, ${nLabel} lines`, value: summarize(floors.map(x => x / 1000)), unit: 's' });
  if (parses.length) {
    rows.push({ what: `parse only: the extension's log reader to records, no store, ${nLabel} lines`, value: summarize(parses.map(x => x / 1000)), unit: 's',
      ratioToFloor: floor ? summarize(parses).median / floor.median : undefined });
  }
  if (colds.total.length) {
    const t = summarize(colds.total.map(x => x / 1000));
    const ratio = floor ? summarize(colds.total).median / floor.median : undefined;
    rows.push({ what: `cold ingest to first dashboard data, ${nLabel}`, value: t, unit: 's', target: '≤ 2.0 s and ≤ 2x floor',
      met: t.median <= 2.0 && (ratio === undefined || ratio <= 2), ratioToFloor: ratio });
    rows.push({ what: '  of which engine create (sql.js init)', value: summarize(colds.create), unit: 'ms' });
    rows.push({ what: '  of which ingestFiles', value: summarize(colds.ingest.map(x => x / 1000)), unit: 's',
      ratioToFloor: floor ? summarize(colds.ingest).median / floor.median : undefined });
    rows.push({ what: '  of which Real-time tab queries (24 h)', value: summarize(colds.queries), unit: 'ms' });
    if (colds.finish.length) {
      rows.push({ what: '  then, after the first data: raw rows written into SQLite, then the rollup tables, by the store\'s timer in steps from 1 s after the load (wall time until the store is complete)',
        value: summarize(colds.finish.map(x => x / 1000)), unit: 's' });
    }
    if (colds.ingestStall.length) {
      const st = summarize(colds.ingestStall);
      rows.push({ what: 'event loop: longest stall during the cold ingest and its first data (5 ms probe timer)', value: st, unit: 'ms',
        target: '≤ 100 ms', met: st.median <= 100 });
    }
    if (colds.finishStall.length) {
      const st = summarize(colds.finishStall);
      rows.push({ what: 'event loop: longest stall while the store finishes after the first data', value: st, unit: 'ms',
        target: '≤ 100 ms', met: st.median <= 100 });
    }
    if (coldRss.length) {
      // each cold ingest is a fresh process: a median of several readings, where the session's is one
      const r = summarize(coldRss);
      rows.push({ what: `memory: RSS increase after a cold ingest of ${nLabel}, the store complete (after GC)`, value: r, unit: 'MB',
        target: '≤ 150 MB', met: r.median <= 150 });
    }
    if (coldWasm.length) rows.push({ what: '  of which the sql.js WASM heap', value: summarize(coldWasm), unit: 'MB' });
  } else if (want('ingest')) {
    rows.push({ what: `cold ingest to first dashboard data, ${nLabel}`, unit: '', target: '≤ 2.0 s and ≤ 2x floor', met: null, note: `not measured: ${coldError}` });
  }

  // 1b. The store's share alone: records parsed by the bench's own mapper, inserted as ingestFiles does.
  if (want('store')) {
    const ins: number[] = [];
    const idx: number[] = [];
    let err: string | undefined;
    const t0 = Date.now();
    for (let i = 0; i < 2; i++) {
      if (i > 0 && Date.now() - t0 > 20_000) break;
      log(`store only ${i + 1}/2 (${nLabel})`);
      const r = child('store', base);
      err = errOf(r) ?? err;
      const a = num(r, 'insertMs');
      const b = num(r, 'indexMs');
      if (a !== undefined && b !== undefined) { ins.push(a); idx.push(b); }
    }
    if (ins.length) {
      rows.push({ what: `store only: insert + rollups of ${nLabel} pre-parsed records (engine.ingestRecords, bulk mode)`, value: summarize(ins.map(x => x / 1000)), unit: 's',
        ratioToFloor: floor ? summarize(ins).median / floor.median : undefined });
      rows.push({ what: '  raw rows and rollup tables written after the bulk load (after the first data in a cold ingest), all at once', value: summarize(idx), unit: 'ms' });
    } else {
      rows.push({ what: 'store only: insert + rollups', unit: '', note: `not measured: ${err}` });
    }
  }

  // 2. A long session: refreshes, appends, memory, persistence.
  let session: Record<string, unknown> = {};
  if (want('session')) {
    log(`session (${nLabel}): dashboard refreshes, appends, 720 refreshes, persist`);
    session = child('session', base);
    const e = errOf(session);
    if (e) notes.push(`session: ${e}`);
    for (const p of ['appendStore', 'appendPanels', 'appendBehind'] as const) {
      const xs = session[p + 'Ms'] as number[] | undefined;
      if (!xs || !xs.length) continue;
      const s = summarize(xs);
      const sorted = [...xs].sort((a, b) => a - b);
      const p50 = sorted[Math.ceil(0.5 * sorted.length) - 1];
      const p95 = sorted[Math.ceil(0.95 * sorted.length) - 1];
      if (p === 'appendStore') {
        rows.push({ what: `append 1,000 lines → updated store, p50 (${xs.length} appends)`, value: { ...s, median: p50 }, unit: 'ms', target: '≤ 5 ms', met: p50 <= 5 });
        rows.push({ what: 'append 1,000 lines → updated store, p95', value: { median: p95, min: s.min, max: s.max, n: s.n }, unit: 'ms', target: '≤ 10 ms', met: p95 <= 10 });
      } else if (p === 'appendBehind') {
        rows.push({ what: '  then its raw rows written into SQLite behind it (the store\'s timer, 250 ms later; one slice of the event loop), p50', value: { ...s, median: p50 }, unit: 'ms' });
        rows.push({ what: '  then its raw rows written into SQLite behind it, p95', value: { median: p95, min: s.min, max: s.max, n: s.n }, unit: 'ms' });
      } else {
        rows.push({ what: 'append 1,000 lines → refreshed Real-time panel data, p50', value: { ...s, median: p50 }, unit: 'ms', target: '≤ 25 ms', met: p50 <= 25 });
        rows.push({ what: 'append 1,000 lines → refreshed Real-time panel data, p95', value: { median: p95, min: s.min, max: s.max, n: s.n }, unit: 'ms', target: '≤ 25 ms', met: p95 <= 25 });
      }
    }
    for (const range of ['24h', '30d']) {
      const full = session[`refresh_${range}_totalMs`] as number[] | undefined;
      if (!full) continue;
      const s = summarize(full);
      rows.push({ what: `full dashboard refresh (all tabs), ${range}, first after new data (1 call ingested before each)`, value: s, unit: 'ms', target: '≤ 50 ms', met: s.median <= 50 });
      const panels = session[`refresh_${range}_panels`] as Record<string, number[] | string> | undefined;
      for (const [name, xs] of Object.entries(panels ?? {})) {
        if (typeof xs === 'string') {
          rows.push({ what: `  panel ${name}`, unit: '', target: '≤ 10 ms', met: null, note: xs });
          continue;
        }
        const ps = summarize(xs);
        rows.push({ what: `  panel ${name}`, value: ps, unit: 'ms', target: '≤ 10 ms', met: ps.median <= 10 });
      }
    }
    const memRows: [string, string, string?, number?][] = [
      ['rssIncreaseAfterLoadMb', `memory: RSS increase after loading ${nLabel} in the session process (after GC; one reading, see the cold ingest's row for the median of ${runs})`],
      ['rssAfterLoadMb', 'memory: RSS after load'],
      ['wasmHeapAfterLoadMb', 'memory: sql.js WASM heap after load'],
      ['arrayBuffersAfterLoadMb', 'memory: JS ArrayBuffers after load (sql.js MEMFS database file)'],
      ['peakRssDuringIngestMb', 'memory: peak RSS during the ingest'],
      ['rssAfterRefreshesMb', `memory: RSS after ${num(session, 'refreshLoopCount') ?? '?'} Real-time refreshes (24 h, back to back, as auto-refresh does for an hour at 5 s)`],
      ['wasmHeapAfterRefreshesMb', 'memory: WASM heap after those refreshes'],
      ['rssGrowthOverRefreshesMb', 'memory: RSS growth over those refreshes', '≤ 20 MB (no leak)', 20],
      ['refreshLoopS', `time of the ${num(session, 'refreshLoopCount') ?? '?'} Real-time refreshes (720 wanted, capped at 60 s)`],
      ['persistMs', 'persist the store to a file'],
      ['storeFileMb', 'persisted store file size'],
    ];
    for (const [k, label, target, limit] of memRows) {
      const v = num(session, k);
      if (v === undefined) continue;
      const unit: Row['unit'] = k.endsWith('Mb') ? 'MB' : k.endsWith('S') ? 's' : 'ms';
      rows.push({ what: label, value: { median: v, min: v, max: v, n: 1 }, unit, target,
        met: limit !== undefined ? v <= limit : undefined });
    }
    const count = session.countCheck as string | undefined;
    if (count) extra.push(`Session record count: ${count}`);
    const panelNote = session.panelNote as string | undefined;
    if (panelNote) extra.push(panelNote);
  }

  // 3. Restart from the persisted store.
  if (want('restart') && typeof session.storeFile === 'string') {
    const xs: number[] = [];
    const checks: string[] = [];
    let err: string | undefined;
    for (let i = 0; i < Math.min(runs, 3); i++) {
      log(`restart ${i + 1}`);
      const r = child('restart', { ...base, storeFile: session.storeFile as string, tailFile: session.tailFile as string, expectCalls: num(session, 'totalCalls') });
      err = errOf(r) ?? err;
      const m = num(r, 'ms');
      if (m !== undefined) xs.push(m);
      if (typeof r.check === 'string') checks.push(r.check);
      if (r.ok === false) checks.push('FAILED');
    }
    if (xs.length) {
      const s = summarize(xs.map(x => x / 1000));
      rows.push({ what: 'restart with the persisted store → dashboard data', value: s, unit: 's', target: '≤ 1.0 s', met: s.median <= 1.0 });
    } else {
      rows.push({ what: 'restart with the persisted store → dashboard data', unit: '', target: '≤ 1.0 s', met: null, note: `not measured: ${err}` });
    }
    if (checks.length) {
      const ok = !checks.includes('FAILED');
      rows.push({ what: 'restart: no line read twice (record count unchanged)', unit: '', target: 'unchanged', met: ok, note: checks[0] });
    }
  }

  // 4. CSV export of every call. Without the session phase (--only=export), the store an earlier
  // session persisted is exported (the profile option reads the same file).
  const priorStore = path.join(DATA_DIR, `store-${n}.sqlite`);
  if (want('export') && !want('session') && fs.existsSync(priorStore)) session.storeFile = priorStore;
  if (want('export') && typeof session.storeFile === 'string') {
    const xs: number[] = [];
    const peaks: number[] = [];
    let err: string | undefined;
    let rowsOut: number | undefined;
    const t0 = Date.now();
    for (let i = 0; i < Math.min(runs, 3); i++) {
      // A slow export is measured once: repeating it would not change the verdict, only the run time.
      if (i > 0 && Date.now() - t0 > 20_000) break;
      log(`export ${i + 1}`);
      const r = child('export', { ...base, storeFile: session.storeFile as string });
      err = errOf(r) ?? err;
      const m = num(r, 'ms');
      if (m !== undefined) xs.push(m);
      const p = num(r, 'peakIncreaseMb');
      if (p !== undefined) peaks.push(p);
      rowsOut = num(r, 'rows') ?? rowsOut;
    }
    if (xs.length) {
      const s = summarize(xs.map(x => x / 1000));
      rows.push({ what: `export ${rowsOut?.toLocaleString('en-US') ?? '?'} calls to CSV (file)`, value: s, unit: 's', target: '≤ 3 s', met: s.median <= 3 });
      if (peaks.length) {
        const ps = summarize(peaks);
        rows.push({ what: '  peak RSS above the pre-export RSS during the export', value: ps, unit: 'MB', target: '≤ 100 MB (bounded)', met: ps.max <= 100 });
      }
    } else {
      rows.push({ what: 'export calls to CSV', unit: '', target: '≤ 3 s', met: null, note: `not measured: ${err}` });
    }
  }

  // 5. The old system's approach.
  if (want('pandas')) {
    const py = findPython();
    if (!py) {
      rows.push({ what: 'pandas read_json + groupby', unit: '', note: 'skipped: no python3 with pandas (tried python3, /usr/bin/python3)' });
    } else {
      const xs: number[] = [];
      const rss: number[] = [];
      for (let i = 0; i < Math.min(runs, 3); i++) {
        log(`pandas ${i + 1} (${py.python}, pandas ${py.version})`);
        const r = childProcess.spawnSync(py.python, [path.join(BENCH_DIR, 'pandasSummary.py'), big.file], { encoding: 'utf8', timeout: 900_000 });
        if (r.status !== 0) {
          notes.push(`pandas failed: ${r.stderr.slice(-300)}`);
          break;
        }
        const o = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { totalMs: number; peakRssMb: number };
        xs.push(o.totalMs);
        rss.push(o.peakRssMb);
      }
      if (xs.length) {
        const s = summarize(xs.map(x => x / 1000));
        rows.push({ what: `pandas read_json(lines=True) + groupby endpoint, ${nLabel} (pandas ${py.version})`, value: s, unit: 's',
          ratioToFloor: floor ? (s.median * 1000) / floor.median : undefined });
        rows.push({ what: '  pandas peak RSS', value: summarize(rss), unit: 'MB' });
        if (colds.total.length) {
          const ratio = (s.median * 1000) / summarize(colds.total).median;
          rows.push({ what: 'pandas time / our cold ingest to first data', value: { median: ratio, min: ratio, max: ratio, n: 1 }, unit: 'x', target: '≥ 5x', met: ratio >= 5 });
        }
      }
    }
  }

  // 6. Report.
  const m = big.manifest;
  const sqlJsVersion = (() => {
    try {
      return (JSON.parse(fs.readFileSync(path.join(BENCH_DIR, '..', 'node_modules', 'sql.js', 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  })();
  const cpus = os.cpus();
  const header = [
    `# Benchmark results${quick ? ' (quick: 100k calls; the targets are for 1M)' : ''}`,
    '',
    `Generated by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${new Date().toISOString()} in ${((Date.now() - started) / 1000).toFixed(0)} s.`,
    '',
    `- machine: ${cpus.length} x ${cpus[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GB RAM, ${os.type()} ${os.release()} ${os.arch()}`,
    `- versions: node ${process.version}, sql.js ${sqlJsVersion}, code commit ${gitCommit()}`,
    `- data: ${m.calls.toLocaleString('en-US')} calls over ${m.days} days ending ${new Date(m.endMs).toISOString()}, ${(m.bytes / 1e6).toFixed(0)} MB (${(m.bytes / m.calls).toFixed(0)} bytes/line), seed ${m.seed}, generator v${m.version} (bench/generate.ts)`,
    `- medians of ${runs} runs (each cold measurement in a fresh process) unless n says otherwise; the machine is noisy, so compare ratios within one run`,
    `- load average (1 min) at the start ${loadStart.toFixed(1)}, at the end ${os.loadavg()[0].toFixed(1)} (on ${cpus.length} cores: above ${cpus.length} means other work shared the CPUs)`,
    '- "full dashboard refresh" = every query of every tab for one range, as src/host/dashboard/dashboardController.ts makes them (filter meta, Real-time, History, Cost with projection against a monthly budget and recommendations, Cache with savings), without the controller\'s short-lived caches: the snapshot right after an ingest. The engine memoises query results until its data changes, so before each measured refresh one generated call stamped at the clock is appended to a file of its own and ingested (as a live tail does; the store\'s generation changes), and those calls are removed again before the count check and persist. "panel" rows are the single calls inside it (summed when a tab calls the same query more than once). The Alerts tab reads the alert history, not the call store, and is left out.',
    '- appends: 1,000 generated lines appended to a tailed file, each after 100 ms with the event loop idle (a tailed file changes with time between the changes; the generated calls are stamped 3 s apart), then `engine.ingestFiles([thatFile])` (the watcher\'s own delay is not included); "refreshed panel data" adds the Real-time tab\'s queries. "Updated store" means every query answers with the new calls: the in-memory rollups, pending rollup changes and recent rows are updated; the raw rows go into SQLite\'s calls table behind it (any query of calls writes them first), and that write is the row after it, measured before the next append',
    '- where the time goes, with the functions to fix: bench/FINDINGS.md',
    '',
  ];
  const md = [...header, tableMarkdown(rows), '', ...extra.map(e => `- ${e}`), ...notes.map(e => `- note: ${e}`), '',
    'How each row is measured: see the comments in bench/run.ts and bench/phases.ts.', ''].join('\n');
  console.log('\n' + tableText(rows) + '\n');
  for (const e of [...extra, ...notes]) console.log(e);
  // A quick run must not overwrite the committed full results: it goes next to the (gitignored) data.
  const out = quick ? path.join(DATA_DIR, 'RESULTS-quick.md') : path.join(BENCH_DIR, 'RESULTS.md');
  fs.writeFileSync(out, md);
  log(`written to ${path.relative(process.cwd(), out)}`);
}

const phase = process.env.BENCH_PHASE as PhaseName | undefined;
if (phase) {
  const args = JSON.parse(process.env.BENCH_ARGS ?? '{}') as PhaseArgs & { resultFile: string };
  // A phase runs as in the extension host, whose event loop always has a handle (its IPC channel to the
  // window). A bare Node process whose loop runs out of handles (awaiting sql.js's WASM compile, say)
  // blocks in Node's DrainTasks until V8's background compile jobs (the WASM tier-up) are done: after
  // sql.js's first statements, a setImmediate came 57-67 ms late without a handle and 0.2 ms late with
  // this timer; in the cold phase it was part of the longest stall measured (82-116 -> 65-71 ms).
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  runPhase(phase, args).then(
    r => fs.writeFileSync(args.resultFile, JSON.stringify(r)),
    (e: unknown) => {
      fs.writeFileSync(args.resultFile, JSON.stringify({ error: e instanceof Error ? e.message : String(e) }));
    },
  ).finally(() => clearInterval(keepAlive));
} else {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}

export type { Manifest };
