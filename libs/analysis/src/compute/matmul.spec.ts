import { describe, expect, it } from 'vitest';
import { multiplyTransposed } from './matmul';

describe(multiplyTransposed.name, () => {
  it.each([
    [1, 1, 1],
    [3, 5, 7],
    [17, 4, 64],
    [64, 64, 33],
  ])('equals the float64 product a·bᵀ for %i×%i over width %i', async (rows, cols, dim) => {
    let seed = rows * 1000 + cols * 10 + dim;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
    const a = Float64Array.from({ length: rows * dim }, random);
    const b = Float64Array.from({ length: cols * dim }, random);
    const product = await multiplyTransposed(a, rows, b, cols, dim);
    expect(product).toHaveLength(rows * cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        let dot = 0;
        for (let d = 0; d < dim; d++) dot += a[i * dim + d] * b[j * dim + d];
        expect(Math.abs(product[i * cols + j] - dot)).toBeLessThan(1e-12);
      }
    }
  });

  it('answers an empty product with nothing', async () => {
    expect(await multiplyTransposed(new Float64Array(0), 0, new Float64Array(8), 2, 4)).toHaveLength(0);
  });
});
