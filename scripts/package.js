#!/usr/bin/env node
// `npm run package`: production build, then `vsce package` → api-monitor-<version>.vsix in the repo root.
// Offline: vsce needs no network for packaging. package.json has no `repository` yet, so we pass
// --allow-missing-repository; the README therefore uses no relative image links (vsce would reject them
// without a repository or --baseImagesUrl).
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const pkg = require(path.join(ROOT, 'package.json'));
const out = process.argv.find(a => a.startsWith('--out='))?.slice(6) || path.join(ROOT, `${pkg.name}-${pkg.version}.vsix`);
const step = (what, cmd, args) => {
  const t = Date.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) { console.error(`package: ${what} failed (exit ${r.status})`); process.exit(r.status || 1); }
  console.log(`${what}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
};
step('production build', process.execPath, ['esbuild.mjs', '--production', '--no-tests']);
// --no-rewrite-relative-links: keep README links relative (they work in VS Code's extension page, where media/ is
// inside the package); without a repository vsce would otherwise refuse them
const vsceArgs = ['package', '--no-dependencies', '--no-rewrite-relative-links', '--out', out];
if (!pkg.repository) vsceArgs.push('--allow-missing-repository');
step('vsce package', path.join(ROOT, 'node_modules/.bin/vsce'), vsceArgs);
console.log(out);
