// The floor: what any JSON Lines reader must pay (read the bytes, split lines, JSON.parse each),
// with no store behind it. Cold ingest is judged as a ratio to this, measured in the same run.
import * as fs from 'fs';

export interface FloorResult {
  lines: number;
  bytes: number;
  /** a checksum of parsed values so the work cannot be optimised away */
  check: number;
}

/** Reads in 4 MB chunks (as a streaming reader must), splitting on newlines across chunk edges. */
export function readSplitParse(file: string): FloorResult {
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.allocUnsafe(4 * 1024 * 1024);
  let carry = '';
  let lines = 0;
  let bytes = 0;
  let check = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      bytes += n;
      // Cut at the last newline in bytes so a multi-byte character is never split.
      const cut = chunk.lastIndexOf(10, n - 1);
      if (cut < 0) {
        carry += chunk.toString('utf8', 0, n);
        continue;
      }
      const text = carry + chunk.toString('utf8', 0, cut);
      carry = chunk.toString('utf8', cut + 1, n);
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        const end = nl < 0 ? text.length : nl;
        if (end > start) {
          const o = JSON.parse(text.slice(start, end)) as { latency_ms?: number };
          lines++;
          if (typeof o.latency_ms === 'number') check += o.latency_ms;
        }
        if (nl < 0) break;
        start = nl + 1;
      }
    }
    if (carry.trim()) {
      JSON.parse(carry);
      lines++;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { lines, bytes, check };
}
