// b. Cosine matrix kernel: multiplyTransposed against ONNX Runtime's matmul directly, numpy, and a JS loop.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { lib, median, REPO, round, row, timeRuns, unitVectors } from '../lib/common.mjs';

const DIM = 768;
const LOOP_N = 512;

/** GFLOP/s (2·N²·d per product of unit vectors) of each kernel, medians of 5 runs after a warm-up. */
export async function matmulSection(ctx) {
  const { multiplyTransposed } = lib('compute/matmul');
  const { loadTransformers } = lib('compute/transformers-runtime');
  const { matmul, Tensor } = await loadTransformers();
  const sizes = ctx.quick ? [1024] : [1024, 2048, 4096];
  const gflop = (n) => (2 * n * n * DIM) / 1e9;
  const numpy = runNumpy(sizes);

  const rows = [];
  const details = { dim: DIM, numpy: numpy.info, sizes: {} };
  for (const n of sizes) {
    const a = unitVectors(n, DIM, n);
    const at = transpose(a, n, DIM);
    let product;
    const oursMs = median(await timeRuns(async () => (product = await multiplyTransposed(a, n, a, n, DIM))));
    let direct;
    const directMs = median(
      await timeRuns(
        async () =>
          (direct = (await matmul(new Tensor('float32', a, [n, DIM]), new Tensor('float32', at, [DIM, n])))
            .data),
      ),
    );
    let maxDiff = 0;
    for (let i = 0; i < product.length; i++) maxDiff = Math.max(maxDiff, Math.abs(product[i] - direct[i]));
    const rates = { ours: gflop(n) / (oursMs / 1000), ortDirect: gflop(n) / (directMs / 1000) };
    if (numpy.ms?.[n]) rates.numpy = gflop(n) / (numpy.ms[n] / 1000);
    const [bestName, best] = Object.entries(rates)
      .filter(([name]) => name !== 'ours')
      .sort((x, y) => y[1] - x[1])[0];
    details.sizes[n] = {
      ms: { ours: oursMs, ortDirect: directMs, numpy: numpy.ms?.[n] ?? null },
      gflops: rates,
      maxAbsDiffVsDirect: maxDiff,
    };
    rows.push(
      row(`b.${n}`, `cosine kernel N=${n} d=${DIM}: GFLOP/s`, round(rates.ours), 'GFLOP/s', {
        anchor: bestName === 'numpy' ? `numpy (${numpy.info.blas})` : 'ORT matmul direct',
        anchorValue: round(best),
        ratio: round(rates.ours / best, 2),
        goal: 'within 30% of best',
        pass: rates.ours >= 0.7 * best,
        note: `ORT direct ${round(rates.ortDirect)}${rates.numpy ? `, numpy ${round(rates.numpy)}` : ''}; max |Δ| vs direct ${maxDiff.toExponential(1)}`,
      }),
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
  const oursLargest = details.sizes[largest].gflops.ours;
  details.jsLoop = { n: LOOP_N, ms: loopMs, gflops: loopRate };
  rows.push(
    row(
      'b.loop',
      `cosine kernel N=${largest} vs JS triple loop (N=${LOOP_N})`,
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

function transpose(a, rows, dim) {
  const t = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) for (let d = 0; d < dim; d++) t[d * rows + r] = a[r * dim + d];
  return t;
}

/** numpy's medians, measured inside Python; OPENBLAS_CORETYPE/L2_SIZE unset for this one command (they slow a current numpy). */
function runNumpy(sizes) {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const result = spawnSync(
    'python3',
    [path.join(REPO, 'bench/numpy_matmul.py'), sizes.join(','), String(DIM)],
    { env, encoding: 'utf8', timeout: 120_000 },
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
