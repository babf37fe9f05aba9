import { Bool, Float32, Schema, Table, vectorFromArray } from '#arrow';
import { describe, expect, it } from 'vitest';
import { boolColumn, float32Column, int32Column, int64Column } from './arrow-columns';
import { tableOf } from './parquet-file';
import { PART_SUMMARY_KEY, partSummaryFromMetadata, summarizePart } from './part-summary';
import { ANALYSIS_SCHEMAS } from './schemas';

/** A table of `schema` holding only the columns the summary reads. */
function columns(schema: Schema, names: string[], data: Parameters<typeof tableOf>[1]): Table {
  return tableOf(new Schema(names.map((name) => schema.fields.find((f) => f.name === name)!)), data);
}

describe(summarizePart.name, () => {
  it('counts tokens per number, and finds the first n ≥ 0 of more than one token', () => {
    const table = columns(
      ANALYSIS_SCHEMAS.tokens,
      ['number', 'token_count'],
      [int64Column(new Float64Array([-5, 3, 7, 12, 40])), int32Column(new Int32Array([2, 1, 1, 2, 3]))],
    );
    expect(summarizePart('tokens', table)).toEqual({
      analysis: 'tokens',
      numbers: 5,
      histogram: { 1: 2, 2: 2, 3: 1 },
      firstMultiToken: 12,
    });
  });

  it('gives no first multi-token number when only negatives have more than one token', () => {
    const table = columns(
      ANALYSIS_SCHEMAS.tokens,
      ['number', 'token_count'],
      [int64Column(new Float64Array([-12, 0, 7, -1])), int32Column(new Int32Array([3, 1, 1, 2]))],
    );
    expect(summarizePart('tokens', table)).toEqual({
      analysis: 'tokens',
      numbers: 4,
      histogram: { 1: 2, 2: 1, 3: 1 },
      firstMultiToken: null,
    });
  });

  it('counts sign-symmetry matches', () => {
    const table = columns(
      ANALYSIS_SCHEMAS['sign-symmetry'],
      ['count_match', 'ids_match'],
      [boolColumn(new Uint8Array([1, 1, 0, 1])), boolColumn(new Uint8Array([1, 0, 0, 0]))],
    );
    expect(summarizePart('sign-symmetry', table)).toEqual({
      analysis: 'sign-symmetry',
      pairs: 4,
      countMatches: 3,
      idsMatches: 1,
    });
  });

  it('sums, bounds and counts the cosines that are not null', () => {
    const table = columns(
      ANALYSIS_SCHEMAS['successive-cosine'],
      ['cosine'],
      [float32Column(new Float32Array([0.5, 9, -0.25, 0.75]), new Uint8Array([1, 0, 1, 1]))],
    );
    expect(summarizePart('successive-cosine', table)).toEqual({
      analysis: 'successive-cosine',
      rows: 4,
      withCosine: 3,
      sum: [1],
      min: -0.25,
      max: 0.75,
    });
  });

  it('gives null bounds when every cosine is null', () => {
    const table = columns(
      ANALYSIS_SCHEMAS['successive-cosine'],
      ['cosine'],
      [float32Column(new Float32Array([0.5]), new Uint8Array([0]))],
    );
    expect(summarizePart('successive-cosine', table)).toMatchObject({
      withCosine: 0,
      sum: [],
      min: null,
      max: null,
    });
  });
});

/** Seeded values in [-1, 1), about one in five null, as Arrow's iterator would yield them. */
function seededWithNulls(count: number, seed: number): (number | null)[] {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  return Array.from({ length: count }, () => {
    const v = Math.fround(next());
    return v < -0.6 ? null : v;
  });
}

describe('summarizePart over sliced and multi-batch columns', () => {
  // the reference reads values one by one through Arrow's iterator, as the definition does
  const cosines = seededWithNulls(1000, 11);
  const flags = cosines.map((v, i) => (v === null ? null : i % 3 !== 0));
  const whole = new Table({
    cosine: vectorFromArray(cosines, new Float32()),
    count_match: vectorFromArray(flags, new Bool()),
    ids_match: vectorFromArray(
      flags.map((f, i) => f && i % 2 === 0),
      new Bool(),
    ),
  });
  // rows 13..987 (offsets that are not multiples of 8), and the same rows as three batches
  const sliced = whole.slice(13, 988);
  const batched = new Table(
    [sliced.slice(0, 300), sliced.slice(300, 701), sliced.slice(701)].flatMap((t) => t.batches),
  );

  const reference = (table: Table) => {
    const values = [...table.getChild('cosine')!].filter((v): v is number => v !== null);
    return {
      withCosine: values.length,
      min: Math.min(...values),
      max: Math.max(...values),
      countMatches: [...table.getChild('count_match')!].filter((v) => v === true).length,
      idsMatches: [...table.getChild('ids_match')!].filter((v) => v === true).length,
    };
  };

  it.each([
    ['a slice', sliced],
    ['three batches of a slice', batched],
  ])('reads %s as its values say', (_, table) => {
    const want = reference(table);
    expect(want.withCosine).toBeGreaterThan(600);
    expect(summarizePart('successive-cosine', table)).toMatchObject({
      rows: 975,
      withCosine: want.withCosine,
      min: want.min,
      max: want.max,
    });
    expect(summarizePart('sign-symmetry', table)).toEqual({
      analysis: 'sign-symmetry',
      pairs: 975,
      countMatches: want.countMatches,
      idsMatches: want.idsMatches,
    });
    // the sum is exact, so the same values in any batching give the same sum
    expect(summarizePart('successive-cosine', table)).toEqual(summarizePart('successive-cosine', sliced));
  });
});

describe('summarizePart of a cosine-matrix tile', () => {
  const matrix = (rows: number[], cols: number[], cosines: number[]) =>
    tableOf(ANALYSIS_SCHEMAS['cosine-matrix'], [
      int64Column(new Float64Array(rows)),
      int64Column(new Float64Array(cols)),
      float32Column(new Float32Array(cosines)),
    ]);

  it('counts the diagonal as the numbers and bounds the cosines off it', () => {
    const table = matrix([1, 1, 2, 2], [1, 2, 1, 2], [1, 0.25, 0.25, 1]);
    expect(summarizePart('cosine-matrix', table)).toEqual({
      analysis: 'cosine-matrix',
      numbers: 2,
      offDiagonal: 2,
      sum: [0.5],
      min: 0.25,
      max: 0.25,
    });
  });

  it('gives a tile off the diagonal no numbers, and a one-number matrix no bounds', () => {
    expect(summarizePart('cosine-matrix', matrix([1, 1], [5, 6], [-0.5, 0.75]))).toMatchObject({
      numbers: 0,
      offDiagonal: 2,
      min: -0.5,
      max: 0.75,
    });
    expect(summarizePart('cosine-matrix', matrix([3], [3], [1]))).toMatchObject({
      numbers: 1,
      offDiagonal: 0,
      sum: [],
      min: null,
      max: null,
    });
  });
});

describe(partSummaryFromMetadata.name, () => {
  const tokens = { analysis: 'tokens', numbers: 2, histogram: { 1: 2 }, firstMultiToken: null };

  it('reads the summary a footer carries for its analysis', () => {
    expect(partSummaryFromMetadata({ [PART_SUMMARY_KEY]: JSON.stringify(tokens) }, 'tokens')).toEqual(tokens);
  });

  it.each([
    ['no summary', {}, 'tokens'],
    ['an analysis without summaries', { [PART_SUMMARY_KEY]: JSON.stringify(tokens) }, 'fourier'],
    ['the summary of another analysis', { [PART_SUMMARY_KEY]: JSON.stringify(tokens) }, 'sign-symmetry'],
    ['malformed JSON', { [PART_SUMMARY_KEY]: '{"analysis":' }, 'tokens'],
    [
      'a count that is not one',
      { [PART_SUMMARY_KEY]: JSON.stringify({ ...tokens, histogram: { 1: -2 } }) },
      'tokens',
    ],
    [
      'a missing field',
      { [PART_SUMMARY_KEY]: JSON.stringify({ analysis: 'sign-symmetry', pairs: 1, countMatches: 1 }) },
      'sign-symmetry',
    ],
    [
      'a sum that is not a list',
      {
        [PART_SUMMARY_KEY]: JSON.stringify({
          analysis: 'successive-cosine',
          rows: 1,
          withCosine: 1,
          sum: 0.5,
          min: 0.5,
          max: 0.5,
        }),
      },
      'successive-cosine',
    ],
  ] as const)('gives null for %s, so that the rows are read instead', (_, metadata, analysis) => {
    expect(partSummaryFromMetadata(metadata as Record<string, string>, analysis)).toBeNull();
  });
});
