// One build script for every bundle: extension host (node/cjs, vscode external, sql.js bundled),
// CLI, webview (browser), and the test bundles. `node esbuild.mjs [--watch] [--no-tests]`.
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const common = { bundle: true, sourcemap: !production, logLevel: 'warning', legalComments: 'none' };
const node = { ...common, platform: 'node', format: 'cjs', target: 'node20' };

const listTests = (dir, suffix) => fs.existsSync(dir)
  ? fs.readdirSync(dir, { recursive: true }).map(String).filter(f => f.endsWith(suffix)).map(f => path.join(dir, f))
  : [];

const builds = [
  { ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'], minify: production },
  { ...node, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, minify: production },
  // the ingest worker thread (src/core/ingest/workerReader.ts): next to extension.js and cli.js, which find it by __dirname
  { ...node, entryPoints: ['src/core/ingest/ingestWorker.ts'], outfile: 'dist/ingestWorker.js', minify: production },
  { ...common, entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife',
    target: 'es2022', minify: true, loader: { '.ttf': 'file' } },
].filter(b => fs.existsSync(b.entryPoints[0]));

if (!args.has('--no-tests')) {
  const unit = listTests('test/unit', '.test.ts');
  if (unit.length) builds.push({ ...node, entryPoints: unit, outdir: 'out/test/unit', outbase: 'test/unit', external: ['mocha'] });
  const integ = [...listTests('test/integration', '.test.ts'), ...(fs.existsSync('test/integration/index.ts') ? ['test/integration/index.ts'] : [])];
  if (integ.length) builds.push({ ...node, entryPoints: integ, outdir: 'out/test/integration', outbase: 'test/integration', external: ['vscode', 'mocha'] });
}

fs.mkdirSync('dist', { recursive: true });
fs.copyFileSync('node_modules/sql.js/dist/sql-wasm.wasm', 'dist/sql-wasm.wasm');
// Dashboard webview assets (loaded from dist/ by the panel's CSP-limited page): codicons and our stylesheet.
for (const [from, to] of [['node_modules/@vscode/codicons/dist/codicon.css', 'codicon.css'], ['node_modules/@vscode/codicons/dist/codicon.ttf', 'codicon.ttf'],
  ['webview/dashboard.css', 'dashboard.css']]) {
  if (fs.existsSync(from)) fs.copyFileSync(from, `dist/${to}`);
}
if (args.has('--watch')) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log('watching…');
} else {
  await Promise.all(builds.map(b => esbuild.build(b)));
}
