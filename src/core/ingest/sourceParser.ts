// Turns the bytes of one source into canonical records: framing (lines, array elements, CSV rows) plus
// the per-format mapper. Used by LogReader (streaming, checkpointed) and parseText (whole string).
import { CallRecord, LogFormat, OriginRecord, Problem } from '../model';
import { makeContext, mapRecord, MapContext } from './fields';
import { CsvFramer, Framer, JsonArrayFramer, LineFramer } from './framing';
import { mapHarEntry } from './har';
import { eachTracesDataSpan, mapSpan } from './otlp';

// spans of an OTLP document are streamed one by one, without their resource's attributes
const NO_RESOURCE = new Map<string, unknown>();
import { GZIP_MAGIC, Sniffed, sniffFormat } from './sniff';
import * as zlib from 'zlib';

export interface ParseLimits {
  /** longest line / record kept (bytes); longer ones are skipped and reported */
  maxItemBytes: number;
  /** problems kept as examples; all are counted in `skipped` */
  maxProblems: number;
}
export const DEFAULT_LIMITS: ParseLimits = { maxItemBytes: 1024 * 1024, maxProblems: 20 };

export interface ResumeState {
  offset: number;
  line: number;
  skipping: boolean;
  csvHeader: string[] | null;
}

function shortError(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.length > 100 ? m.slice(0, 100) + '…' : m;
}

export class SourceParser {
  records: OriginRecord[] = [];
  problems: Problem[] = [];
  skipped = 0;
  zoneAssumed = 0;
  /** problems kept over the parser's whole life (the cap is per source and read) */
  private problemsKept = 0;
  readonly framer: Framer;

  constructor(readonly file: string, readonly sniffed: Sniffed, private readonly ctx: MapContext, resume: ResumeState,
    private readonly limits: ParseLimits) {
    const problem = (line: number, reason: string): void => this.problem(line, reason);
    switch (sniffed.framing) {
      case 'csv':
        this.framer = new CsvFramer(resume.offset, resume.line, resume.skipping, resume.csvHeader, limits.maxItemBytes,
          (row, offset, line) => this.add(mapRecord(row, ctx), offset, line), problem);
        break;
      case 'array': {
        const harOrOtlp = sniffed.format === 'har' ? 1 : sniffed.format === 'otlp-json' ? 2 : 0;
        // HAR entries carry response bodies (images, base64): allow them more room
        this.framer = new JsonArrayFramer(sniffed.path, resume.offset, limits.maxItemBytes * (harOrOtlp === 1 ? 64 : 16),
          (buf, s, e, offset, line) => { this.element(buf, s, e, offset, line, harOrOtlp); return true; }, problem);
        break;
      }
      default:
        this.framer = new LineFramer(resume.offset, resume.line, resume.skipping, limits.maxItemBytes,
          (buf, s, e, offset, line, tentative) => this.jsonLine(buf, s, e, offset, line, tentative), problem,
          (text, s, e, offset, line) => this.jsonText(text, s, e, offset, line));
    }
  }

  get csvHeader(): string[] | null {
    return this.framer instanceof CsvFramer ? this.framer.header : null;
  }

  problem(line: number, reason: string): void {
    this.skipped++;
    if (this.problemsKept < this.limits.maxProblems) {
      this.problemsKept++;
      this.problems.push({ file: this.file, line, reason });
    }
  }

  private add(r: CallRecord | string, offset: number, line: number): void {
    if (typeof r === 'string') { this.problem(line, r); return; }
    const o = r as OriginRecord;
    o.offset = offset;
    o.line = line;
    if (r.zone_assumed) this.zoneAssumed++;
    this.records.push(o);
  }

  private jsonLine(buf: Buffer, s: number, e: number, offset: number, line: number, tentative: boolean): boolean {
    // skip blank lines without allocating
    if (offset === 0 && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3; // UTF-8 BOM
    let k = s;
    while (k < e && (buf[k] === 32 || buf[k] === 9)) k++;
    if (k === e) return true;
    let v: unknown;
    try {
      v = JSON.parse(buf.toString('utf8', s, e));
    } catch (err) {
      if (tentative) return false; // probably still being written
      this.problem(line, `malformed JSON: ${shortError(err)}`);
      return true;
    }
    if (tentative && (typeof v !== 'object' || v === null)) return false; // "12" may be the start of "123"
    if (this.sniffed.otlpLines) {
      let n = 0;
      // several spans share a line: offset + span index keeps identities distinct (a line of n spans
      // is far longer than n bytes, so they never reach the next line's offset)
      eachTracesDataSpan(v, this.ctx, r => this.add(r, offset + n++, line));
    } else {
      this.add(mapRecord(v, this.ctx), offset, line);
    }
    return true;
  }

  /** A complete line of an ASCII stretch (never tentative, never behind a BOM: both are byte-path cases). */
  private jsonText(text: string, s: number, e: number, offset: number, line: number): void {
    let k = s;
    let c: number;
    while (k < e && ((c = text.charCodeAt(k)) === 32 || c === 9)) k++;
    if (k === e) return;
    let v: unknown;
    try {
      v = JSON.parse(text.slice(s, e));
    } catch (err) {
      this.problem(line, `malformed JSON: ${shortError(err)}`);
      return;
    }
    if (this.sniffed.otlpLines) {
      let n = 0;
      eachTracesDataSpan(v, this.ctx, r => this.add(r, offset + n++, line));
    } else {
      this.add(mapRecord(v, this.ctx), offset, line);
    }
  }

  private element(buf: Buffer, s: number, e: number, offset: number, line: number, kind: number): void {
    let v: unknown;
    try {
      v = JSON.parse(buf.toString('utf8', s, e));
    } catch (err) {
      this.problem(line, `malformed JSON element: ${shortError(err)}`);
      return;
    }
    if (kind === 1) this.add(mapHarEntry(v, this.ctx), offset, line);
    else if (kind === 2) this.add(mapSpan(v, NO_RESOURCE, this.ctx), offset, line);
    else this.add(mapRecord(v, this.ctx), offset, line);
  }

  push(chunk: Buffer): void { this.framer.push(chunk); }
  finish(final: boolean): void { this.framer.finish(final); }

  /** hands over what was collected since the last call */
  take(): { records: OriginRecord[]; problems: Problem[]; skipped: number; zoneAssumed: number } {
    const out = { records: this.records, problems: this.problems, skipped: this.skipped, zoneAssumed: this.zoneAssumed };
    this.records = []; this.problems = []; this.skipped = 0; this.zoneAssumed = 0;
    return out;
  }
}

export interface ParseTextOptions {
  timeZone?: string;
  fieldMapping?: Record<string, string>;
  maxProblems?: number;
}

export interface ParsedText {
  format: LogFormat;
  records: OriginRecord[];
  problems: Problem[];
  skipped: number;
  zoneAssumed: number;
}

/** Parses a whole text (a complete file) at once: for tests, the CLI and pasted content. */
export function parseText(text: string, fileName: string, opts: ParseTextOptions = {}): ParsedText {
  return parseBuffer(Buffer.from(text, 'utf8'), fileName, opts);
}

/** Parses a complete file's bytes (gzip is detected by its magic bytes and decompressed). */
export function parseBuffer(buf: Buffer, fileName: string, opts: ParseTextOptions = {}): ParsedText {
  if (GZIP_MAGIC(buf)) {
    try { buf = zlib.gunzipSync(buf); } catch (e) {
      return { format: 'unknown', records: [], problems: [{ file: fileName, line: 0, reason: `corrupt gzip: ${shortError(e)}` }], skipped: 1, zoneAssumed: 0 };
    }
  }
  const sniffed = sniffFormat(buf.subarray(0, 65536), fileName);
  if (sniffed.problem) {
    return { format: sniffed.format, records: [], problems: [{ file: fileName, line: 0, reason: sniffed.problem }], skipped: 1, zoneAssumed: 0 };
  }
  const ctx = makeContext(opts.timeZone, opts.fieldMapping);
  const p = new SourceParser(fileName, sniffed, ctx, { offset: 0, line: 0, skipping: false, csvHeader: null },
    { ...DEFAULT_LIMITS, maxProblems: opts.maxProblems ?? DEFAULT_LIMITS.maxProblems });
  p.push(buf);
  p.finish(true);
  const t = p.take();
  return { format: sniffed.format, ...t };
}
