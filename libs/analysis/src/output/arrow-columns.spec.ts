import { makeVector } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { int64Column } from './arrow-columns';

describe(int64Column.name, () => {
  it('holds every safe integer exactly, on both sides of the 32-bit range', () => {
    const values = [
      0,
      -0,
      1,
      -1,
      2147483647,
      -2147483648,
      2147483648,
      -2147483649,
      4294967296,
      -4294967296,
      4294967295,
      123456789012345,
      -123456789012345,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
    ];
    const column = makeVector(int64Column(Float64Array.from(values)));
    expect(Array.from(column.toArray() as BigInt64Array)).toEqual(values.map((v) => BigInt(v)));
  });
});
