import { describe, expect, it } from 'vitest';
import { DftPlan } from './fft';

/** |X_k|² by the O(N²) definition, in float64: the oracle for the FFT. */
function naivePower(x: number[]): number[] {
  const n = x.length;
  return Array.from({ length: n }, (_, k) => {
    let re = 0;
    let im = 0;
    for (let t = 0; t < n; t++) {
      re += x[t] * Math.cos((2 * Math.PI * k * t) / n);
      im -= x[t] * Math.sin((2 * Math.PI * k * t) / n);
    }
    return re * re + im * im;
  });
}

describe(DftPlan.name, () => {
  it.each([1, 2, 3, 7, 8, 10, 64, 100, 127, 520, 1000])('matches the naive DFT for N = %i', (n) => {
    let seed = n;
    const x = Array.from({ length: n }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31 - 0.5;
    });
    const out = new Float64Array(n);
    new DftPlan(n).addPower(Float64Array.from(x), out);
    const expected = naivePower(x);
    const scale = Math.max(...expected, 1);
    expected.forEach((p, k) => expect(Math.abs(out[k] - p) / scale).toBeLessThan(1e-9));
  });

  it('accumulates over calls', () => {
    const plan = new DftPlan(12);
    const out = new Float64Array(12);
    const x = Float64Array.from({ length: 12 }, (_, t) => Math.cos((2 * Math.PI * 3 * t) / 12));
    plan.addPower(x, out);
    plan.addPower(x, out);
    expect(out[3]).toBeCloseTo(2 * 36, 9);
    expect(out[4]).toBeCloseTo(0, 9);
  });
});
