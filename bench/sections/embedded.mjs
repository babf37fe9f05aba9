// d. End to end, embedded: `tokensweep run` as a process, 1 and 2 threads, and a 4096-number cosine matrix.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { median, now, REPO, round, row } from '../lib/common.mjs';
import { runMeasured } from '../lib/processes.mjs';

export const SWEEP_ANALYSES = ['tokens', 'sign-symmetry', 'successive-cosine'];

/**
 * The sweep scaling is measured on: large enough that what every process pays once (its start, the
 * model, finishing) is a small part, as on a fleet that is scaled out for large sweeps.
 */
export const SCALING_NUMBERS = { full: '0..4999999', quick: '0..499999' };

/** The cold-process scaling measured again on the largest sweep the default limits allow. */
export const LARGE_SCALING_NUMBERS = { full: '0..9999999', quick: '0..999999' };

/**
 * Scaling runs alternate 1 and 2 (threads or workers) this many times; their medians are compared.
 * Single runs of the same case spread by a quarter on the shared hosts this runs on, in phases of a
 * few seconds, so three rounds could not tell 1.5× from 1.7×.
 */
export const SCALING_ROUNDS = 5;

/** Wall time and peak memory of the CLI over 0..999,999 (three analyses, pooling mean), then the matrix run. */
export async function embeddedSection(ctx) {
  const numbers = ctx.quick ? '0..99999' : '0..999999';
  const matrixNumbers = ctx.quick ? '0..1023' : '0..4095';
  const cli = (out, args) =>
    runMeasured(process.execPath, [
      'bin/tokensweep.js',
      'run',
      '--model',
      ctx.modelDir,
      '--out',
      out,
      '--force',
      '--json',
      ...args,
    ]);
  /** The sweep of these rows (SWEEP_ANALYSES, pooling mean) over `sweep` on `threads` threads, into `out`. */
  const sweepRun = (out, sweep, threads) =>
    cli(out, [
      '--numbers',
      sweep,
      ...SWEEP_ANALYSES.flatMap((a) => ['--analysis', a]),
      '--pooling',
      'mean',
      '--threads',
      String(threads),
    ]);

  const runs = {};
  for (const threads of [1, 2]) {
    const out = path.join(ctx.workDir, `embedded-${threads}`);
    const result = await sweepRun(out, numbers, threads);
    const manifest = JSON.parse(result.stdout);
    runs[threads] = {
      wallS: result.wallS,
      peakMiB: result.peakMiB,
      files: manifest.files.length,
      rows: rowsBy(manifest),
    };
    // the chunk section times finishing (the summary read back from the parts) on the 2-thread output
    if (threads === 2) ctx.embeddedOut = out;
    else await rm(out, { recursive: true, force: true });
  }
  const speedup = runs[1].wallS / runs[2].wallS;
  const count = ctx.quick ? 100_000 : 1_000_000;
  const scalingNumbers = ctx.quick ? SCALING_NUMBERS.quick : SCALING_NUMBERS.full;
  /**
   * Cold processes of 1 and 2 threads over `sweep`, in SCALING_ROUNDS pairs run back to back (in
   * turn 1 then 2, 2 then 1, so that a host slowing down or speeding up favours neither): the medians
   * of each count's runs, and the speed-up as the median of the pairs' own ratios, which a phase of
   * the host that spans a pair cancels out of.
   */
  const scalingOf = async (sweep) => {
    const scalingRuns = { 1: [], 2: [] };
    for (let round = 0; round < SCALING_ROUNDS; round++) {
      for (const threads of round % 2 === 0 ? [1, 2] : [2, 1]) {
        const out = path.join(ctx.workDir, `embedded-scaling-${threads}`);
        const result = await sweepRun(out, sweep, threads);
        scalingRuns[threads].push({ wallS: result.wallS, peakMiB: result.peakMiB });
        await rm(out, { recursive: true, force: true });
      }
    }
    const medianOf = (runs) => ({
      wallS: median(runs.map((r) => r.wallS)),
      peakMiB: Math.max(...runs.map((r) => r.peakMiB)),
      allS: runs.map((r) => round(r.wallS)),
    });
    const pairRatios = scalingRuns[1].map((one, i) => one.wallS / scalingRuns[2][i].wallS);
    return {
      1: medianOf(scalingRuns[1]),
      2: medianOf(scalingRuns[2]),
      pairRatios: pairRatios.map((r) => round(r, 2)),
      speedup: median(pairRatios),
    };
  };
  const scaling = await scalingOf(scalingNumbers);
  const scalingSpeedup = scaling.speedup;
  /**
   * The ceiling a second core offers this sweep here: its two halves in two 1-thread processes side
   * by side (nothing shared but the machine), against one 1-thread process over all of it, in
   * SCALING_ROUNDS alternated pairs. Each process pays its own start and finish, as two threads of
   * one process do not.
   */
  const splitOf = async (sweep) => {
    const [from, to] = sweep.split('..').map(Number);
    const middle = Math.floor((from + to + 1) / 2);
    const halves = [`${from}..${middle - 1}`, `${middle}..${to}`];
    const runs = { whole: [], split: [] };
    for (let round = 0; round < SCALING_ROUNDS; round++) {
      for (const mode of round % 2 === 0 ? ['whole', 'split'] : ['split', 'whole']) {
        const outs = halves.map((_, i) => path.join(ctx.workDir, `embedded-split-${i}`));
        const started = now();
        if (mode === 'whole') await sweepRun(outs[0], sweep, 1);
        else await Promise.all(halves.map((half, i) => sweepRun(outs[i], half, 1)));
        runs[mode].push((now() - started) / 1000);
        await Promise.all(outs.map((out) => rm(out, { recursive: true, force: true })));
      }
    }
    const pairRatios = runs.whole.map((whole, i) => whole / runs.split[i]);
    return {
      wholeS: median(runs.whole),
      splitS: median(runs.split),
      allS: { whole: runs.whole.map((s) => round(s)), split: runs.split.map((s) => round(s)) },
      pairRatios: pairRatios.map((r) => round(r, 2)),
      speedup: median(pairRatios),
    };
  };
  const split = await splitOf(scalingNumbers);
  // the largest sweep the default limits allow (MAX_SWEEP_NUMBERS), where a process's fixed part weighs half as much
  const largeNumbers = ctx.quick ? LARGE_SCALING_NUMBERS.quick : LARGE_SCALING_NUMBERS.full;
  const large = await scalingOf(largeNumbers);
  const largeSpeedup = large.speedup;
  const warm = { 1: warmSweep(ctx, scalingNumbers, 1), 2: warmSweep(ctx, scalingNumbers, 2) };
  const warmSpeedup = warm[1].medianS / warm[2].medianS;
  const matrixOut = path.join(ctx.workDir, 'embedded-matrix');
  const matrix = await cli(matrixOut, [
    '--numbers',
    matrixNumbers,
    '--analysis',
    'cosine-matrix',
    '--pooling',
    'mean',
    '--threads',
    '2',
  ]);
  const matrixManifest = JSON.parse(matrix.stdout);
  const matrixRows = rowsBy(matrixManifest)['cosine-matrix'];
  await rm(matrixOut, { recursive: true, force: true });

  const rows = [
    row('d.1thread', `embedded run ${numbers} (3 analyses, mean), 1 thread`, round(runs[1].wallS), 's', {
      note: `${Math.round(count / runs[1].wallS)} numbers/s; peak RSS ${Math.round(runs[1].peakMiB)} MiB`,
    }),
    row('d.2threads', `embedded run ${numbers}, 2 threads: speed-up`, round(runs[2].wallS), 's', {
      anchor: '1 thread',
      anchorValue: round(runs[1].wallS),
      ratio: round(speedup, 2),
      note: `${Math.round(count / runs[2].wallS)} numbers/s; peak RSS ${Math.round(runs[2].peakMiB)} MiB; scaling is measured on the larger sweep below`,
    }),
    scalingRow('d.scaling', scalingNumbers, scaling, { goal: '≥ 1.7×', pass: scalingSpeedup >= 1.7 }),
    row(
      'd.scaling.split',
      `the same sweep as two 1-thread processes over its halves, side by side: speed-up`,
      round(split.splitS),
      's',
      {
        anchor: '1 thread, whole sweep',
        anchorValue: round(split.wholeS),
        ratio: round(split.speedup, 2),
        note: `what a second core gives work that shares nothing but the machine; median of ${SCALING_ROUNDS} alternated pairs' ratios (${split.pairRatios.join(', ')}); runs: whole ${split.allS.whole.join(', ')} s, halves ${split.allS.split.join(', ')} s`,
      },
    ),
    scalingRow('d.scaling.10M', largeNumbers, large),
    row(
      'd.scaling.warm',
      'the same sweep again on a thread pool that ran it once, 2 threads: speed-up',
      round(warm[2].medianS),
      's',
      {
        anchor: '1 thread',
        anchorValue: round(warm[1].medianS),
        ratio: round(warmSpeedup, 2),
        note: `medians of ${SCALING_ROUNDS} runs after the first, in one process each (bench/warm_sweep_child.mjs); the first took ${round(warm[1].firstS)} / ${round(warm[2].firstS)} s`,
      },
    ),
    row('d.matrix', `embedded cosine-matrix ${matrixNumbers} (mean), 2 threads`, round(matrix.wallS), 's', {
      note: `${(matrixRows / 1e6).toFixed(1)} M rows, ${(matrixRows / matrix.wallS / 1e6).toFixed(2)} M rows/s; peak RSS ${Math.round(matrix.peakMiB)} MiB`,
    }),
  ];
  return {
    rows,
    details: {
      numbers,
      runs,
      speedup,
      scaling: { numbers: scalingNumbers, runs: scaling, speedup: scalingSpeedup },
      split: { numbers: scalingNumbers, ...split },
      largeScaling: { numbers: largeNumbers, runs: large, speedup: largeSpeedup },
      warmScaling: { numbers: scalingNumbers, runs: warm, speedup: warmSpeedup },
      matrix: {
        numbers: matrixNumbers,
        wallS: matrix.wallS,
        peakMiB: matrix.peakMiB,
        rows: matrixRows,
        files: matrixManifest.files.length,
      },
    },
  };
}

/** The row of a cold-process scaling measurement (`scalingOf` over `sweep`): median walls, median pair ratio. */
function scalingRow(id, sweep, scaling, goal = {}) {
  return row(
    id,
    `embedded run ${sweep} (3 analyses, mean), 2 threads: speed-up`,
    round(scaling[2].wallS),
    's',
    {
      anchor: '1 thread',
      anchorValue: round(scaling[1].wallS),
      ratio: round(scaling.speedup, 2),
      ...goal,
      note: `median of ${SCALING_ROUNDS} back-to-back pairs' ratios (${scaling.pairRatios.join(', ')}); runs: 1 thread ${scaling[1].allS.join(', ')} s, 2 threads ${scaling[2].allS.join(', ')} s; peak RSS ${Math.round(scaling[1].peakMiB)} / ${Math.round(scaling[2].peakMiB)} MiB`,
    },
  );
}

function rowsBy(manifest) {
  const rows = {};
  for (const file of manifest.files) rows[file.analysis] = (rows[file.analysis] ?? 0) + file.rows;
  return rows;
}

/**
 * The scaling sweep run 1 + SCALING_ROUNDS times in one process on one pool of `threads` threads
 * (bench/warm_sweep_child.mjs): the first run's seconds, and the median of the others.
 */
function warmSweep(ctx, numbers, threads) {
  const out = path.join(ctx.workDir, `embedded-warm-${threads}`);
  const child = spawnSync(
    process.execPath,
    [
      path.join(REPO, 'bench/warm_sweep_child.mjs'),
      ctx.modelDir,
      numbers,
      String(threads),
      String(1 + SCALING_ROUNDS),
      out,
    ],
    { encoding: 'utf8', timeout: 600_000 },
  );
  rmSync(out, { recursive: true, force: true });
  if (child.status !== 0)
    throw new Error(`the warm sweep failed: ${(child.error?.message ?? child.stderr ?? '').trim()}`);
  const { seconds } = JSON.parse(child.stdout.trim().split('\n').pop());
  return { firstS: seconds[0], medianS: median(seconds.slice(1)), allS: seconds.map((s) => round(s)) };
}
