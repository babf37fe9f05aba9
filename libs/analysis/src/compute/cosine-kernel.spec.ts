import { describe, expect, it } from 'vitest';
import { CosineKernel, kernelThreads } from './cosine-kernel';
import { nativeGemm } from './native-gemm';
import { seededUniform } from './seeded-random';

const VARIANTS = nativeGemm().variants().supported;
const SLICE = nativeGemm().slice;

/**
 * fmaf(a, b, c) for float32 a, b, c, worked out in float64: a·b is exact there (two 24-bit
 * significands), TwoSum gives the exact error e of s = a·b + c, and rounding s to float32 is right
 * except when s falls exactly halfway between two float32 values, where e decides.
 */
function fusedMultiplyAdd(a: number, b: number, c: number): number {
  const product = a * b;
  const sum = product + c;
  const back = sum - product;
  const error = product - (sum - back) + (c - back);
  const rounded = Math.fround(sum);
  if (error === 0 || rounded === sum) return rounded;
  const other = rounded + 2 * (sum - rounded);
  if (Math.fround(other) !== other) return rounded; // not halfway: the error cannot cross a boundary
  return error > 0 === sum > rounded ? other : rounded;
}

/** `count` random unit vectors of width `dim`, float32, the same for the same seed. */
function unitVectors(count: number, dim: number, seed: number): Float32Array {
  const random = seededUniform(seed);
  const vectors = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const v = Array.from({ length: dim }, () => random() - 0.5);
    const norm = Math.hypot(...v);
    v.forEach((x, d) => (vectors[i * dim + d] = x / norm));
  }
  return vectors;
}

/** Seeded operands a [rows × dim] and b [cols × dim], uniform in [-0.5, 0.5). */
function randomOperands(
  rows: number,
  cols: number,
  dim: number,
  seed: number,
): { a: Float32Array; b: Float32Array } {
  const random = seededUniform(seed);
  return {
    a: Float32Array.from({ length: rows * dim }, () => random() - 0.5),
    b: Float32Array.from({ length: cols * dim }, () => random() - 0.5),
  };
}

const rowsOf = (vectors: Float32Array, dim: number, from: number, to: number) =>
  vectors.slice(from * dim, to * dim);

describe(CosineKernel.name, () => {
  const kernel = (threads: number, variant = VARIANTS.at(-1)) => new CosineKernel(threads, variant);

  it('runs on this machine with the portable variant at least', () => {
    expect(VARIANTS).toContain('portable');
    expect(VARIANTS).toContain(nativeGemm().variants().best);
  });

  it('sums the width in slices of 128', () => {
    expect(SLICE).toBe(128);
  });

  // shapes that leave partial tiles in rows and columns, and widths of one pass and of two
  describe.each(VARIANTS)('the %s variant', (variant) => {
    it.each([
      [1, 1, 1],
      [13, 37, 300],
      [25, 70, 768],
      [3, 35, 4100], // two passes over the width
    ])(
      'sums 128-step chains of fused multiply-adds, then the chains in order, bit for bit (%i×%i, width %i)',
      async (rows, cols, dim) => {
        const { a, b } = randomOperands(rows, cols, dim, rows + cols + dim);
        const product = await kernel(2, variant).multiplyTransposed(a, rows, b, cols, dim);
        let differing = 0;
        for (let i = 0; i < rows; i++) {
          for (let j = 0; j < cols; j++) {
            let total = 0;
            for (let from = 0; from < dim; from += SLICE) {
              let slice = 0;
              for (let d = from; d < Math.min(from + SLICE, dim); d++)
                slice = fusedMultiplyAdd(a[i * dim + d], b[j * dim + d], slice);
              total = from === 0 ? slice : Math.fround(total + slice);
            }
            if (total !== product[i * cols + j]) differing++;
          }
        }
        expect(differing).toBe(0);
      },
    );
  });

  it.each([
    [1, 1, 1],
    [3, 5, 7],
    [17, 4, 64],
    [300, 260, 33],
    [257, 511, 768],
  ])(
    'equals the float64 product a·bᵀ within float32 rounding for %i×%i over width %i',
    async (rows, cols, dim) => {
      const { a, b } = randomOperands(rows, cols, dim, rows * 1000 + cols * 10 + dim);
      const product = await kernel(2).multiplyTransposed(a, rows, b, cols, dim);
      expect(product).toHaveLength(rows * cols);
      let worst = 0;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          let dot = 0;
          let scale = 0;
          for (let d = 0; d < dim; d++) {
            dot += a[i * dim + d] * b[j * dim + d];
            scale += Math.abs(a[i * dim + d] * b[j * dim + d]);
          }
          // float32 summation: error at most about dim · 2⁻²⁴ of the sum of |terms|
          worst = Math.max(worst, Math.abs(product[i * cols + j] - dot) / (scale * dim * 2 ** -24));
        }
      }
      expect(worst).toBeLessThan(1);
    },
  );

  it('answers an empty product with nothing', async () => {
    expect(
      await kernel(1).multiplyTransposed(new Float32Array(0), 0, new Float32Array(8), 2, 4),
    ).toHaveLength(0);
  });

  // tiles of many shapes, diagonal ones computed as half and mirrored, on any thread count or variant
  describe.each([
    [768, 300],
    [100, 600],
  ])('the same bits however the product is cut (width %i, %i vectors)', (dim, N) => {
    const vectors = unitVectors(N, dim, dim);
    let whole: Float32Array;

    it('computes a diagonal product from half of it, exactly', async () => {
      whole = await kernel(2).multiplyTransposed(vectors, N, vectors, N, dim);
      const general = await kernel(2).multiplyTransposed(vectors, N, vectors.slice(), N, dim);
      expect(Buffer.from(whole.buffer).equals(Buffer.from(general.buffer))).toBe(true);
    });

    it.each([1, 3, 4])('whatever the thread count (%i)', async (threads) => {
      const product = await kernel(threads).multiplyTransposed(vectors, N, vectors, N, dim);
      expect(Buffer.from(product.buffer).equals(Buffer.from(whole.buffer))).toBe(true);
    });

    it.each(VARIANTS)('whatever the variant (%s)', async (variant) => {
      const product = await kernel(2, variant).multiplyTransposed(vectors, N, vectors.slice(), N, dim);
      expect(Buffer.from(product.buffer).equals(Buffer.from(whole.buffer))).toBe(true);
    });

    it.each([7, 64, 65, 100, 255, 257])('whatever the tile size (%i)', async (tile) => {
      let differing = 0;
      for (let top = 0; top < N; top += tile) {
        const bottom = Math.min(top + tile, N);
        const rows = rowsOf(vectors, dim, top, bottom);
        for (let left = 0; left < N; left += tile) {
          const right = Math.min(left + tile, N);
          const cols = left === top ? rows : rowsOf(vectors, dim, left, right);
          const tileProduct = await kernel(2).multiplyTransposed(rows, bottom - top, cols, right - left, dim);
          for (let y = top; y < bottom; y++) {
            for (let x = left; x < right; x++)
              if (tileProduct[(y - top) * (right - left) + (x - left)] !== whole[y * N + x]) differing++;
          }
        }
      }
      expect(differing).toBe(0);
    });

    it('for a single pair', async () => {
      for (const [y, x] of [
        [0, 0],
        [3, N - 1],
        [150, 7],
        [N - 1, N - 1],
      ]) {
        const [pair] = await kernel(2).multiplyTransposed(
          rowsOf(vectors, dim, y, y + 1),
          1,
          rowsOf(vectors, dim, x, x + 1),
          1,
          dim,
        );
        expect(pair).toBe(whole[y * N + x]);
      }
    });
  });
});

describe(kernelThreads.name, () => {
  it.each([
    [1, 2, 2],
    [2, 2, 1],
    [3, 2, 1],
    [1, 6, 6],
    [2, 16, 8],
    [0, 8, 8],
    [1, 1000, 64],
  ])('gives %i pool threads on %i cores %i kernel threads each', (pool, cores, expected) => {
    expect(kernelThreads(pool, cores)).toBe(expected);
  });

  it.each([0, 1.5, 65])('refuses %d kernel threads', (threads) => {
    expect(() => new CosineKernel(threads)).toThrow(
      `kernel threads must be a whole number from 1 to 64, got ${threads}`,
    );
  });
});

describe('the native product', () => {
  const gemm = nativeGemm();
  const four = new Float32Array(4);

  it.each([
    [
      'a shorter than rows × dim',
      () => gemm.multiplyTransposed(four, 3, four, 1, 2, four),
      'a is shorter than rows × dim',
    ],
    [
      'b shorter than cols × dim',
      () => gemm.multiplyTransposed(four, 1, four, 3, 2, four),
      'b is shorter than cols × dim',
    ],
    [
      'out shorter than rows × cols',
      () => gemm.multiplyTransposed(four, 2, four, 2, 2, new Float32Array(3)),
      'out is shorter than rows × cols',
    ],
    [
      'out of another type',
      () => gemm.multiplyTransposed(four, 1, four, 1, 4, new Uint8Array(4) as never),
      'out must be a Float32Array or null',
    ],
    [
      'a Float64Array',
      () => gemm.multiplyTransposed(new Float64Array(4) as never, 1, four, 1, 4, four),
      'a must be a Float32Array',
    ],
    [
      'a fractional dim',
      () => gemm.multiplyTransposed(four, 1, four, 1, 1.5, four),
      'dim must be a whole number',
    ],
    [
      'an unknown variant',
      () => gemm.multiplyTransposed(four, 1, four, 1, 4, four, { variant: 'sse' as never }),
      'variant must be one of auto, portable, avx2, avx512',
    ],
    [
      'no threads',
      () => gemm.multiplyTransposed(four, 1, four, 1, 4, four, { threads: 0 }),
      'threads must be a whole number from 1 to 64',
    ],
  ])('refuses %s, naming it', (_, call, message) => {
    expect(call).toThrow(message);
  });

  it('gives zeros for a width of zero', async () => {
    const out = Float32Array.from([1, 2, 3, 4]);
    expect(await gemm.multiplyTransposed(new Float32Array(0), 2, new Float32Array(0), 2, 0, out)).toBe(out);
    expect([...out]).toEqual([0, 0, 0, 0]);
  });

  it('writes into a given array, or into a new one of its own', async () => {
    const a = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const expected = [5, 11, 17, 11, 25, 39, 17, 39, 61];
    const out = new Float32Array(9);
    expect(await gemm.multiplyTransposed(a, 3, a, 3, 2, out)).toBe(out);
    expect([...out]).toEqual(expected);
    const product = await gemm.multiplyTransposed(a, 3, a, 3, 2, null);
    expect(product).toBeInstanceOf(Float32Array);
    expect([...product]).toEqual(expected);
  });

  it('hands out large products that stay intact while many more are made and collected', async () => {
    const n = 1100; // 4.8 MB: the addon's own 2 MiB pages
    const vectors = unitVectors(n, 16, 3);
    const first = await gemm.multiplyTransposed(vectors, n, vectors, n, 16, null);
    const copy = first.slice();
    for (let i = 0; i < 20; i++) await gemm.multiplyTransposed(vectors, n, vectors, n, 16, null);
    expect(Buffer.from(first.buffer).equals(Buffer.from(copy.buffer))).toBe(true);
  });
});
