// Bundles the benchmark (bench/run.ts) into out/bench/run.js. Not part of `npm test`.
// A module of the engine that has not landed yet (helpers write them in parallel) is replaced by a
// stub that throws when used, so the bench still runs and reports that part as "not measured".
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';

const missing = [];
const stubMissing = {
  name: 'stub-missing',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, args => {
      if (!args.importer || args.importer.includes('node_modules')) return undefined;
      const base = path.resolve(args.resolveDir, args.path);
      const found = ['', '.ts', '.js', '/index.ts'].some(ext => fs.existsSync(base + ext) && fs.statSync(base + ext).isFile());
      if (found) return undefined;
      missing.push(path.relative(process.cwd(), base));
      return { path: base, namespace: 'missing' };
    });
    build.onLoad({ filter: /.*/, namespace: 'missing' }, args => ({
      contents: `const what = ${JSON.stringify(path.relative(process.cwd(), args.path))};
        const fail = () => { throw new Error('not available: ' + what + ' has not landed yet'); };
        const thrower = new Proxy(function () {}, { get: fail, apply: fail, construct: fail });
        module.exports = new Proxy({}, { get(_t, k) { return k === '__esModule' ? true : k === '__missing' ? what : thrower; } });`,
      loader: 'js',
    }));
  },
};

await esbuild.build({
  entryPoints: ['bench/run.ts'],
  outfile: 'out/bench/run.js',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [stubMissing],
});
if (missing.length) console.log(`bench: stubbed modules not yet in the tree: ${[...new Set(missing)].join(', ')}`);
