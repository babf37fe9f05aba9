// e. End to end, distributed: the same sweep through the API with 1 and 2 workers; per-chunk queue
// overhead; fair sharing (a small sweep behind a large one).
import { round, row } from '../lib/common.mjs';
import { SWEEP_ANALYSES } from './embedded.mjs';

/**
 * Workers start fresh for each case (each loads the model in its first chunk, as the embedded run
 * does), one chunk at a time each (WORKER_CONCURRENCY=1). The overhead case runs tokens over the same
 * 20,000 numbers as 100 chunks of 200 and as one chunk, on one worker. The fairness case submits a
 * 100-number sweep once a 10,000,000-number one is running on that worker, times it from POST to
 * completed, then cancels the large one.
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
    runs.fair = await smallBehindLarge(stack, ctx.quick ? '0..999999' : '0..9999999');
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
    row(
      'e.fair',
      `a 100-number sweep submitted behind a ${runs.fair.largeNumbers}-number one, 1 worker`,
      round(runs.fair.small.seconds, 2),
      's',
      {
        goal: '≤ 10 s',
        pass: runs.fair.small.seconds <= 10,
        note: `the large sweep had done ${runs.fair.largeDone} of ${runs.fair.largeChunks} chunks by then`,
      },
    ),
  ];
  return { rows, details: { numbers, runs, speedup, chunkMs, overheadShare } };
}

/** A 100-number sweep's POST → completed while a large sweep runs; the large one is cancelled after. */
async function smallBehindLarge(stack, largeNumbers) {
  const large = await stack.request('POST', '/sweeps', {
    models: ['gpt2'],
    numbers: largeNumbers,
    analyses: ['tokens'],
  });
  await awaitSweep(stack, large.id, (s) => s.progress.done >= 1);
  const small = await stack.runSweep({ models: ['gpt2'], numbers: '0..99', analyses: ['tokens'] });
  const seen = await stack.request('GET', `/sweeps/${large.id}`);
  await stack.request('DELETE', `/sweeps/${large.id}`);
  await awaitSweep(stack, large.id, (s) => s.progress.running === 0);
  const count = largeNumbers.split('..').map(Number);
  return {
    small,
    largeNumbers: (count[1] - count[0] + 1).toLocaleString('en-US'),
    largeChunks: large.chunks,
    largeDone: seen.progress.done,
  };
}

async function awaitSweep(stack, id, until, timeoutS = 120) {
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const sweep = await stack.request('GET', `/sweeps/${id}`);
    if (until(sweep)) return sweep;
    if (Date.now() > deadline)
      throw new Error(`sweep ${id}: ${JSON.stringify(sweep.progress)}\n${stack.logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
