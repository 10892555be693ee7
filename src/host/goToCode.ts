// "Go to code" for an endpoint: find where the app makes the call by searching the workspace's
// source files for the endpoint path and the function names seen in the log. findTextInFiles is
// proposed API (not available to us), so this is findFiles + read + indexOf, bounded in files and
// bytes so a large workspace cannot stall the extension host.
import * as vscode from 'vscode';

export interface CodeMatch {
  uri: vscode.Uri;
  line: number;
  character: number;
  needle: string;
  preview: string;
}

const SOURCE_GLOB = '**/*.{ts,tsx,js,jsx,mjs,cjs,py,go,rb,java,kt,cs,php,rs,swift,scala,ex,exs}';
const EXCLUDE_GLOB = '{**/node_modules/**,**/.git/**,**/dist/**,**/out/**,**/build/**,**/.venv/**,**/venv/**,**/__pycache__/**,**/target/**}';
const MAX_FILES = 3000;
const MAX_FILE_BYTES = 1_000_000;
const MAX_TOTAL_BYTES = 64_000_000;
const MAX_MATCHES = 50;

/** What to look for: the endpoint's path (without a leading HTTP method or host) and the function names. */
export function searchNeedles(endpoint: string, functionNames: readonly string[]): string[] {
  const out: string[] = [];
  let e = endpoint.trim();
  if (e && e !== '(unknown)') {
    e = e.replace(/^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+/i, '');
    e = e.replace(/^[a-z]+:\/\/[^/]+/i, '');
    if (e.length >= 3) {
      out.push(e);
    }
  }
  for (const f of functionNames) {
    // a qualified name "module.Class.method" is written in code as its last part
    const last = f.split(/[.:#/]/).filter(Boolean).pop();
    if (last && last.length >= 3 && !out.includes(last)) {
      out.push(last);
    }
  }
  return out;
}

export async function findInWorkspace(needles: readonly string[], token?: vscode.CancellationToken): Promise<CodeMatch[]> {
  if (!needles.length) {
    return [];
  }
  const files = await vscode.workspace.findFiles(SOURCE_GLOB, EXCLUDE_GLOB, MAX_FILES, token);
  const matches: CodeMatch[] = [];
  let total = 0;
  const decoder = new TextDecoder();
  for (const uri of files) {
    if (token?.isCancellationRequested || matches.length >= MAX_MATCHES || total > MAX_TOTAL_BYTES) {
      break;
    }
    let bytes: Uint8Array;
    try {
      const stat = await vscode.workspace.fs.stat(uri);
      if (stat.size > MAX_FILE_BYTES) {
        continue;
      }
      bytes = await vscode.workspace.fs.readFile(uri);
    } catch {
      continue;
    }
    total += bytes.length;
    const text = decoder.decode(bytes);
    for (const needle of needles) {
      let at = text.indexOf(needle);
      while (at >= 0 && matches.length < MAX_MATCHES) {
        const lineStart = text.lastIndexOf('\n', at - 1) + 1;
        let line = 0;
        for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) {
          line++;
        }
        const lineEnd = text.indexOf('\n', at);
        matches.push({ uri, line, character: at - lineStart, needle, preview: text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd).trim().slice(0, 120) });
        at = text.indexOf(needle, at + needle.length);
      }
    }
  }
  // the endpoint path is the most specific needle: its matches first
  const rank = new Map(needles.map((n, i) => [n, i]));
  return matches.sort((a, b) => rank.get(a.needle)! - rank.get(b.needle)!);
}

/** Open the one match, or let the user pick among several. Returns the matches (for tests). */
export async function goToCode(endpoint: string, functionNames: readonly string[], opts: { open?: boolean } = {}): Promise<CodeMatch[]> {
  const needles = searchNeedles(endpoint, functionNames);
  const matches = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `Searching for ${endpoint}` },
    (_p, token) => findInWorkspace(needles, token),
  );
  if (opts.open === false) {
    return matches;
  }
  if (!matches.length) {
    void vscode.window.showInformationMessage(needles.length
      ? `No source file mentions ${needles.map(n => `"${n}"`).join(' or ')}.`
      : `Nothing to search for: the endpoint "${endpoint}" has no path or function name in the logs.`);
    return matches;
  }
  let pick: CodeMatch | undefined = matches[0];
  if (matches.length > 1) {
    const chosen = await vscode.window.showQuickPick(matches.map(m => ({
      label: `${vscode.workspace.asRelativePath(m.uri)}:${m.line + 1}`, description: m.needle, detail: m.preview, match: m,
    })), { placeHolder: `${matches.length} places mention ${endpoint}`, matchOnDetail: true });
    pick = chosen?.match;
  }
  if (pick) {
    const pos = new vscode.Position(pick.line, pick.character);
    await vscode.window.showTextDocument(pick.uri, { selection: new vscode.Range(pos, pos.translate(0, pick.needle.length)) });
  }
  return matches;
}
