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
