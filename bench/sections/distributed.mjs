// e. End to end, distributed: the same sweep through the API with 1 and 2 workers; the per-chunk cost
// with the queue and without it; fair sharing (a small sweep behind a large one); with --baseline,
// the 1-worker cases against an earlier commit.
import path from 'node:path';
import { median, round, row } from '../lib/common.mjs';
import { runMeasured, Stack } from '../lib/processes.mjs';
import { SCALING_NUMBERS, SCALING_ROUNDS, SWEEP_ANALYSES } from './embedded.mjs';

/** The overhead case: tokens over the same 20,000 numbers as 100 chunks of 200 and as one chunk. */
const TINY = { models: ['gpt2'], numbers: '0..19999', analyses: ['tokens'], chunkSize: 200 };
const BIG = { ...TINY, chunkSize: 20_000 };
const OVERHEAD_ROUNDS = 3;

/**
 * Workers start fresh for each case (each loads the model in its first chunk, as the embedded run
 * does), one chunk at a time each (WORKER_CONCURRENCY=1). The scaling sweep then runs SCALING_ROUNDS
 * times on those workers, warm, as on a fleet that serves sweep after sweep. The overhead case runs tokens over the same
 * 20,000 numbers as 100 chunks of 200 and as one chunk, on one worker, and the same pair through
 * `tokensweep run --threads 1`: what the embedded run pays per chunk too (a part written and synced)
 * is not the queue's. The fairness case submits a
 * 100-number sweep once a 10,000,000-number one is running on that worker, times it from POST to
 * completed, then cancels the large one.
 */
export async function distributedSection(ctx) {
  const stack = ctx.stack;
  const numbers = ctx.quick ? '0..99999' : '0..999999';
  const count = ctx.quick ? 100_000 : 1_000_000;
  const spec = { models: ['gpt2'], numbers, analyses: SWEEP_ANALYSES, pooling: 'mean' };
  const scalingSpec = { ...spec, numbers: ctx.quick ? SCALING_NUMBERS.quick : SCALING_NUMBERS.full };
  const runs = { scaling: {} };
  for (const workers of [1, 2]) {
    await stack.addWorkers(workers, { WORKER_CONCURRENCY: '1' });
    runs[workers] = await stack.runSweep(spec);
    // the scaling sweep runs on workers that are warm (they ran the sweep above), as on a fleet
    const scalingRuns = [];
    for (let round = 0; round < SCALING_ROUNDS; round++) scalingRuns.push(await stack.runSweep(scalingSpec));
    runs.scaling[workers] = {
      ...scalingRuns[0],
      seconds: median(scalingRuns.map((r) => r.seconds)),
      allS: scalingRuns.map((r) => round(r.seconds)),
    };
    if (workers === 2) break;
    // the 1-worker stack also measures the per-chunk cost, with the queue and without (the embedded run)
    runs.overhead = await perChunkCost(ctx, (spec) => stack.runSweep(spec));
    runs.embeddedOverhead = await perChunkCost(ctx, (spec) => embeddedRun(ctx, spec));
    runs.fair = await smallBehindLarge(stack, ctx.quick ? '0..999999' : '0..9999999');
    await stack.stopWorkers();
  }
  await stack.stopWorkers();
  if (ctx.baseline) runs.baseline = await againstBaseline(ctx, spec);
  const speedup = runs[1].seconds / runs[2].seconds;
  const chunkMs = (runs[1].seconds * 1000) / runs[1].chunks;
  const overheadShare = runs.overhead.perChunkMs / chunkMs;
  const queueMs = runs.overhead.perChunkMs - runs.embeddedOverhead.perChunkMs;
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
      note: `${Math.round(count / runs[2].seconds)} numbers/s; scaling is measured on the larger sweep below`,
    }),
    row(
      'e.scaling',
      `distributed ${scalingSpec.numbers}, 2 workers: speed-up`,
      round(runs.scaling[2].seconds),
      's',
      {
        anchor: '1 worker',
        anchorValue: round(runs.scaling[1].seconds),
        ratio: round(runs.scaling[1].seconds / runs.scaling[2].seconds, 2),
        goal: '≥ 1.7×',
        pass: runs.scaling[1].seconds / runs.scaling[2].seconds >= 1.7,
        note: `${runs.scaling[1].chunks} chunk jobs; medians of ${SCALING_ROUNDS} on warm workers (1 worker ${runs.scaling[1].allS.join(', ')} s; 2 workers ${runs.scaling[2].allS.join(', ')} s)`,
      },
    ),
    row(
      'e.overhead',
      'per-chunk cost through the queue (100×200 vs 1×20k tokens, 1 worker)',
      round(runs.overhead.perChunkMs),
      'ms',
      {
        anchor: `a chunk of the sweep (${Math.round(count / runs[1].chunks)} numbers)`,
        anchorValue: round(chunkMs, 0),
        ratio: round(overheadShare, 3),
        goal: '< 5% of a chunk',
        pass: overheadShare < 0.05,
        note: `medians of ${OVERHEAD_ROUNDS}: 100 chunks ${round(runs.overhead.tiny, 2)} s vs 1 chunk ${round(runs.overhead.big, 2)} s; of the ${round(runs.overhead.perChunkMs)} ms, the embedded run pays ${round(runs.embeddedOverhead.perChunkMs)} ms too (a part written and synced per chunk), the queue ${round(queueMs)} ms (${round((100 * queueMs) / chunkMs, 1)}% of a chunk)`,
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
  if (runs.baseline) rows.push(...baselineRows(runs.baseline, numbers));
  return { rows, details: { numbers, runs, speedup, chunkMs, overheadShare, queueMs } };
}

/**
 * Milliseconds each extra chunk costs: the overhead pair run alternately `OVERHEAD_ROUNDS` times by
 * `runSweep` (seconds), medians compared.
 */
async function perChunkCost(ctx, runSweep) {
  const tiny = [];
  const big = [];
  let chunks = 0;
  for (let round = 0; round < OVERHEAD_ROUNDS; round++) {
    const small = await runSweep(TINY);
    tiny.push(small.seconds);
    chunks = small.chunks;
    big.push((await runSweep(BIG)).seconds);
  }
  const [tinyS, bigS] = [median(tiny), median(big)];
  return { tiny: tinyS, big: bigS, chunks, perChunkMs: ((tinyS - bigS) * 1000) / (chunks - 1) };
}

/** A sweep run by `tokensweep run` on one chunk thread, as a process: its wall seconds and chunks. */
async function embeddedRun(ctx, spec) {
  const out = path.join(ctx.workDir, 'overhead-embedded');
  const result = await runMeasured(process.execPath, [
    'bin/tokensweep.js',
    'run',
    '--model',
    ctx.modelDir,
    '--numbers',
    spec.numbers,
    ...spec.analyses.flatMap((a) => ['--analysis', a]),
    '--chunk-size',
    String(spec.chunkSize),
    '--threads',
    '1',
    '--out',
    out,
    '--force',
    '--json',
  ]);
  // one tokens part per chunk
  return { seconds: result.wallS, chunks: JSON.parse(result.stdout).files.length };
}

/**
 * The same 1-worker cases on this checkout and on the baseline commit, each on its own Redis, API
 * and worker, alternately: the per-chunk cost pair, then the sweep of the section twice.
 */
async function againstBaseline(ctx, spec) {
  const base = await Stack.start({
    modelsDir: path.dirname(ctx.modelDir),
    env: { RATE_LIMIT_PER_MINUTE: '0' },
    repo: ctx.baseline.dir,
  });
  const result = { commit: ctx.baseline.commit, current: { sweep: [] }, baseline: { sweep: [] } };
  try {
    await base.addWorkers(1, { WORKER_CONCURRENCY: '1' });
    await ctx.stack.addWorkers(1, { WORKER_CONCURRENCY: '1' });
    const stacks = { current: ctx.stack, baseline: base };
    for (const [name, stack] of Object.entries(stacks))
      result[name].overhead = await perChunkCost(ctx, (s) => stack.runSweep(s));
    for (let round = 0; round < 2; round++)
      for (const [name, stack] of Object.entries(stacks))
        result[name].sweep.push((await stack.runSweep(spec)).seconds);
  } finally {
    await ctx.stack.stopWorkers();
    await base.close();
  }
  return result;
}

function baselineRows(result, numbers) {
  const { current, baseline, commit } = result;
  const [now, before] = [median(current.sweep), median(baseline.sweep)];
  return [
    row('e.baseline.sweep', `distributed ${numbers}, 1 worker, this tree vs ${commit}`, round(now), 's', {
      anchor: commit,
      anchorValue: round(before),
      ratio: round(before / now, 2),
      goal: '≥ 1× (as fast as before)',
      pass: now <= before,
      note: `runs alternated: ${current.sweep.map((s) => round(s)).join(', ')} s vs ${baseline.sweep.map((s) => round(s)).join(', ')} s`,
    }),
    row(
      'e.baseline.overhead',
      `per-chunk cost through the queue, this tree vs ${commit}`,
      round(current.overhead.perChunkMs),
      'ms',
      {
        anchor: commit,
        anchorValue: round(baseline.overhead.perChunkMs),
        ratio: round(baseline.overhead.perChunkMs / current.overhead.perChunkMs, 2),
        goal: '≤ before',
        pass: current.overhead.perChunkMs <= baseline.overhead.perChunkMs,
      },
    ),
  ];
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
