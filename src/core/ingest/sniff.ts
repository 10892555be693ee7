// Format detection from the first bytes of the (uncompressed) content; the file name is only a tie-breaker.
import { LogFormat } from '../model';

export type Framing = 'lines' | 'array' | 'csv' | 'none';

export interface Sniffed {
  format: LogFormat;
  framing: Framing;
  /** for 'array' framing: key path of the array whose elements are the records */
  path: string[];
  /** for 'lines' framing of OTLP: each line is a TracesData document */
  otlpLines: boolean;
  /** why the file cannot be read (binary, unknown) */
  problem?: string;
}

export const OTLP_SPANS_PATH: string[] = ['resourceSpans', '*', 'scopeSpans', '*', 'spans'];

export const GZIP_MAGIC = (b: Buffer): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

const CSV_HEADER_WORDS = /(^|[,";])\s*"?(ts|timestamp|time|date|datetime|created_at|start_?time|@timestamp|endpoint|route|path|url|latency(_ms)?|duration(_ms)?|status(_code)?|model)"?\s*($|[,";])/i;

/** true when the bytes look like binary data rather than text */
export function looksBinary(head: Buffer): boolean {
  const n = Math.min(head.length, 8192);
  let ctrl = 0;
  for (let i = 0; i < n; i++) {
    const c = head[i];
    if (c === 0) return true;
    if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) ctrl++;
  }
  return n > 0 && ctrl / n > 0.05;
}

function has(head: string, key: string): boolean {
  return head.includes(`"${key}"`);
}

function isLiteLLM(head: string): boolean {
  return (has(head, 'startTime') || has(head, 'start_time')) && (has(head, 'response_cost') || has(head, 'spend'))
    || (has(head, 'call_type') && (has(head, 'api_base') || has(head, 'custom_llm_provider') || has(head, 'response_cost')));
}

/**
 * Decides the format from the head of the content (say the first 64 KB). Rules, in order:
 * binary bytes -> unknown with a problem; first non-blank char `[` -> a JSON array of records
 * (LiteLLM when its keys show); `{` -> if the first line is a complete JSON object: OTLP lines when it
 * has `resourceSpans`, the legacy snapshot when it has `recent_calls`, HAR when it has `log.entries`,
 * LiteLLM lines when its keys show, else JSON Lines; a `{` document spread over lines is decided by
 * its keys (`recent_calls`, `log`+`entries`, `resourceSpans`); otherwise a first line with a comma and
 * a known column name -> CSV.
 */
export function sniffFormat(head: Buffer, fileName: string): Sniffed {
  const none = (problem: string): Sniffed => ({ format: 'unknown', framing: 'none', path: [], otlpLines: false, problem });
  if (head.length === 0) return { format: 'jsonl', framing: 'lines', path: [], otlpLines: false };
  if (looksBinary(head)) return none('binary file, not a log');
  const text = head.toString('utf8');
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length && /\s/.test(text[i])) i++;
  const c = text[i];
  const lower = fileName.toLowerCase().replace(/\.gz$/, '');
  if (c === '[') {
    return { format: isLiteLLM(text) ? 'litellm' : 'json-array', framing: 'array', path: [], otlpLines: false };
  }
  if (c === '{') {
    const nl = text.indexOf('\n', i);
    const firstLine = nl < 0 ? text.slice(i) : text.slice(i, nl);
    let first: Record<string, unknown> | null = null;
    try {
      const v = JSON.parse(firstLine);
      if (v && typeof v === 'object' && !Array.isArray(v)) first = v as Record<string, unknown>;
    } catch { first = null; }
    if (first) {
      if (Array.isArray(first.resourceSpans)) return { format: 'otlp-json', framing: 'lines', path: [], otlpLines: true };
      if (Array.isArray(first.recent_calls)) return { format: 'legacy-snapshot', framing: 'array', path: ['recent_calls'], otlpLines: false };
      const log = first.log as Record<string, unknown> | undefined;
      if (log && typeof log === 'object' && Array.isArray(log.entries)) return { format: 'har', framing: 'array', path: ['log', 'entries'], otlpLines: false };
      return { format: isLiteLLM(firstLine) ? 'litellm' : 'jsonl', framing: 'lines', path: [], otlpLines: false };
    }
    // a first line that does not parse: a pretty-printed document, or a JSONL line longer than the head
    const firstKey = /^\{\s*"([^"]{1,40})"/.exec(text.slice(i, i + 200));
    const k = firstKey ? firstKey[1] : '';
    if (nl < 0 || nl - i > 60_000) {
      // one very long first line: JSON Lines (or OTLP lines) whose first record is long
      if (k === 'resourceSpans') return { format: 'otlp-json', framing: 'lines', path: [], otlpLines: true };
      if (k === 'recent_calls') return { format: 'legacy-snapshot', framing: 'array', path: ['recent_calls'], otlpLines: false };
      if (k === 'log' && lower.endsWith('.har')) return { format: 'har', framing: 'array', path: ['log', 'entries'], otlpLines: false };
      return { format: isLiteLLM(text) ? 'litellm' : 'jsonl', framing: 'lines', path: [], otlpLines: false };
    }
    if (has(text, 'recent_calls')) return { format: 'legacy-snapshot', framing: 'array', path: ['recent_calls'], otlpLines: false };
    // spans one by one: a single resourceSpans element can hold the whole file
    if (has(text, 'resourceSpans')) return { format: 'otlp-json', framing: 'array', path: OTLP_SPANS_PATH, otlpLines: false };
    if ((has(text, 'log') && has(text, 'entries')) || lower.endsWith('.har')) return { format: 'har', framing: 'array', path: ['log', 'entries'], otlpLines: false };
    // a JSONL file whose first line is broken: still JSON Lines (the bad line is reported)
    return { format: isLiteLLM(text) ? 'litellm' : 'jsonl', framing: 'lines', path: [], otlpLines: false };
  }
  const nl = text.indexOf('\n', i);
  const firstLine = nl < 0 ? text.slice(i) : text.slice(i, nl);
  if (firstLine.includes(',') && (CSV_HEADER_WORDS.test(firstLine) || lower.endsWith('.csv'))) {
    return { format: 'csv', framing: 'csv', path: [], otlpLines: false };
  }
  return none('unrecognised format (expected JSON Lines, JSON, CSV, OTLP/JSON or HAR)');
}
