// b. Cosine matrix kernel: tokensweep's native CosineKernel against ONNX Runtime's matmul, numpy, and a JS loop.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { lib, median, REPO, round, row, timeRuns, unitVectors } from '../lib/common.mjs';

const DIM = 768;
const LOOP_N = 512;
// steady state, as over the many tiles of a sweep: the first calls fill the kernel's scratch buffers
// (and ONNX Runtime's arena, for its MatMul)
const WARMUP = 3;
const RUNS = 7;
// tokensweep's kernel and numpy each run in a process of their own, alternately, ROUNDS times: the
// two cores are shared with other work, and alternating lets both see the same machine
const ROUNDS = 3;

/**
 * GFLOP/s (2·N²·d per product of unit vectors, whatever part of it a kernel skips) of each kernel,
 * medians of 7 runs after 3 warm-up runs, then the median over rounds. Two products, as a sweep has
 * them: a·aᵀ (a diagonal tile; the kernel computes the upper half and mirrors it, numpy hands it to
 * BLAS as SYRK) and a·bᵀ with b a copy of a (an off-diagonal tile; a general product for both).
 * Both in float32, the kernel's precision; numpy's float64 is noted beside.
 */
export async function matmulSection(ctx) {
  const sizes = ctx.quick ? [1024] : [1024, 2048, 4096];
  const rounds = ctx.quick ? 1 : ROUNDS;
  const gflop = (n) => (2 * n * n * DIM) / 1e9;
  const numpyRounds = [];
  const oursRounds = [];
  for (let r = 0; r < rounds; r++) {
    numpyRounds.push(runNumpy(sizes));
    oursRounds.push(runKernel(sizes));
  }
  const numpy = numpyRounds[0].info;
  const numpyMs = (dtype, product, n) =>
    numpy.available ? median(numpyRounds.map((x) => x.ms[dtype][product][n])) : null;
  const oursMs = (product, n) => median(oursRounds.map((x) => x.ms[product][n]));
  const ortMs = await ortMatMulMs(sizes);

  const rows = [];
  const details = { dim: DIM, rounds, kernelThreads: oursRounds[0].kernelThreads, numpy, sizes: {} };
  for (const n of sizes) {
    const differing = Math.max(...oursRounds.map((x) => x.mirrorDiffers[n]));
    if (differing)
      throw new Error(`the diagonal product differs from the general one in ${differing} cosines at N=${n}`);
    const error = Math.max(...oursRounds.map((x) => x.maxAbsErrorVsFloat64[n]));
    const rate = (milliseconds) => (milliseconds ? gflop(n) / (milliseconds / 1000) : null);
    const rates = {
      oursSymmetric: rate(oursMs('aat', n)),
      oursGeneral: rate(oursMs('abt', n)),
      ortMatMul: rate(ortMs[n]),
      numpyAat: rate(numpyMs('float32', 'aat', n)),
      numpyAbt: rate(numpyMs('float32', 'abt', n)),
      numpyAat64: rate(numpyMs('float64', 'aat', n)),
      numpyAbt64: rate(numpyMs('float64', 'abt', n)),
    };
    details.sizes[n] = {
      msPerRound: {
        ours: oursRounds.map((x) => ({ aat: x.ms.aat[n], abt: x.ms.abt[n] })),
        numpy: numpyRounds.map((x) => x.ms?.float32),
      },
      ortMatMulMs: ortMs[n],
      gflops: rates,
      maxAbsErrorVsFloat64: error,
    };
    const compare = (id, what, value, numpyName, numpyRate, numpy64) => {
      const anchors = [['ORT MatMul f32 (transformers)', rates.ortMatMul]];
      if (numpyRate) anchors.push([`numpy f32 ${numpyName} (${numpy.blas})`, numpyRate]);
      const [anchor, best] = anchors.sort((x, y) => y[1] - x[1])[0];
      rows.push(
        row(id, what, round(value), 'GFLOP/s', {
          anchor,
          anchorValue: round(best),
          ratio: round(value / best, 2),
          goal: 'within 30% of best',
          pass: value >= 0.7 * best,
          note:
            `ORT MatMul ${round(rates.ortMatMul)}${numpyRate ? `, numpy ${round(numpyRate)} (f64 ${round(numpy64)})` : ''}; ` +
            `max |Δ| vs float64 ${error.toExponential(1)} over 20000 pairs`,
        }),
      );
    };
    compare(
      `b.${n}.aat`,
      `cosine kernel a·aᵀ N=${n} d=${DIM} (diagonal tile)`,
      rates.oursSymmetric,
      'a@a.T',
      rates.numpyAat,
      rates.numpyAat64,
    );
    compare(
      `b.${n}.abt`,
      `cosine kernel a·bᵀ N=${n} d=${DIM} (other tiles)`,
      rates.oursGeneral,
      'a@b.T',
      rates.numpyAbt,
      rates.numpyAbt64,
    );
  }

  // the straightforward JS triple loop, on a smaller N (it is O(N²·d)); GFLOP/s do not depend on N much
  const a = unitVectors(LOOP_N, DIM, 7);
  const out = new Float32Array(LOOP_N * LOOP_N);
  const loopMs = median(
    await timeRuns(
      () => {
        for (let i = 0; i < LOOP_N; i++) {
          for (let j = 0; j < LOOP_N; j++) {
            let dot = 0;
            for (let d = 0; d < DIM; d++) dot += a[i * DIM + d] * a[j * DIM + d];
            out[i * LOOP_N + j] = dot;
          }
        }
      },
      ctx.quick ? 2 : 5,
    ),
  );
  const loopRate = gflop(LOOP_N) / (loopMs / 1000);
  const largest = sizes[sizes.length - 1];
  const oursLargest = details.sizes[largest].gflops.oursGeneral;
  details.jsLoop = { n: LOOP_N, ms: loopMs, gflops: loopRate };
  rows.push(
    row(
      'b.loop',
      `cosine kernel a·bᵀ N=${largest} vs JS triple loop (N=${LOOP_N})`,
      round(oursLargest),
      'GFLOP/s',
      {
        anchor: 'JS triple loop',
        anchorValue: round(loopRate, 2),
        ratio: round(oursLargest / loopRate, 0),
      },
    ),
  );
  return { rows, details };
}

/** ONNX Runtime's float32 MatMul as @huggingface/transformers exposes it (b transposed beforehand), in this process. */
async function ortMatMulMs(sizes) {
  const { loadTransformers } = lib('compute/transformers-runtime');
  const { matmul, Tensor } = await loadTransformers();
  const ms = {};
  for (const n of sizes) {
    const a = unitVectors(n, DIM, n);
    const at = transpose(a, n, DIM);
    ms[n] = median(
      await timeRuns(
        () => matmul(new Tensor('float32', a, [n, DIM]), new Tensor('float32', at, [DIM, n])),
        RUNS,
        WARMUP,
      ),
    );
  }
  return ms;
}

function transpose(a, rows, dim) {
  const t = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) for (let d = 0; d < dim; d++) t[d * rows + r] = a[r * dim + d];
  return t;
}

/** tokensweep's kernel timed in a child process (bench/kernel_child.mjs). */
function runKernel(sizes) {
  const result = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      path.join(REPO, 'bench/kernel_child.mjs'),
      sizes.join(','),
      String(DIM),
      String(RUNS),
      String(WARMUP),
    ],
    {
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  if (result.status !== 0)
    throw new Error(`the kernel benchmark failed: ${(result.error?.message ?? result.stderr ?? '').trim()}`);
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

/** numpy's medians, measured inside Python; OPENBLAS_CORETYPE/L2_SIZE unset for this one command (they slow a current numpy). */
function runNumpy(sizes) {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const result = spawnSync(
    'python3',
    [path.join(REPO, 'bench/numpy_matmul.py'), sizes.join(','), String(DIM), String(RUNS)],
    {
      env,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  if (result.status !== 0)
    return {
      info: {
        available: false,
        why: (result.error?.message ?? result.stderr ?? '').trim().split('\n').pop(),
      },
      ms: null,
    };
  const parsed = JSON.parse(result.stdout.trim().split('\n').pop());
  return { info: { available: true, numpy: parsed.numpy, blas: parsed.blas }, ms: parsed.ms };
}
