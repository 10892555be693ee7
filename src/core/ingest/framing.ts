// Byte-level framing of a stream of chunks into items: lines (JSON Lines), top-level JSON array
// elements at a key path (JSON arrays, snapshot, HAR, OTLP documents) and CSV records. Working on
// bytes keeps offsets exact (UTF-8 never uses ASCII bytes inside multi-byte characters) and memory
// bounded: only the unfinished item is carried between chunks, up to a maximum size.

import { isAscii } from 'buffer';

// Node >= 18.15 (VS Code ships 20): a SIMD check; without it every stretch takes the byte path
const asciiOf: (b: Buffer) => boolean = typeof isAscii === 'function' ? isAscii : () => false;

export type ProblemFn = (line: number, reason: string) => void;
/**
 * Called for each complete line of an all-ASCII stretch, with the stretch decoded once: `text` from
 * `start` to `end` is the line (without its line end). Byte offsets equal string indexes there.
 */
export type TextItemFn = (text: string, start: number, end: number, offset: number, line: number) => void;
/** Called for each item; `tentative` means "the last, unterminated line": return false to leave it unread. */
export type ItemFn = (buf: Buffer, start: number, end: number, offset: number, line: number, tentative: boolean) => boolean;

function mb(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / 1024 / 1024)} MB` : `${Math.round(n / 1024)} KB`;
}

export interface Framer {
  push(chunk: Buffer): void;
  /** end of the bytes available now; `final` when the stream is complete (gz, whole documents, parseText) */
  finish(final: boolean): void;
  /** absolute offset up to which everything was handled (safe checkpoint) */
  readonly consumed: number;
  /** lines fully handled before `consumed` */
  readonly line: number;
  /** the checkpoint is inside an over-long line that was already reported */
  readonly skipping: boolean;
}

export class LineFramer implements Framer {
  consumed: number;
  line: number;
  skipping: boolean;
  private carry: Buffer | null = null;
  private pos: number;

  constructor(offset: number, line: number, skipping: boolean, private readonly maxLine: number,
    private readonly onItem: ItemFn, private readonly onProblem: ProblemFn, private readonly onText: TextItemFn | null = null) {
    this.consumed = offset; this.pos = offset; this.line = line; this.skipping = skipping;
  }

  push(chunk: Buffer): void {
    let buf = chunk;
    let base = this.pos;
    let i = 0;
    this.pos += chunk.length;
    const carry = this.carry;
    if (carry) {
      this.carry = null;
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        buf = Buffer.concat([carry, chunk]);
        base = this.consumed;
      } else {
        // finish the carried line on its own instead of copying the whole chunk behind it
        this.lines(Buffer.concat([carry, chunk.subarray(0, nl + 1)]), this.consumed, 0);
        i = nl + 1;
      }
    }
    const n = buf.length;
    if (this.skipping) {
      // (never with a carry: an over-long line is dropped, not carried)
      const nl = buf.indexOf(10, 0);
      if (nl < 0) { this.consumed = base + n; return; }
      this.skipping = false;
      this.line++;
      i = nl + 1;
      this.consumed = base + i;
    }
    i = this.lines(buf, base, i);
    this.consumed = base + i;
    const rest = n - i;
    if (rest > this.maxLine) {
      this.onProblem(this.line + 1, `line longer than ${mb(this.maxLine)}, skipped`);
      this.skipping = true;
      this.consumed = base + n;
    } else if (rest > 0) {
      // copy so the big chunk can be freed
      this.carry = Buffer.from(buf.subarray(i));
    }
  }

  /** Hands over the complete lines of buf from i (`base` = absolute offset of buf[0]); returns the index after the last newline. */
  private lines(buf: Buffer, base: number, i: number): number {
    const last = buf.lastIndexOf(10);
    if (last < i) return i;
    if (this.onText !== null && asciiOf(buf.subarray(i, last))) {
      // latin1 decodes ASCII byte for byte (the cheapest decoder); the stretch ends with its newline
      this.textLines(buf.toString('latin1', i, last + 1), base + i);
      return last + 1;
    }
    let nl: number;
    while ((nl = buf.indexOf(10, i)) >= 0) {
      let end = nl;
      if (end > i && buf[end - 1] === 13) end--;
      this.line++;
      if (end > i) this.onItem(buf, i, end, base + i, this.line, false);
      i = nl + 1;
    }
    return i;
  }

  /**
   * The complete lines of an ASCII stretch (it ends with a newline), split on the decoded string:
   * one decode per chunk instead of one per line. `at` is the stretch's absolute offset.
   */
  private textLines(text: string, at: number): void {
    const onText = this.onText!;
    let i = 0;
    let line = this.line;
    let nl: number;
    while ((nl = text.indexOf('\n', i)) >= 0) {
      let end = nl;
      if (end > i && text.charCodeAt(end - 1) === 13) end--;
      line++;
      if (end > i) { this.line = line; onText(text, i, end, at + i, line); }
      i = nl + 1;
    }
    this.line = line;
  }

  finish(final: boolean): void {
    const c = this.carry;
    if (!c) return;
    let end = c.length;
    if (end > 0 && c[end - 1] === 13) end--;
    let s = 0;
    while (s < end && (c[s] === 32 || c[s] === 9)) s++;
    if (s === end) return; // only blanks: wait, they will be consumed with the next newline
    if (this.onItem(c, 0, end, this.consumed, this.line + 1, !final)) {
      this.line++;
      this.consumed += c.length;
      this.carry = null;
    }
  }
}

interface Frame { obj: boolean; prefix: number; key: string | null; expectKey: boolean; target: boolean }

/**
 * Yields the elements of the array found at `path` (e.g. [] for a top-level array, ['log', 'entries'] for
 * HAR, ['resourceSpans', '*', 'scopeSpans', '*', 'spans'] for every OTLP span) without holding the document: each element's bytes are handed over as soon as it is complete.
 */
export class JsonArrayFramer implements Framer {
  consumed: number;
  line = 1;
  readonly skipping = false;
  found = false;
  private stack: Frame[] = [];
  private inStr = false;
  private esc = false;
  private keyStart = -1;
  private elemStart = -1;
  private elemLine = 0;
  private tooBig = false;
  private carry: Buffer | null = null;
  private carryOffset = 0;
  private pos: number;
  private broken = false;

  private readonly wildcard: boolean;

  constructor(private readonly path: string[], offset: number, private readonly maxItem: number,
    private readonly onItem: ItemFn, private readonly onProblem: ProblemFn) {
    this.consumed = offset; this.pos = offset;
    this.wildcard = path.includes('*');
  }

  push(chunk: Buffer): void {
    if (this.broken) return;
    let buf = chunk;
    let base = this.pos;
    if (this.carry) { buf = Buffer.concat([this.carry, chunk]); base = this.carryOffset; this.carry = null; }
    let i = this.pos - base;
    this.pos += chunk.length;
    const n = buf.length;
    const path = this.path;
    const stack = this.stack;
    while (i < n) {
      if (this.inStr) {
        if (this.esc) { this.esc = false; i++; continue; }
        // tight loop to the closing quote
        while (i < n) {
          const c = buf[i];
          if (c === 92) { if (i + 1 < n) { i += 2; continue; } this.esc = true; i++; break; }
          if (c === 34) break;
          i++;
        }
        if (i >= n) break;
        if (this.esc) continue;
        this.inStr = false;
        if (this.keyStart >= 0) {
          const ks = this.keyStart - base;
          let key: string | null = null;
          try { key = JSON.parse(buf.toString('utf8', ks, i + 1)) as string; } catch { key = null; }
          stack[stack.length - 1].key = key;
          this.keyStart = -1;
        }
        i++;
        continue;
      }
      const c = buf[i];
      if (c === 32 || c === 9 || c === 13) { i++; continue; }
      if (c === 10) { this.line++; i++; continue; }
      const top = stack.length > 0 ? stack[stack.length - 1] : null;
      if (top && top.target && this.elemStart < 0 && !this.tooBig && c !== 44 && c !== 93) {
        this.elemStart = base + i;
        this.elemLine = this.line;
      }
      if (c === 34) {
        this.inStr = true;
        if (top && top.obj && top.expectKey && top.prefix >= 0 && top.prefix < path.length) this.keyStart = base + i;
      } else if (c === 123 || c === 91) {
        let prefix = -1;
        if (!top) prefix = 0;
        else if (top.prefix >= 0 && top.prefix < path.length) {
          // '*' in the path stands for every element of an array
          if (top.obj ? top.key === path[top.prefix] : path[top.prefix] === '*') prefix = top.prefix + 1;
        }
        const isObj = c === 123;
        const target = !isObj && prefix === path.length && (!this.found || this.wildcard);
        if (target) this.found = true;
        if (stack.length > 2000) { this.onProblem(this.line, 'JSON nested too deeply'); this.broken = true; return; }
        stack.push({ obj: isObj, prefix, key: null, expectKey: isObj, target });
      } else if (c === 125 || c === 93) {
        if (top && top.target && c === 93) this.endElement(buf, base, i);
        stack.pop();
      } else if (c === 44) {
        if (top) {
          if (top.target) this.endElement(buf, base, i);
          else if (top.obj) top.expectKey = true;
        }
      } else if (c === 58) {
        if (top && top.obj) top.expectKey = false;
      }
      i++;
    }
    if (this.tooBig && this.elemStart >= 0) this.elemStart = -1;
    if (this.elemStart >= 0 && base + n - this.elemStart > this.maxItem) {
      this.onProblem(this.elemLine, `record larger than ${mb(this.maxItem)}, skipped`);
      this.tooBig = true;
      this.elemStart = -1;
    }
    const keep = this.keyStart >= 0 ? (this.elemStart >= 0 ? Math.min(this.keyStart, this.elemStart) : this.keyStart) : this.elemStart;
    if (keep >= 0) { this.carry = Buffer.from(buf.subarray(keep - base)); this.carryOffset = keep; }
    this.consumed = base + n;
  }

  private endElement(buf: Buffer, base: number, i: number): void {
    if (this.tooBig) { this.tooBig = false; return; }
    if (this.elemStart < 0) return;
    this.onItem(buf, this.elemStart - base, i, this.elemStart, this.elemLine, false);
    this.elemStart = -1;
  }

  finish(final: boolean): void {
    if (!final || this.broken) return;
    if (this.elemStart >= 0 || (this.stack.length > 0 && this.found)) this.onProblem(this.elemStart >= 0 ? this.elemLine : this.line, 'document ends before the array is closed (truncated?)');
    else if (!this.found) this.onProblem(0, this.path.length ? `no "${this.path.join('.')}" array found` : 'no top-level JSON array found');
  }
}

/**
 * RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines. The first record is the
 * header (or the one given, when resuming from a checkpoint).
 */
export class CsvFramer implements Framer {
  consumed: number;
  line: number;
  skipping: boolean;
  header: string[] | null;
  private carry: Buffer | null = null;
  private pos: number;

  constructor(offset: number, line: number, skipping: boolean, header: string[] | null, private readonly maxRecord: number,
    private readonly onRow: (row: Record<string, string>, offset: number, line: number) => void,
    private readonly onProblem: ProblemFn) {
    this.consumed = offset; this.pos = offset; this.line = line; this.skipping = skipping; this.header = header;
  }

  push(chunk: Buffer): void {
    let buf = chunk;
    let base = this.pos;
    if (this.carry) { buf = Buffer.concat([this.carry, chunk]); base = this.consumed; this.carry = null; }
    this.pos += chunk.length;
    const n = buf.length;
    let i = 0;
    if (this.skipping) {
      const nl = buf.indexOf(10, 0);
      if (nl < 0) { this.consumed = base + n; return; }
      this.skipping = false; this.line++; i = nl + 1; this.consumed = base + i;
    }
    i = this.scan(buf, base, i, false);
    const rest = n - i;
    if (rest > this.maxRecord) {
      this.onProblem(this.line + 1, `CSV record longer than ${mb(this.maxRecord)} (unbalanced quote?), skipped`);
      // skip up to the next newline after the record start
      const nl = buf.indexOf(10, i);
      if (nl < 0) { this.skipping = true; this.consumed = base + n; return; }
      this.line++;
      this.consumed = base + nl + 1;
      const tail = buf.subarray(nl + 1);
      if (tail.length) { this.carry = Buffer.from(tail); }
    } else if (rest > 0) {
      this.carry = Buffer.from(buf.subarray(i));
    }
  }

  /** scans complete records from i; returns the index after the last complete record */
  private scan(buf: Buffer, base: number, i: number, final: boolean): number {
    const n = buf.length;
    let rowStart = i;
    let fields: string[] = [];
    let fStart = i;
    let quoted = false, dq = false, inQ = false;
    let lines = 0;
    const endField = (e: number): void => {
      let s = fStart;
      if (quoted) { s++; if (e > s && buf[e - 1] === 34) e--; }
      let v = buf.toString('utf8', s, e);
      if (dq) v = v.replace(/""/g, '"');
      fields.push(v);
      quoted = false; dq = false;
    };
    while (i < n) {
      const c = buf[i];
      if (inQ) {
        if (c === 34) {
          if (i + 1 < n && buf[i + 1] === 34) { dq = true; i += 2; continue; }
          if (i + 1 >= n && !final) return rowStart; // cannot tell "" from " yet
          inQ = false;
        } else if (c === 10) lines++;
        i++;
        continue;
      }
      if (c === 34 && i === fStart) { inQ = true; quoted = true; i++; continue; }
      if (c === 44) { endField(i); fStart = i + 1; i++; continue; }
      if (c === 10) {
        endField(i > fStart && buf[i - 1] === 13 ? i - 1 : i);
        this.row(fields, base + rowStart, this.line + 1);
        this.line += lines + 1;
        lines = 0;
        fields = [];
        i++;
        rowStart = i; fStart = i;
        this.consumed = base + i;
        continue;
      }
      i++;
    }
    if (final && rowStart < n && !inQ) {
      endField(n > fStart && buf[n - 1] === 13 ? n - 1 : n);
      this.row(fields, base + rowStart, this.line + 1);
      this.line += lines + 1;
      this.consumed = base + n;
      return n;
    }
    if (final && inQ) this.onProblem(this.line + 1, 'unterminated quoted CSV field at end of file');
    return rowStart;
  }

  private row(fields: string[], offset: number, line: number): void {
    if (fields.length === 1 && fields[0].trim() === '') return; // blank line
    if (!this.header) {
      this.header = fields.map((f, k) => (k === 0 ? f.replace(/^\uFEFF/, '') : f).trim());
      return;
    }
    const h = this.header;
    if (fields.length !== h.length) {
      this.onProblem(line, `CSV row has ${fields.length} fields, header has ${h.length}`);
      return;
    }
    const o: Record<string, string> = {};
    for (let k = 0; k < h.length; k++) if (fields[k] !== '') o[h[k]] = fields[k];
    this.onRow(o, offset, line);
  }

  finish(final: boolean): void {
    if (!final || !this.carry) return;
    const c = this.carry;
    this.carry = null;
    this.scan(c, this.consumed, 0, true);
  }
}
