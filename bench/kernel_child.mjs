// Times tokensweep's cosine kernel in a process of its own, as bench/numpy_matmul.py does numpy's:
// a·aᵀ (diagonal tile) and a·bᵀ (b a copy of a) for each N, medians in milliseconds, printed as JSON.
// The transformers runtime is loaded first, as it is in every thread that runs chunks. The process
// runs with --expose-gc and collects before each timed run, outside the timing: the last product is
// then gone, as numpy's is the moment its reference count drops, and the kernel reuses its memory
// (the first touch of a page costs ~10 µs here, numpy's allocator reuses freed memory at once).
import { lib, median, timeRuns, unitVectors } from './lib/common.mjs';

const [sizesArg, dimArg, runsArg, warmupArg] = process.argv.slice(2);
const dim = Number(dimArg);
const { CosineKernel, kernelThreads } = lib('compute/cosine-kernel');
await lib('compute/transformers-runtime').loadTransformers();
const kernel = new CosineKernel(kernelThreads(1));
const SAMPLED_PAIRS = 20_000;
const out = {
  kernelThreads: kernel.threads,
  ms: { aat: {}, abt: {} },
  mirrorDiffers: {},
  maxAbsErrorVsFloat64: {},
};
for (const n of sizesArg.split(',').map(Number)) {
  const a = unitVectors(n, dim, n);
  const b = a.slice();
  let symmetric;
  let general;
  out.ms.aat[n] = median(
    await timeRuns(
      async () => (symmetric = await kernel.multiplyTransposed(a, n, a, n, dim)),
      Number(runsArg),
      Number(warmupArg),
      { collectBetween: true },
    ),
  );
  out.ms.abt[n] = median(
    await timeRuns(
      async () => (general = await kernel.multiplyTransposed(a, n, b, n, dim)),
      Number(runsArg),
      Number(warmupArg),
      { collectBetween: true },
    ),
  );
  out.mirrorDiffers[n] = symmetric.filter((v, i) => v !== general[i]).length;
  out.maxAbsErrorVsFloat64[n] = sampledError(a, n, dim, symmetric);
}
console.log(JSON.stringify(out));

/** The largest difference between the kernel's cosines and float64 dot products, over sampled pairs. */
function sampledError(a, n, dim, product) {
  let worst = 0;
  for (let k = 0; k < SAMPLED_PAIRS; k++) {
    const i = (k * 7919) % n;
    const j = (k * 104_729 + 13) % n;
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += a[i * dim + d] * a[j * dim + d];
    worst = Math.max(worst, Math.abs(product[i * n + j] - dot));
  }
  return worst;
}
