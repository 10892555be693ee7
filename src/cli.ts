// `api-monitor`: the engine from a terminal. `api-monitor report <files or folders...>` reads the logs
// into an in-memory store and prints totals, per-endpoint and per-model tables, and what was skipped.
// Subcommands live in COMMANDS; each gets the argv after its name and a context with a loaded engine.
import * as fs from 'fs';
import * as path from 'path';
import { MonitorEngine } from './core/monitorEngine';
import type { QueryFilter, SourceStats } from './core/model';
import type { BreakdownRow, CostSummary, WindowStats } from './core/metrics/types';
import { createPricer } from './core/pricing/pricer';
import { formatUsd } from './core/pricing/format';
import { DEFAULT_EXCLUDES, DEFAULT_LOG_GLOBS, discoverFiles } from './core/ingest/discovery';
import { EXPORT_USAGE, runExport } from './cliExport';

export interface CliIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** current time (tests pin it) */
  now?: () => number;
  /** sql-wasm.wasm bytes (tests pass them; else found next to the bundle or in node_modules) */
  wasmBinary?: Uint8Array;
}

/** What every subcommand gets: its options parsed, the files found, and an engine holding them. */
export interface CommandContext {
  engine: MonitorEngine;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  files: string[];
  /** the --since range */
  range: { from: number; to: number };
  since: string;
  timeZone: string | undefined;
  format: string;
  now: number;
  /** the price table the calls were priced with */
  priceTableVersion: string;
}

export type Command = (argv: string[], ctx: CommandContext) => Promise<number>;

/** The command table: each subcommand gets the options cli.ts does not know, and a CommandContext. */
export const COMMANDS: Record<string, { run: Command; summary: string; usage?: string }> = {
  report: { run: runReport, summary: 'print totals, per-endpoint and per-model tables, and what was skipped' },
  export: { run: (argv, ctx) => runExport(argv, ctx), summary: 'write the calls (csv, jsonl) or a summary (json, html, md)', usage: EXPORT_USAGE },
};

export const USAGE = `Usage: api-monitor <command> <files or folders...> [options]

Commands:
${Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(8)} ${c.summary}`).join('\n')}

Options:
  --since 24h|7d|30d|all   calls of the last 24 hours / 7 days / 30 days before now (any <n>m|h|d|w), or all (default all)
  --format text|json       output format of report (default text); export has its own formats and filters:
                           api-monitor export --help
  --tz Zone                IANA time zone for days and zone-less timestamps (default: this machine's)
  -h, --help               this help

Folders are searched for log files: *.jsonl, *.ndjson (and rotated/.gz copies), api_metrics.json, *.har,
and .json/.csv/.log/.gz files inside log, logs, traces, telemetry or metrics folders. Name other files directly.
Exit codes: 0 ok, 1 error, 2 usage error.
`;

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** Length of a --since value (24h, 7d, 30d, 90m, 2w), null for 'all' or anything else. */
export function sinceMs(since: string): number | null {
  const m = /^(\d{1,6})([mhdw])$/.exec(since);
  return m && Number(m[1]) > 0 ? Number(m[1]) * UNIT_MS[m[2]] : null;
}

class UsageError extends Error {}

interface ParsedArgs {
  paths: string[];
  since: string;
  format: string;
  timeZone?: string;
  help: boolean;
  /** options this parser does not know, left for the subcommand */
  rest: string[];
}

export function parseArgs(argv: string[]): ParsedArgs {
  const out: ParsedArgs = { paths: [], since: 'all', format: 'text', help: false, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '-h' || a === '--help') out.help = true;
    else if (a === '--since') out.since = value();
    else if (a === '--format') out.format = value();
    else if (a === '--tz') out.timeZone = value();
    else if (a.startsWith('--') && a.includes('=')) {
      const [k, v] = [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)];
      if (k === '--since') out.since = v; else if (k === '--format') out.format = v; else if (k === '--tz') out.timeZone = v; else out.rest.push(a);
    } else if (a.startsWith('-')) {
      out.rest.push(a);
      // an unknown option's value, if any, goes with it
      if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('-')) out.rest.push(argv[++i]);
    } else out.paths.push(a);
  }
  if (out.since !== 'all' && sinceMs(out.since) === null) throw new UsageError(`--since must be 24h, 7d, 30d (any <n>m|h|d|w) or all (got ${out.since})`);
  if (out.timeZone !== undefined) {
    try { new Intl.DateTimeFormat('en-US', { timeZone: out.timeZone }); } catch { throw new UsageError(`unknown time zone: ${out.timeZone}`); }
  }
  return out;
}

const TOP_LEVEL_LOG_GLOBS = ['*.{jsonl,ndjson,json,csv,har,log,gz}'];

/** Log files under the given paths: files as given, folders searched with the default log globs. */
export async function findLogFiles(paths: string[]): Promise<{ files: string[]; missing: string[] }> {
  const files: string[] = [];
  const missing: string[] = [];
  for (const p of paths) {
    const st = await fs.promises.stat(p).catch(() => null);
    if (!st) missing.push(p);
    // a folder named on the command line is meant as a whole: besides the usual log globs, every file
    // of a log-like type directly inside it (so `report logs/` also reads logs/calls.csv)
    else if (st.isDirectory()) files.push(...await discoverFiles(p, [...DEFAULT_LOG_GLOBS, ...TOP_LEVEL_LOG_GLOBS], [...DEFAULT_EXCLUDES]));
    else files.push(path.resolve(p));
  }
  return { files: [...new Set(files)], missing };
}

function findWasm(): Uint8Array {
  const candidates = [
    path.join(__dirname, 'sql-wasm.wasm'),
    path.join(__dirname, '..', 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm'),
    path.join(process.cwd(), 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm'),
  ];
  for (const c of candidates) if (fs.existsSync(c)) return fs.readFileSync(c);
  throw new Error('sql-wasm.wasm not found next to the CLI or in node_modules/sql.js/dist');
}

/** Runs the CLI; returns the exit code (0 ok, 1 error, 2 usage). */
export async function main(argv: string[], io: CliIo = { out: process.stdout, err: process.stderr }): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    (name === undefined ? io.err : io.out).write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.err.write(`api-monitor: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  let opts: ParsedArgs;
  try {
    opts = parseArgs(args);
  } catch (e) {
    if (e instanceof UsageError) { io.err.write(`api-monitor ${name}: ${e.message}\n\n${USAGE}`); return 2; }
    throw e;
  }
  if (opts.help) { io.out.write(cmd.usage ?? USAGE); return 0; }
  if (name === 'report' && opts.format !== 'text' && opts.format !== 'json') {
    io.err.write(`api-monitor report: --format must be text or json (got ${opts.format})\n`);
    return 2;
  }
  // report takes only the common options: anything else (--endpoint, a typo) is an error, not ignored
  // (an unknown option also took the next argument as its value, so a file could go missing silently)
  const unknown = opts.rest.find(a => a.startsWith('-'));
  if (name === 'report' && unknown !== undefined) {
    io.err.write(`api-monitor report: unknown option ${unknown.split('=')[0]} (report takes --since, --format and --tz; export also filters)\n\n${USAGE}`);
    return 2;
  }
  if (!opts.paths.length) {
    io.err.write(`api-monitor ${name}: give at least one log file or folder\n\n${USAGE}`);
    return 2;
  }
  const { files, missing } = await findLogFiles(opts.paths);
  for (const m of missing) io.err.write(`api-monitor: not found: ${m}\n`);
  if (!files.length) {
    io.err.write('api-monitor: no log files found\n');
    return missing.length ? 2 : 1;
  }
  const now = (io.now ?? Date.now)();
  const pricer = createPricer();
  const engine = await MonitorEngine.create({
    wasmBinary: io.wasmBinary ?? findWasm(),
    // a report covers whatever the logs hold, however old
    retentionDays: 365_000,
    timeZone: opts.timeZone,
    now: () => now,
    log: m => io.err.write(`api-monitor: ${m}\n`),
    pricer,
    percentiles: 'exact',
    // dist/ingestWorker.js next to dist/cli.js: large logs parse in a worker thread while the store fills
    workerScript: path.join(__dirname, 'ingestWorker.js'),
  });
  try {
    await engine.ingestFiles(files);
    let range: { from: number; to: number };
    if (opts.since === 'all') {
      const b = engine.timeBounds();
      range = b ? { from: b.first, to: b.last + 1 } : { from: now, to: now };
    } else range = { from: now - sinceMs(opts.since)!, to: now + 1 };
    return await cmd.run(opts.rest, { engine, out: io.out, err: io.err, files, range, since: opts.since, timeZone: opts.timeZone, format: opts.format, now, priceTableVersion: pricer.version });
  } finally {
    engine.dispose();
  }
}

/** The data of a report (what --format json prints). */
export interface ReportData {
  since: string;
  from: number | null;
  to: number | null;
  timeZone: string | null;
  files: number;
  totals: WindowStats;
  cost: CostSummary;
  endpoints: BreakdownRow[];
  models: BreakdownRow[];
  sources: SourceStats[];
  /** genai-prices data version plus a hash of any overrides */
  priceTableVersion: string;
}

export function reportData(ctx: CommandContext): ReportData {
  const f: QueryFilter = ctx.range;
  const totals = ctx.engine.window(f);
  return {
    since: ctx.since, from: totals.calls ? f.from : null, to: totals.calls ? f.to : null, timeZone: ctx.timeZone ?? null,
    files: ctx.files.length, totals, cost: ctx.engine.costSummary(f),
    endpoints: ctx.engine.byEndpoint(f), models: ctx.engine.byModel(f), sources: ctx.engine.sources(),
    priceTableVersion: ctx.priceTableVersion,
  };
}

async function runReport(_argv: string[], ctx: CommandContext): Promise<number> {
  const data = reportData(ctx);
  ctx.out.write(ctx.format === 'json' ? JSON.stringify(data, null, 2) + '\n' : renderText(data));
  return 0;
}

const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
const ms = (x: number | null): string => (x === null ? '—' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);
const int = (x: number): string => Math.round(x).toLocaleString('en-US');

function table(head: string[], rows: string[][], rightFrom = 1): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
  const fmt = (r: string[]): string => r.map((c, i) => (i >= rightFrom ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [fmt(head), widths.map(w => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n') + '\n';
}

function breakdownTable(title: string, rows: BreakdownRow[]): string {
  if (!rows.length) return '';
  return `\n${title}\n` + table(['', 'calls', 'errors', 'success', 'avg', 'p95', 'cost', 'unpriced'],
    rows.map(r => [r.key, int(r.calls), int(r.errors), pct(r.successRate), ms(r.avgLatency), ms(r.p95), cost(r.costUsd, r.calls, r.unpricedCalls), int(r.unpricedCalls)]));
}

/** No priced call: the cost is unknown ("—"), not $0.00. */
const cost = (usd: number, calls: number, unpriced: number): string => (calls > 0 && unpriced === calls ? '—' : formatUsd(usd));

const MAX_PROBLEMS_SHOWN = 5;

export function renderText(d: ReportData): string {
  const t = d.totals;
  const when = d.from === null ? 'no calls' : `${new Date(d.from).toISOString()} to ${new Date(d.to! - 1).toISOString()}`;
  let s = `API Monitor report (${d.since === 'all' ? 'all calls' : `last ${d.since}`}): ${when}\n`;
  s += `${d.files} file(s) read${d.timeZone ? `, time zone ${d.timeZone}` : ''}\n\n`;
  s += table(['', ''], [
    ['calls', int(t.calls)],
    ['errors', `${int(t.errors)} (${pct(t.errorRate)})`],
    ['success rate', pct(t.successRate)],
    ['latency avg', ms(t.latency.avg)],
    [`latency p50 / p95 / p99 (${t.latency.method === 'exact' ? 'nearest rank' : 'approx.'}, n=${t.latency.n})`, `${ms(t.latency.p50)} / ${ms(t.latency.p95)} / ${ms(t.latency.p99)}`],
    ['throughput', t.throughputPerMin === null ? '—' : `${t.throughputPerMin.toFixed(2)} calls/min over the range`],
    ['response cache hit rate', pct(t.responseCacheHitRate)],
    ['prompt-cache share of input tokens', pct(t.promptCacheTokenShare)],
    ['tokens in / out', `${int(t.inputTokens)} / ${int(t.outputTokens)}`],
    ['cost', cost(t.costUsd, t.calls, t.unpricedCalls)],
    ['unpriced calls', int(t.unpricedCalls)],
    ['wasted (failed or retried calls)', formatUsd(d.cost.wastedCostUsd)],
    ['price table', d.priceTableVersion],
  ]).split('\n').slice(2).join('\n');
  s += breakdownTable('By endpoint', d.endpoints);
  s += breakdownTable('By model', d.models);
  const withProblems = d.sources.filter(src => src.skipped > 0);
  if (withProblems.length) {
    s += '\nSkipped\n';
    for (const src of withProblems) {
      s += `${src.path}: ${int(src.skipped)} skipped\n`;
      for (const p of src.problems.slice(0, MAX_PROBLEMS_SHOWN)) s += `  ${path.basename(p.file)}:${p.line}: ${p.reason}\n`;
      if (src.skipped > MAX_PROBLEMS_SHOWN) s += `  … and ${int(src.skipped - Math.min(MAX_PROBLEMS_SHOWN, src.problems.length))} more\n`;
    }
  }
  return s;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(code => { process.exitCode = code; }, (e: unknown) => {
    process.stderr.write(`api-monitor: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
