import { describe, expect, it } from 'vitest';
import { ExactSum, Float32ExactSum } from './exact-sum';
import { seededUniform } from './seeded-random';

const SCALE = 2 ** 149;

/**
 * The correctly rounded sum of float32 values, by integers: each is an integer multiple of 2^-149,
 * so scaled by 2^149 they add exactly as BigInts, and Number() rounds the total to nearest, ties to even.
 */
function referenceSum(values: number[]): number {
  let total = 0n;
  for (const v of values) total += BigInt(v * SCALE);
  return Number(total) / SCALE;
}

function float32Values(count: number, seed: number): number[] {
  const random = seededUniform(seed);
  // cosines' range, with some tiny and some exactly cancelling values
  return Array.from({ length: count }, (_, i) => {
    const v = Math.fround((random() * 2 - 1) * (i % 7 === 0 ? 1e-6 : 1));
    return i % 11 === 0 ? -v : v;
  });
}

function sumOf(values: number[]): number {
  const sum = new ExactSum();
  for (const v of values) sum.add(v);
  return sum.value();
}

function shuffled<T>(items: T[], seed: number): T[] {
  const random = seededUniform(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe(ExactSum.name, () => {
  it('gives the correctly rounded sum of 20,000 float32 values, where adding them in order often does not', () => {
    let naiveMisses = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const values = float32Values(20_000, seed);
      expect(sumOf(values), `seed ${seed}`).toBe(referenceSum(values));
      if (values.reduce((a, b) => a + b, 0) !== referenceSum(values)) naiveMisses++;
    }
    expect(naiveMisses).toBeGreaterThan(0);
  });

  it('gives the same bits whatever the order and grouping of the values, merged through JSON', () => {
    const values = float32Values(5_000, 9);
    const expected = sumOf(values);
    for (const seed of [1, 2, 3, 4]) {
      const order = shuffled(values, seed);
      const merged = new ExactSum();
      for (let from = 0; from < order.length; from += 17 * seed) {
        const part = new ExactSum();
        for (const v of order.slice(from, from + 17 * seed)) part.add(v);
        merged.merge(new ExactSum(JSON.parse(JSON.stringify(part))));
      }
      expect(merged.value()).toBe(expected);
    }
  });

  it.each([
    [[1e-16, 1, 1e16], 10000000000000002],
    [[1, 1e100, 1, -1e100], 2],
    [Array(10).fill(0.1), 1],
    [[0.1, 0.2, 0.3, -0.6], 2.7755575615628914e-17],
    [[], 0],
  ])('sums %j to %d, as math.fsum does', (values, expected) => {
    expect(sumOf(values)).toBe(expected);
  });
});

describe(Float32ExactSum.name, () => {
  it('gives the bits of ExactSum over float32 values of every magnitude, denormals and cancellations included', () => {
    const random = seededUniform(77);
    const values = Array.from({ length: 50_000 }, (_, i) => {
      const magnitude = 2 ** Math.floor(random() * 277 - 150); // from denormals to 2^126
      const v = Math.fround((random() * 2 - 1) * magnitude);
      return i % 13 === 0 ? -v : v;
    });
    values.push(Math.fround(3e38), Math.fround(3e38), -Math.fround(3e38), 2 ** -149, -(2 ** -149), 0, -0);
    const sum = new Float32ExactSum();
    for (const v of values) sum.add(v);
    expect(sum.value()).toBe(referenceSum(values));
    expect(sum.value()).toBe(sumOf(values));
  });

  it('adds the valid values of a column whose bitmap starts at an offset, and bounds them', () => {
    const random = seededUniform(5);
    const values = Float32Array.from({ length: 3000 }, () => random() * 2 - 1);
    const bitOffset = 5;
    const validity = new Uint8Array(Math.ceil((values.length + bitOffset) / 8));
    const valid = values.map((_, i) => (i % 7 === 3 ? 0 : 1));
    valid.forEach((v, i) => (validity[(i + bitOffset) >> 3] |= v << ((i + bitOffset) & 7)));
    const kept = [...values].filter((_, i) => valid[i]);

    const column = new Float32ExactSum();
    const bounds = new Float64Array([Infinity, -Infinity]);
    expect(column.addColumn(values, validity, bitOffset, values.length, bounds)).toBe(kept.length);
    const one = new Float32ExactSum();
    for (const v of kept) one.add(v);
    expect(column.toJSON()).toEqual(one.toJSON());
    expect([...bounds]).toEqual([Math.min(...kept), Math.max(...kept)]);

    const all = new Float32ExactSum();
    expect(all.addColumn(values, null, 0, 10, bounds)).toBe(10);
  });

  it('empties its buckets as it goes (every 2^20 values) without changing the sum', () => {
    const values = Array.from({ length: 2 ** 21 + 3 }, (_, i) => Math.fround(1 + (i % 4096) * 2 ** -23));
    const sum = new Float32ExactSum();
    for (const v of values) sum.add(v);
    expect(sum.value()).toBe(referenceSum(values));
  });
});
