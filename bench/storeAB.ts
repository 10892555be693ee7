// Not part of the bench: an A/B helper for the store's insert path. Parses the 1M-call bench log in 10k
// batches with the bench's own mapper (untimed) and inserts each through engine.ingestRecords (bulk mode),
// as the store phase does; prints wall and process CPU time of the inserts. Build two bundles of it (one
// per version) and run them alternately: `node --expose-gc out/bench/<bundle>.js <log> [reps]`.
import { parseInBatches } from './benchParser';
import { createEngine, Clock } from './engineDriver';

const file = process.argv[2];
const reps = Number(process.argv[3] ?? 3);
(async () => {
  const clock: Clock = { now: Date.now() };
  for (let i = 0; i < reps; i++) {
    const engine = await createEngine(clock);
    engine.store.beginBulk();
    let wall = 0, cpu = 0;
    // parsed by the bench's own mapper (untimed), inserted as the store phase does
    await parseInBatches(file, 10_000, recs => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      engine.ingestRecords(file, recs);
      wall += performance.now() - t0;
      const c = process.cpuUsage(c0);
      cpu += (c.user + c.system) / 1000;
    });
    engine.store.endBulk();
    console.log(`insert ${wall.toFixed(0)} ms wall, ${cpu.toFixed(0)} ms cpu`);
    engine.dispose();
    (globalThis as { gc?: () => void }).gc?.();
  }
})();
