// e. End to end, distributed: the same sweep through the API with 1 and 2 workers; per-chunk queue overhead.
import { round, row } from '../lib/common.mjs';
import { SWEEP_ANALYSES } from './embedded.mjs';

/**
 * Workers start fresh for each case (each loads the model in its first chunk, as the embedded run
 * does), one chunk at a time each (WORKER_CONCURRENCY=1). The overhead case runs tokens over the same
 * 20,000 numbers as 100 chunks of 200 and as one chunk, on one worker.
 */
export async function distributedSection(ctx) {
  const stack = ctx.stack;
  const numbers = ctx.quick ? '0..99999' : '0..999999';
  const count = ctx.quick ? 100_000 : 1_000_000;
  const spec = { models: ['gpt2'], numbers, analyses: SWEEP_ANALYSES, pooling: 'mean' };
  const runs = {};
  for (const workers of [1, 2]) {
    await stack.addWorkers(workers, { WORKER_CONCURRENCY: '1' });
    runs[workers] = await stack.runSweep(spec);
    if (workers === 2) break;
    // the 1-worker stack also measures the queue's per-chunk overhead
    const tiny = await stack.runSweep({
      models: ['gpt2'],
      numbers: '0..19999',
      analyses: ['tokens'],
      chunkSize: 200,
    });
    const big = await stack.runSweep({
      models: ['gpt2'],
      numbers: '0..19999',
      analyses: ['tokens'],
      chunkSize: 20_000,
    });
    runs.overhead = {
      tiny,
      big,
      perChunkMs: ((tiny.seconds - big.seconds) * 1000) / (tiny.chunks - big.chunks),
    };
    await stack.stopWorkers();
  }
  await stack.stopWorkers();
  const speedup = runs[1].seconds / runs[2].seconds;
  const chunkMs = (runs[1].seconds * 1000) / runs[1].chunks;
  const overheadShare = runs.overhead.perChunkMs / chunkMs;
  ctx.distributedChunkMs = chunkMs;
  const rows = [
    row('e.1worker', `distributed ${numbers}, 1 worker (POST → completed)`, round(runs[1].seconds), 's', {
      anchor: 'embedded, 1 thread',
      anchorValue: round(ctx.results.embedded?.details.runs[1].wallS ?? null),
      ratio: ctx.results.embedded
        ? round(ctx.results.embedded.details.runs[1].wallS / runs[1].seconds, 2)
        : null,
      note: `${runs[1].chunks} chunk jobs, ${Math.round(count / runs[1].seconds)} numbers/s`,
    }),
    row('e.2workers', `distributed ${numbers}, 2 workers: speed-up`, round(runs[2].seconds), 's', {
      anchor: '1 worker',
      anchorValue: round(runs[1].seconds),
      ratio: round(speedup, 2),
      goal: '≥ 1.5×',
      pass: speedup >= 1.5,
      note: `${Math.round(count / runs[2].seconds)} numbers/s`,
    }),
    row(
      'e.overhead',
      'queue overhead per chunk (100×200 vs 1×20k tokens)',
      round(runs.overhead.perChunkMs),
      'ms',
      {
        anchor: 'a 25k-number chunk of the sweep',
        anchorValue: round(chunkMs, 0),
        ratio: round(overheadShare, 3),
        goal: '< 5% of a chunk',
        pass: overheadShare < 0.05,
        note: `100 chunks ${round(runs.overhead.tiny.seconds, 2)} s vs 1 chunk ${round(runs.overhead.big.seconds, 2)} s`,
      },
    ),
  ];
  return { rows, details: { numbers, runs, speedup, chunkMs, overheadShare } };
}
