// Runs one sweep several times in a process of its own, on one thread pool that stays up between the
// runs, and prints each run's seconds as JSON: the first run pays what a process pays once (threads,
// modules, the model, V8 optimizing the chunk code); the later ones are the pool's work alone, as on
// a worker that has served sweeps before. Each run writes a fresh directory (the last one is kept).
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { lib, now } from './lib/common.mjs';

const [modelDir, numbers, threadsArg, roundsArg, outDir] = process.argv.slice(2);
const { parseSweepSpec } = lib('spec/sweep-spec');
const { openSweep, runEmbeddedSweep } = lib('runtime/embedded-sweep');
const { createExecutor } = lib('runtime/create-executor');

const { spec, numbers: set } = parseSweepSpec(
  {
    models: [modelDir],
    numbers,
    analyses: ['tokens', 'sign-symmetry', 'successive-cosine'],
    pooling: 'mean',
  },
  { allowLocalModels: true },
);
const pool = createExecutor(Number(threadsArg), {
  locations: { hfHome: '/nowhere', hfEndpoint: 'http://127.0.0.1:9', offline: true },
  allowLocalModels: true,
});
// runEmbeddedSweep closes its executor when the sweep ends; the pool is kept for the next run
const keptOpen = { run: (job, output) => pool.run(job, output), close: async () => undefined };
const seconds = [];
for (let round = 0; round < Number(roundsArg); round++) {
  const out = path.join(outDir, `round-${round}`);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const start = now();
  const { record } = await runEmbeddedSweep(openSweep(spec, set), out, keptOpen);
  if (record.status !== 'completed') throw new Error(`round ${round}: ${record.error}`);
  seconds.push((now() - start) / 1000);
  if (round > 0) await rm(path.join(outDir, `round-${round - 1}`), { recursive: true, force: true });
}
await pool.close();
process.stdout.write(JSON.stringify({ seconds }) + '\n');
