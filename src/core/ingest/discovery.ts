// Finding log files under a folder for the CLI (the VS Code host uses workspace.findFiles with the same
// globs). A small glob matcher of our own: `**`, `*`, `?`, `{a,b}`, `[abc]`/`[!abc]`, '/' separators.
import * as fs from 'fs';
import * as path from 'path';

/** Log files found by default: JSON Lines anywhere, the legacy snapshot, HAR, and anything log-like in log folders. */
export const DEFAULT_LOG_GLOBS: readonly string[] = Object.freeze([
  '**/*.jsonl', '**/*.ndjson', '**/*.jsonl.gz', '**/*.ndjson.gz',
  '**/*.jsonl.[0-9]', '**/*.jsonl.[0-9].gz', '**/*.jsonl.[0-9][0-9]', '**/*.jsonl.[0-9][0-9].gz',
  '**/api_metrics.json', '**/api_metrics.json.gz', '**/*.har', '**/*.har.gz',
  '**/{log,logs,Log,Logs,traces,telemetry,metrics}/**/*.{json,jsonl,ndjson,csv,log,gz}',
]);

/** Never searched: dependencies, VCS data, build output, virtual environments, caches. */
export const DEFAULT_EXCLUDES: readonly string[] = Object.freeze([
  '**/node_modules/**', '**/.git/**', '**/.hg/**', '**/.svn/**', '**/dist/**', '**/out/**', '**/build/**',
  '**/.venv/**', '**/venv/**', '**/env/**', '**/.tox/**', '**/__pycache__/**', '**/.mypy_cache/**',
  '**/.pytest_cache/**', '**/.ruff_cache/**', '**/site-packages/**', '**/.next/**', '**/.nuxt/**',
  '**/coverage/**', '**/target/**', '**/.vscode-test/**', '**/.cache/**', '**/bower_components/**',
]);

function escapeRe(c: string): string {
  return /[.+^$()|\\]/.test(c) ? '\\' + c : c;
}

/** Compiles a glob to a RegExp matching a whole '/'-separated relative path. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let inBrace = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const atStart = i === 0 || glob[i - 1] === '/';
        if (atStart && glob[i + 2] === '/') { re += '(?:[^/]*/)*'; i += 2; continue; }
        re += '.*'; i++; continue;
      }
      re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') { inBrace++; re += '(?:'; }
    else if (c === '}' && inBrace) { inBrace--; re += ')'; }
    else if (c === ',' && inBrace) re += '|';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) { re += '\\['; continue; }
      let cls = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
      if (cls.startsWith('!')) cls = '^' + cls.slice(1);
      re += `[${cls}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

export function matchesAny(rel: string, globs: RegExp[]): boolean {
  for (const g of globs) if (g.test(rel)) return true;
  return false;
}

/**
 * Files under root matching an include glob and no exclude glob (paths relative to root, '/'
 * separated). Symbolic links are not followed (no cycles); excluded folders are not entered.
 * Returns absolute paths, sorted. Never throws for unreadable folders (they are skipped).
 */
export async function discoverFiles(root: string, include: string[], exclude: string[], maxFiles = 10_000): Promise<string[]> {
  const inc = include.map(globToRegExp);
  const exc = exclude.map(globToRegExp);
  const out: string[] = [];
  const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
    if (depth > 32 || out.length >= maxFiles) return;
    let entries: fs.Dirent[];
    try { entries = await fs.promises.readdir(dir, { withFileTypes: true }); } catch { return; }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        // a folder is pruned when anything inside it would be excluded
        if (matchesAny(`${r}/\u0000`, exc)) continue;
        await walk(path.join(dir, e.name), r, depth + 1);
      } else if (e.isFile()) {
        if (matchesAny(r, inc) && !matchesAny(r, exc)) out.push(path.join(dir, e.name));
        if (out.length >= maxFiles) return;
      }
    }
  };
  await walk(path.resolve(root), '', 0);
  return out.sort();
}
