import { availableParallelism } from 'node:os';
import { GemmVariant, nativeGemm } from './native-gemm';

const MAX_THREADS = 64;

/** How many threads one kernel gets when `poolThreads` threads each run one: the cores shared out. */
export function kernelThreads(poolThreads: number, cores = availableParallelism()): number {
  return Math.min(MAX_THREADS, Math.max(1, Math.floor(cores / Math.max(1, poolThreads))));
}

/**
 * `a · bᵀ` in float32 for row-major `a` [rows × dim] and `b` [cols × dim], in native code
 * (`libs/analysis/native`): packed panels and an AVX-512, AVX2 or portable micro-kernel, on
 * `threads` threads off the JS thread. Each element is the same sum of fused multiply-adds in the
 * same order (see native/src/gemm.h), so a cosine does not depend on how a matrix was cut into tiles,
 * on the thread count or on the CPU's vector width; when `b` is `a`, half the product is computed
 * and mirrored, which is exact for the same reason.
 */
export class CosineKernel {
  private readonly gemm = nativeGemm();

  constructor(
    readonly threads = kernelThreads(1),
    readonly variant: GemmVariant = 'auto',
  ) {
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS)
      throw new Error(`kernel threads must be a whole number from 1 to ${MAX_THREADS}, got ${threads}`);
  }

  /** The product, rows × cols, row-major. */
  multiplyTransposed(
    a: Float32Array,
    rows: number,
    b: Float32Array,
    cols: number,
    dim: number,
  ): Promise<Float32Array> {
    if (rows === 0 || cols === 0) return Promise.resolve(new Float32Array(0));
    return this.gemm.multiplyTransposed(a, rows, b, cols, dim, null, {
      threads: this.threads,
      variant: this.variant,
    });
  }
}
