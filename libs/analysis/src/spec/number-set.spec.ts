import { describe, expect, it } from 'vitest';
import { NumberSet } from './number-set';

/** Expands an expression the slow, obvious way: the oracle for NumberSet. */
function naive(expression: string): number[] {
  const values = new Set<number>();
  for (const item of expression.split(',')) {
    const [range, step = '1'] = item.trim().split(':');
    const [a, b = a] = range.split(/(?<=\d)\.\./);
    for (let v = Number(a); v <= Number(b); v += Number(step)) values.add(v);
  }
  return [...values].sort((x, y) => x - y);
}

describe(NumberSet.name, () => {
  it.each([
    '-1000..1000',
    '5',
    '3, 1, 2, 2',
    '0..100:3, 0..100:5',
    '0..20:2, 5..15, 30',
    '-10..10:7, -3..3:2, 0',
    '1..9:4, 2..10:4, 3..11:4, 4..12:4',
    '10..1000:10, 0..9',
  ])('matches a naive expansion of %s', (expression) => {
    const expected = naive(expression);
    const set = NumberSet.parse(expression);
    expect(set.size).toBe(expected.length);
    expect([...set.slice(0, set.size)]).toEqual(expected);
    expected.forEach((v, i) => {
      expect(set.at(i)).toBe(v);
      expect(set.indexOf(v)).toBe(i);
    });
    expect(set.has(Math.max(...expected) + 1)).toBe(false);
  });

  it('sizes huge ranges without expanding them', () => {
    const set = NumberSet.parse('-4503599627370495..-1, 1..4503599627370495:1000');
    expect(set.size).toBe(4503599627370495 + 4503599627371);
    expect(set.at(set.size - 1)).toBe(4503599627370001);
    expect(set.indexOf(-1)).toBe(4503599627370494);
    expect(set.indexOf(1001)).toBe(4503599627370496);
    expect(set.has(1002)).toBe(false);
  });

  it('slices across pieces', () => {
    const set = NumberSet.parse('0..4, 10..14, 20..24:2');
    expect([...set.slice(3, 9)]).toEqual([3, 4, 10, 11, 12, 13]);
  });
});

describe('NumberSet merge bound', () => {
  it('refuses overlapping stepped items past the merge bound quickly, naming the problem', () => {
    const items = Array.from({ length: 480 }, (_, i) => `0..9000000000000:${i + 2}`).join(',');
    const started = Date.now();
    expect(() => NumberSet.parse(items, 10_000_000)).toThrow(
      /different steps overlap over more than 2,000,000 values/,
    );
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('still merges overlapping stepped items within the bound', () => {
    const set = NumberSet.parse('0..999999:2, 0..999999:3');
    // multiples of 2 or 3 below 10^6: 500000 + 333334 - 166667
    expect(set.size).toBe(666_667);
    expect(set.at(3)).toBe(4);
    expect(set.has(5)).toBe(false);
  });
});
