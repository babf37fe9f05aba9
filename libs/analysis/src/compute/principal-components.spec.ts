import { describe, expect, it } from 'vitest';
import { principalComponents, VectorSource } from './principal-components';
import { seededGaussian } from './seeded-random';
import { symmetricEigen } from './symmetric-eigen';

function randomSymmetric(n: number, seed: number): Float64Array {
  const random = seededGaussian(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = random() + (i === j ? 3 * i : 0);
  return a;
}

function sourceOf(rows: Float64Array[]): VectorSource {
  return { count: rows.length, dim: rows[0]?.length ?? 0, read: (i, out) => out.set(rows[i]) };
}

describe(symmetricEigen.name, () => {
  it.each([1, 2, 3, 10, 37, 80])('gives A·v = λ·v with orthonormal v, largest first, for n = %i', (n) => {
    const a = randomSymmetric(n, n);
    const { values, vectors } = symmetricEigen(a, n);
    const scale = Math.max(...Array.from(a, Math.abs));
    for (let j = 0; j < n; j++) {
      if (j > 0) expect(values[j]).toBeLessThanOrEqual(values[j - 1]);
      for (let r = 0; r < n; r++) {
        let av = 0;
        for (let c = 0; c < n; c++) av += a[r * n + c] * vectors[j][c];
        expect(Math.abs(av - values[j] * vectors[j][r])).toBeLessThan(1e-12 * scale * n);
      }
      for (let other = 0; other <= j; other++) {
        const dot = vectors[j].reduce((sum, x, i) => sum + x * vectors[other][i], 0);
        expect(Math.abs(dot - (other === j ? 1 : 0))).toBeLessThan(1e-12 * n);
      }
    }
  });
});

describe(principalComponents.name, () => {
  // Points on a known plane: x = 10·n·e1 + 3·sin(n)·e2 + tiny noise. PC1 is ±e1 and must grow with n.
  const numbers = Float64Array.from({ length: 40 }, (_, i) => i - 20);
  const dim = 6;
  const noise = seededGaussian(7);
  const rows = Array.from(numbers, (n) => {
    const x = Float64Array.from({ length: dim }, () => noise() * 1e-3);
    x[2] += 10 * n;
    x[4] -= 3 * Math.sin(n);
    return x;
  });

  it('finds the axes, orients PC1 with the numbers, and the scatter and Gram paths agree', () => {
    const scatter = principalComponents(sourceOf(rows), numbers, 10);
    expect(scatter.k).toBe(6);
    const mean = numbers.reduce((s, n) => s + n, 0) / numbers.length;
    for (let i = 0; i < numbers.length; i++)
      expect(scatter.scores[0][i]).toBeCloseTo(10 * (numbers[i] - mean), 1);
    expect(scatter.explainedVarianceRatio[0]).toBeGreaterThan(0.99);
    expect(scatter.explainedVarianceRatio.reduce((s, r) => s + r, 0)).toBeCloseTo(1, 12);

    // fewer vectors than dimensions takes the Gram path: widen each vector with zeros
    const wide = rows.map((x) => Float64Array.from({ length: 64 }, (_, d) => (d < dim ? x[d] : 0)));
    const gram = principalComponents(sourceOf(wide), numbers, 10);
    expect(gram.k).toBe(10);
    for (let j = 0; j < dim; j++)
      expect(gram.explainedVarianceRatio[j]).toBeCloseTo(scatter.explainedVarianceRatio[j], 12);
    // the noise axes have nearly equal variances, so only the two structured axes are well defined
    for (let j = 0; j < 2; j++) {
      const top = Math.max(...Array.from(scatter.scores[j], Math.abs));
      for (let i = 0; i < numbers.length; i++)
        expect(Math.abs(gram.scores[j][i] - scatter.scores[j][i])).toBeLessThan(1e-8 * top);
    }
    expect(gram.explainedVarianceRatio.slice(dim).every((r) => r < 1e-15)).toBe(true);
  });

  it('has no components below two vectors', () => {
    expect(principalComponents(sourceOf(rows.slice(0, 1)), numbers.slice(0, 1), 10)).toEqual({
      k: 0,
      scores: [],
      explainedVarianceRatio: [],
    });
  });

  it('orients an axis uncorrelated with the numbers by its first non-zero coordinate', () => {
    // along e0, uncorrelated with 1..4 (r = 0 exactly), and the first point is at -1
    const points = [-1, 1, 1, -1].map((v) => Float64Array.of(v, 0));
    const result = principalComponents(sourceOf(points), Float64Array.of(1, 2, 3, 4), 1);
    expect(result.scores[0][0]).toBeGreaterThan(0);
  });
});
