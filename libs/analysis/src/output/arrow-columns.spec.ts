import { makeVector } from '#arrow';
import { describe, expect, it } from 'vitest';
import { int64Column, utf8Column, utf8ListColumn } from './arrow-columns';

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

describe(utf8Column.name, () => {
  // ASCII strings are written char by char, the rest by TextEncoder: both, interleaved, must read back
  const strings = [
    '0',
    '-1,234',
    '',
    ' 42',
    'Ġ12', // a byte-level piece as stored in a vocabulary: not ASCII
    '−7', // U+2212, three bytes
    'x'.repeat(300), // longer than the room first allotted
    '😀9', // a surrogate pair, four bytes
    'é',
    '9007199254740991',
  ];

  it('reads back every string, ASCII or not, with the bytes TextEncoder gives', () => {
    const data = utf8Column(strings);
    expect(makeVector(data).toArray()).toEqual(strings);
    const expected = Buffer.concat(strings.map((s) => new TextEncoder().encode(s)));
    expect(Buffer.from(data.values.subarray(0, data.valueOffsets[strings.length]))).toEqual(expected);
  });

  it('builds list<utf8> rows over the same strings', () => {
    const offsets = Int32Array.from([0, 3, 3, 10]);
    const rows = [...makeVector(utf8ListColumn(offsets, strings))];
    expect(rows.map((row) => (row ? [...row] : null))).toEqual([
      strings.slice(0, 3),
      [],
      strings.slice(3, 10),
    ]);
  });
});
