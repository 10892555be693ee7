// Bundles the benchmark (bench/run.ts) into out/bench/run.js, and the ingest worker next to it (the
// engine parses large reads in that worker thread, as the extension and the CLI do). Not part of `npm test`.
import * as esbuild from 'esbuild';

const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: true, logLevel: 'warning' };
await esbuild.build({ ...common, entryPoints: ['bench/run.ts'], outfile: 'out/bench/run.js' });
await esbuild.build({ ...common, entryPoints: ['src/core/ingest/ingestWorker.ts'], outfile: 'out/bench/ingestWorker.js' });
