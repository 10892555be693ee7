// The CLI `export` subcommand: `api-monitor export --format csv|jsonl|json|html|md [--since 24h |
// --from ISO --to ISO] [--endpoint X] [--model Y] [--provider P] [--tz Zone] [--out file]`.
// Streams rows (csv, jsonl) to the file or stdout with back-pressure; builds one document for the
// report formats. The command table in cli.ts calls runExport(argv, ctx) with the args after "export".
import * as fs from 'fs';
import { once } from 'events';
import type { MonitorEngineApi } from './core/engine';
import type { QueryFilter } from './core/model';
import { EXPORT_STREAM_BUFFER, jsonlRows } from './core/export/csv';
import { csvExportChunks } from './core/export/storeCsv';
import { buildReportData, ReportExtras } from './core/export/reportBuilder';
import { summaryJson } from './core/export/reportData';
import { htmlReport } from './core/export/htmlReport';
import { markdownReport } from './core/export/markdownReport';

export type ExportFormat = 'csv' | 'jsonl' | 'json' | 'html' | 'md';
const FORMATS: readonly ExportFormat[] = ['csv', 'jsonl', 'json', 'html', 'md'];

export interface ExportContext {
  engine: MonitorEngineApi;
  /** stdout (used when there is no --out) */
  out: NodeJS.WritableStream;
  /** where messages go (default: process.stderr) */
  err?: NodeJS.WritableStream;
  /** current time (a number, as cli.ts's CommandContext gives it, or a clock) */
  now?: number | (() => number);
  /** display zone (cli.ts's --tz or settings); the subcommand's own --tz wins; default the machine's zone */
  timeZone?: string;
  /** defaults parsed by cli.ts before the subcommand ("text", its default, means csv here) */
  format?: string;
  since?: string;
  /** the range cli.ts worked out for --since (used when the subcommand has no range option of its own) */
  range?: { from: number; to: number };
  priceTableVersion?: string | null;
  /** pricing / alert parts of the report, when the caller has them */
  extras?: (filter: QueryFilter) => ReportExtras;
}

export interface ExportArgs {
  format: ExportFormat;
  filter: QueryFilter;
  timeZone: string;
  outFile: string | null;
  label: string;
}

export const EXPORT_USAGE = `Usage: api-monitor export [--format csv|jsonl|json|html|md] [--since 24h|7d|30m|2w|all | --from ISO --to ISO]
                          [--endpoint NAME] [--model NAME] [--provider NAME] [--tz ZONE] [--out FILE]
  csv, jsonl  one row per call (all columns), streamed
  json        metrics summary (every dashboard figure, with definitions)
  html, md    the same summary as a self-contained report
Default: --format csv --since 24h, time zone of the machine, output to stdout.
`;

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

export interface ExportDefaults {
  timeZone?: string;
  format?: string;
  since?: string;
  range?: { from: number; to: number };
}

/** Parse the arguments after "export"; returns an error message instead of throwing. */
export function parseExportArgs(argv: readonly string[], now: number, defaults: ExportDefaults = {}): ExportArgs | { error: string } {
  const opts = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) return { error: `unexpected argument "${a}"` };
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (!['format', 'since', 'from', 'to', 'endpoint', 'model', 'provider', 'tz', 'out'].includes(key)) return { error: `unknown option --${key}` };
    let value: string | undefined = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) return { error: `--${key} needs a value` };
    value = String(value);
    opts.set(key, value);
  }
  const inherited = defaults.format && defaults.format !== 'text' ? defaults.format : undefined;
  const format = (opts.get('format') ?? inherited ?? 'csv').toLowerCase() as ExportFormat;
  if (!FORMATS.includes(format)) return { error: `--format must be one of ${FORMATS.join(', ')}` };

  let from: number, to: number, label: string;
  if (opts.has('from') || opts.has('to')) {
    if (opts.has('since')) return { error: 'use either --since or --from/--to' };
    from = opts.has('from') ? Date.parse(opts.get('from')!) : 0;
    to = opts.has('to') ? Date.parse(opts.get('to')!) : now;
    if (!Number.isFinite(from)) return { error: `--from: not a date: ${opts.get('from')}` };
    if (!Number.isFinite(to)) return { error: `--to: not a date: ${opts.get('to')}` };
    if (to <= from) return { error: '--to must be after --from' };
    label = 'Custom range';
  } else if (!opts.has('since') && defaults.range) {
    from = defaults.range.from;
    to = defaults.range.to;
    label = defaults.since && defaults.since !== 'all' ? `Last ${defaults.since}` : 'All calls';
  } else if ((opts.get('since') ?? defaults.since) === 'all') {
    from = 0;
    to = now + 1;
    label = 'All calls';
  } else {
    const since = opts.get('since') ?? defaults.since ?? '24h';
    const m = /^(\d+(?:\.\d+)?)([mhdw])$/.exec(since);
    if (!m || !(Number(m[1]) > 0)) return { error: `--since must look like 30m, 24h, 7d or 2w, got "${since}"` };
    from = now - Number(m[1]) * UNIT_MS[m[2]];
    // +1 so a call stamped exactly now is inside the half-open range
    to = now + 1;
    label = `Last ${since}`;
  }
  const timeZone = opts.get('tz') ?? defaults.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
  try { new Intl.DateTimeFormat('en-US', { timeZone }); } catch { return { error: `--tz: unknown time zone "${timeZone}"` }; }
  const filter: QueryFilter = { from, to };
  if (opts.has('endpoint')) filter.endpoint = opts.get('endpoint');
  if (opts.has('model')) filter.model = opts.get('model');
  if (opts.has('provider')) filter.provider = opts.get('provider');
  return { format, filter, timeZone, outFile: opts.get('out') ?? null, label };
}

/** Run the export; resolves to the process exit code (0 ok, 2 bad arguments, 1 failure). */
export async function runExport(argv: string[], ctx: ExportContext): Promise<number> {
  const err = ctx.err ?? process.stderr;
  if (argv.includes('--help') || argv.includes('-h')) { ctx.out.write(EXPORT_USAGE); return 0; }
  const now = typeof ctx.now === 'number' ? ctx.now : (ctx.now ?? Date.now)();
  const args = parseExportArgs(argv, now, { timeZone: ctx.timeZone, format: ctx.format, since: ctx.since, range: ctx.range });
  if ('error' in args) { err.write(`export: ${args.error}\n${EXPORT_USAGE}`); return 2; }

  const file = args.outFile === null ? null : fs.createWriteStream(args.outFile, { highWaterMark: EXPORT_STREAM_BUFFER });
  const out: NodeJS.WritableStream = file ?? ctx.out;
  let failed: Error | null = null;
  const onError = (e: Error): void => { failed = e; };
  file?.on('error', onError);
  try {
    const write = async (chunk: string): Promise<void> => {
      if (failed) throw failed;
      // once() rejects if the stream errors while we wait for it to drain
      if (!out.write(chunk)) await once(out, 'drain');
      if (failed) throw failed;
    };
    // the rows of a cold ingest are written into the store in slices first (see MonitorEngineApi.callsReady)
    await ctx.engine.callsReady();
    if (args.format === 'csv' || args.format === 'jsonl') {
      const opts = { timeZone: args.timeZone };
      // CSV: written straight from the store's pages (src/core/export/storeCsv.ts)
      const chunks = args.format === 'csv' ? csvExportChunks(ctx.engine, args.filter, opts) : jsonlRows(ctx.engine.iterateCalls(args.filter), opts);
      for (const chunk of chunks) await write(chunk);
    } else {
      const data = buildReportData(ctx.engine, args.filter, {
        timeZone: args.timeZone, now, label: args.label, priceTableVersion: ctx.priceTableVersion ?? null,
        extras: ctx.extras?.(args.filter),
      });
      await write(args.format === 'json' ? summaryJson(data) : args.format === 'html' ? htmlReport(data) : markdownReport(data));
    }
    if (file) {
      file.end();
      await once(file, 'close');
      if (failed) throw failed;
      err.write(`export: wrote ${args.format} to ${args.outFile}\n`);
    }
    return 0;
  } catch (e) {
    file?.destroy();
    err.write(`export: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
