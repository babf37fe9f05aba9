// b. Cosine matrix kernel: multiplyTransposed against ONNX Runtime's matmul directly, numpy, and a JS loop.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { lib, median, REPO, require, round, row, timeRuns, unitVectors } from '../lib/common.mjs';

const DIM = 768;
const LOOP_N = 512;

// A one-node graph `c = MatMul(a, b)` over float64 (elem_type 11): the anchor calls ONNX Runtime with
// it directly, b already transposed (compute/matmul.ts runs a Gemm with transB instead).
const MATMUL_F64 = new Uint8Array([
  8, 9, 18, 0, 58, 55, 10, 17, 10, 1, 97, 10, 1, 98, 18, 1, 99, 34, 6, 77, 97, 116, 77, 117, 108, 18, 1, 114,
  90, 9, 10, 1, 97, 18, 4, 10, 2, 8, 11, 90, 9, 10, 1, 98, 18, 4, 10, 2, 8, 11, 98, 9, 10, 1, 99, 18, 4, 10,
  2, 8, 11, 66, 2, 16, 20,
]);

/**
 * GFLOP/s (2·N²·d per product of unit vectors) of each kernel, medians of 5 runs after a warm-up.
 * tokensweep's kernel is float64 (a cosine must not depend on its tile's shape), so the goal is
 * against float64 anchors; float32 rates (transformers' matmul, numpy) are noted beside them.
 */
export async function matmulSection(ctx) {
  const { multiplyTransposed } = lib('compute/matmul');
  const { loadTransformers } = lib('compute/transformers-runtime');
  const { matmul, Tensor: Tensor32 } = await loadTransformers();
  const { InferenceSession, Tensor } = require('onnxruntime-node');
  const session = await InferenceSession.create(MATMUL_F64);
  const sizes = ctx.quick ? [1024] : [1024, 2048, 4096];
  const gflop = (n) => (2 * n * n * DIM) / 1e9;
  const numpy = runNumpy(sizes);

  const rows = [];
  const details = { dim: DIM, numpy: numpy.info, sizes: {} };
  for (const n of sizes) {
    const a32 = unitVectors(n, DIM, n);
    const a = Float64Array.from(a32);
    const at = transpose(a, n, DIM);
    const at32 = Float32Array.from(at);
    let product;
    const oursMs = median(await timeRuns(async () => (product = await multiplyTransposed(a, n, a, n, DIM))));
    let direct;
    const directMs = median(
      await timeRuns(
        async () =>
          (direct = (
            await session.run({
              a: new Tensor('float64', a, [n, DIM]),
              b: new Tensor('float64', at, [DIM, n]),
            })
          ).c.data),
      ),
    );
    const f32Ms = median(
      await timeRuns(() =>
        matmul(new Tensor32('float32', a32, [n, DIM]), new Tensor32('float32', at32, [DIM, n])),
      ),
    );
    let maxDiff = 0;
    for (let i = 0; i < product.length; i++) maxDiff = Math.max(maxDiff, Math.abs(product[i] - direct[i]));
    const rates = {
      ours: gflop(n) / (oursMs / 1000),
      ortDirect: gflop(n) / (directMs / 1000),
      ortFloat32: gflop(n) / (f32Ms / 1000),
    };
    if (numpy.ms) {
      rates.numpy = gflop(n) / (numpy.ms.float64[n] / 1000);
      rates.numpyFloat32 = gflop(n) / (numpy.ms.float32[n] / 1000);
    }
    const [bestName, best] = Object.entries(rates)
      .filter(([name]) => name === 'ortDirect' || name === 'numpy')
      .sort((x, y) => y[1] - x[1])[0];
    details.sizes[n] = {
      ms: {
        ours: oursMs,
        ortDirect: directMs,
        ortFloat32: f32Ms,
        numpy: numpy.ms?.float64[n] ?? null,
        numpyFloat32: numpy.ms?.float32[n] ?? null,
      },
      gflops: rates,
      maxAbsDiffVsDirect: maxDiff,
    };
    rows.push(
      row(`b.${n}`, `cosine kernel N=${n} d=${DIM} (float64): GFLOP/s`, round(rates.ours), 'GFLOP/s', {
        anchor: bestName === 'numpy' ? `numpy f64 (${numpy.info.blas})` : 'ORT MatMul f64 direct',
        anchorValue: round(best),
        ratio: round(rates.ours / best, 2),
        goal: 'within 30% of best',
        pass: rates.ours >= 0.7 * best,
        note:
          `ORT f64 direct ${round(rates.ortDirect)}${rates.numpy ? `, numpy f64 ${round(rates.numpy)}` : ''}; ` +
          `float32: ORT ${round(rates.ortFloat32)}${rates.numpyFloat32 ? `, numpy ${round(rates.numpyFloat32)}` : ''}; max |Δ| vs direct ${maxDiff.toExponential(1)}`,
      }),
    );
  }
  // the straightforward JS triple loop, on a smaller N (it is O(N²·d)); GFLOP/s do not depend on N much
  const a = Float64Array.from(unitVectors(LOOP_N, DIM, 7));
  const out = new Float64Array(LOOP_N * LOOP_N);
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
      `cosine kernel N=${largest} vs JS triple loop (N=${LOOP_N}, float64)`,
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
  const t = new Float64Array(rows * dim);
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
