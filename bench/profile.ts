// Summarises a V8 .cpuprofile (from `node --cpu-prof`): where the time of a phase goes, by
// function, as self time and as inclusive time. Used by `npm run bench -- --profile=<phase>`.
import * as fs from 'fs';
import * as path from 'path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  name: string;
  selfMs: number;
  totalMs: number;
}

/**
 * esbuild writes a `// src/core/x.ts` comment before each module it bundles: from a bundle line we
 * get back the source file, which is what a finding must name.
 */
function moduleMarkers(bundle: string): { line: number; file: string }[] {
  const out: { line: number; file: string }[] = [];
  let cache: string[] = [];
  try {
    cache = fs.readFileSync(bundle, 'utf8').split('\n');
  } catch {
    return out;
  }
  cache.forEach((l, i) => {
    const m = /^\/\/ ((?:src|bench|node_modules)\/\S+)$/.exec(l);
    if (m) out.push({ line: i, file: m[1] });
  });
  return out;
}

const markerCache = new Map<string, { line: number; file: string }[]>();

function label(n: ProfileNode, root: string): string {
  const f = n.callFrame;
  const url = f.url.replace(/^file:\/\//, '');
  let file = url ? path.relative(root, url) : '';
  if (url.endsWith('.js') && url.includes('/out/')) {
    if (!markerCache.has(url)) markerCache.set(url, moduleMarkers(url));
    const ms = markerCache.get(url) ?? [];
    let lo = -1;
    for (let i = 0; i < ms.length && ms[i].line <= f.lineNumber; i++) lo = i;
    if (lo >= 0) file = `${ms[lo].file} (bundle line ${f.lineNumber + 1})`;
    return `${f.functionName || '(anonymous)'} ${file}`;
  }
  return `${f.functionName || '(anonymous)'} ${file}${file ? ':' + (f.lineNumber + 1) : ''}`.trim();
}

/** Self and inclusive time per function (a function recursing into itself is counted once per stack). */
export function summarizeProfile(file: string, root: string): FunctionTime[] {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map(n => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    const own = label(n, root);
    self.set(own, (self.get(own) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur) as ProfileNode, root);
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + us);
    }
  }
  return [...total.entries()].map(([name, t]) => ({ name, selfMs: (self.get(name) ?? 0) / 1000, totalMs: t / 1000 }));
}

export function profileReport(file: string, root: string, top = 25): string {
  const fns = summarizeProfile(file, root);
  const lines: string[] = [];
  lines.push(`profile ${file}`, '', 'top self time:');
  for (const f of [...fns].sort((a, b) => b.selfMs - a.selfMs).slice(0, top)) lines.push(`  ${f.selfMs.toFixed(0).padStart(7)} ms self  ${f.totalMs.toFixed(0).padStart(7)} ms total  ${f.name}`);
  lines.push('', 'top inclusive time (our code):');
  for (const f of [...fns].filter(f => /\b(src|bench)\//.test(f.name)).sort((a, b) => b.totalMs - a.totalMs).slice(0, top)) {
    lines.push(`  ${f.totalMs.toFixed(0).padStart(7)} ms total  ${f.selfMs.toFixed(0).padStart(7)} ms self  ${f.name}`);
  }
  return lines.join('\n');
}
