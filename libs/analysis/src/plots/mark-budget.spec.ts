import { describe, expect, it } from 'vitest';
import { NumberBins, ordinal, strideFor } from './mark-budget';

describe(NumberBins.name, () => {
  it.each([
    { min: -1000, max: 1000, maxBins: 480 },
    { min: 0, max: 9, maxBins: 480 },
    { min: 5, max: 5, maxBins: 10 },
    { min: -100_000, max: 100_000, maxBins: 7 },
  ])('covers $min..$max in at most $maxBins touching bins', ({ min, max, maxBins }) => {
    const bins = new NumberBins(min, max, maxBins);
    expect(bins.count).toBeLessThanOrEqual(maxBins);
    expect(bins.start(0)).toBe(min);
    expect(bins.end(bins.count - 1)).toBeGreaterThan(max);
    for (let i = 1; i < bins.count; i++) expect(bins.start(i)).toBe(bins.end(i - 1));
    for (const n of [min, max, Math.floor((min + max) / 2)]) {
      const i = bins.index(n);
      expect(n).toBeGreaterThanOrEqual(bins.start(i));
      expect(n).toBeLessThan(bins.end(i));
    }
  });

  it('puts each integer in a bin of its own when they are fewer than the bins', () => {
    const bins = new NumberBins(0, 9, 480);
    expect(bins.width).toBe(1);
    expect([...Array(10).keys()].map((n) => bins.index(n))).toEqual([...Array(10).keys()]);
  });
});

describe(strideFor.name, () => {
  it.each([
    [100, 20_000, 1],
    [20_000, 20_000, 1],
    [20_001, 20_000, 2],
    [540_000, 20_000, 27],
  ])('keeps every k-th of %i items for a budget of %i: k = %i', (total, budget, stride) => {
    expect(strideFor(total, budget)).toBe(stride);
    expect(Math.ceil(total / stride)).toBeLessThanOrEqual(budget);
  });
});

describe(ordinal.name, () => {
  it.each([
    [1, '1st'],
    [2, '2nd'],
    [3, '3rd'],
    [4, '4th'],
    [11, '11th'],
    [12, '12th'],
    [13, '13th'],
    [21, '21st'],
    [27, '27th'],
    [112, '112th'],
  ])('%i → %s', (n, text) => expect(ordinal(n)).toBe(text));
});
