import { describe, expect, it } from 'vitest';
import { EmbeddingMatrix } from '../models/embeddings';
import { Pooling } from '../spec/vocabulary';
import { DotsVariant, nativeGemm } from './native-gemm';
import { SuccessiveDots } from './pooled-dots';
import { successiveCosines } from './successive-cosines';
import { seededGaussian, seededUniform } from './seeded-random';
import { TokenizedNumbers } from './tokenize-numbers';
import { utf8Texts } from './utf8-texts';

const ROWS = 64;
/** Rows 0..SPECIAL-1 are the edge cases below, the rest seeded Gaussian ones. */
const SPECIAL = 10;
const VARIANTS = (['portable', 'avx2'] as const).filter((v) => nativeGemm().variants().supported.includes(v));

/**
 * Seeded rows of width `dim`, the first ones edge cases: zeros, minus zeros, a NaN, +Infinity,
 * -Infinity, float32's largest values, subnormals, scattered -0, and two rows that cancel exactly.
 */
function matrix(dim: number, seed: number): EmbeddingMatrix {
  const random = seededGaussian(seed);
  const data = Float32Array.from({ length: ROWS * dim }, () => random());
  const row = (r: number) => data.subarray(r * dim, (r + 1) * dim);
  row(0).fill(0);
  row(1).fill(-0);
  row(2)[dim >> 1] = NaN;
  row(3)[dim - 1] = Infinity;
  row(4)[0] = -Infinity;
  row(5).forEach((x, d, r) => (r[d] = d % 2 ? 3.4e38 : -3.4e38 * Math.sign(x)));
  row(6).forEach((x, d, r) => (r[d] = x * 1e-44));
  row(7).forEach((_, d, r) => d % 3 === 0 && (r[d] = -0));
  row(8).set(row(9).map((x) => -x));
  return { tensorName: 't', dtype: 'F32', rows: ROWS, dim, data, sha256: '' };
}

/** `count` numbers of 0 to 6 tokens each, edge-case rows about one token in five. */
function tokenized(count: number, seed: number): TokenizedNumbers {
  const random = seededUniform(seed);
  const offsets = new Int32Array(count + 1);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const tokens = Math.floor(random() * 7);
    for (let t = 0; t < tokens; t++)
      ids.push(
        random() < 0.2 ? Math.floor(random() * SPECIAL) : SPECIAL + Math.floor(random() * (ROWS - SPECIAL)),
      );
    offsets[i + 1] = ids.length;
  }
  return { values: new Float64Array(count), texts: utf8Texts([]), offsets, ids: Int32Array.from(ids) };
}

/** The definition: SuccessiveDots over the numbers in order, the first one the predecessor. */
function definition(tokens: TokenizedNumbers, m: EmbeddingMatrix, pooling: Pooling): number[] {
  const dots = new SuccessiveDots(m, pooling);
  const count = tokens.offsets.length - 1;
  if (count > 0) dots.next(tokens, 0);
  return Array.from({ length: Math.max(0, count - 1) }, (_, i) => dots.next(tokens, i + 1));
}

/** Where two arrays of cosines differ in any bit (NaN counts as equal to NaN). */
function differences(actual: ArrayLike<number>, expected: number[]): number[] {
  const where = expected.flatMap((c, i) => (Object.is(c, actual[i]) ? [] : [i]));
  return actual.length === expected.length ? where : [-1, ...where];
}

function thrown(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  return 'nothing thrown';
}

describe(successiveCosines.name, () => {
  describe.each<DotsVariant>(['auto', ...VARIANTS])('the %s variant', (variant) => {
    it.each<[number, Pooling]>(
      [1, 3, 4, 5, 8, 12, 768, 770].flatMap((dim): [number, Pooling][] => [
        [dim, 'mean'],
        [dim, 'none'],
      ]),
    )('gives the definition’s bits at width %i, pooling %s', (dim, pooling) => {
      const m = matrix(dim, dim);
      const tokens = tokenized(2_000, dim + 1);
      const expected = definition(tokens, m, pooling);
      expect(differences(successiveCosines(tokens, m, pooling, variant), expected)).toEqual([]);
      // enough of both kinds that a wrong cosine or a wrong NaN would show
      expect(expected.filter((c) => !Number.isNaN(c)).length).toBeGreaterThan(pooling === 'mean' ? 100 : 10);
      expect(expected.filter((c) => Number.isNaN(c)).length).toBeGreaterThan(10);
    });

    it('gives the definition’s bits at the edges: no numbers, one, and every edge-case row on its own and in pairs', () => {
      const m = matrix(5, 9);
      const lists = [
        [],
        [[3]],
        [[12], [12]],
        ...Array.from({ length: SPECIAL }, (_, r) => [[12], [r], [r, 13], [r, r], [13]]),
      ];
      lists.push([[8, 9], [9], [9, 8], [9, 8, 0, 1]]);
      for (const numbers of lists) {
        const offsets = Int32Array.from([0, ...numbers.map((_, i) => numbers.slice(0, i + 1).flat().length)]);
        const tokens = {
          values: new Float64Array(numbers.length),
          texts: utf8Texts([]),
          offsets,
          ids: Int32Array.from(numbers.flat()),
        };
        for (const pooling of ['mean', 'none'] as const)
          expect(
            differences(successiveCosines(tokens, m, pooling, variant), definition(tokens, m, pooling)),
          ).toEqual([]);
      }
    });
  });

  it.each([
    ['past the last row', ROWS],
    ['negative', -1],
  ])('refuses a token id %s with the definition’s message, for either pooling', (_, id) => {
    const m = matrix(4, 4);
    const tokens = tokenized(50, 5);
    const ids = tokens.ids.slice();
    ids[tokens.offsets[30] + 0] = id; // a number of several tokens, which `none` gives no embedding
    const bad = { ...tokens, ids };
    expect(tokens.offsets[31] - tokens.offsets[30]).toBeGreaterThan(1);
    for (const pooling of ['mean', 'none'] as const) {
      const message = thrown(() => definition(bad, m, pooling));
      expect(message).toBe(
        `token id ${id} is outside the embedding matrix (${ROWS} rows); tokenizer and weights do not match`,
      );
      for (const variant of VARIANTS)
        expect(thrown(() => successiveCosines(bad, m, pooling, variant))).toBe(message);
    }
  });

  it.each<[string, (t: TokenizedNumbers) => Partial<TokenizedNumbers>, RegExp]>([
    [
      'offsets that fall',
      (t) => ({ offsets: t.offsets.map((o, i) => (i === 10 ? 0 : o)) }),
      /offsets must rise/,
    ],
    ['offsets past the ids', (t) => ({ ids: t.ids.subarray(0, t.ids.length - 1) }), /past the end of ids/],
  ])('refuses %s instead of reading outside the arrays', (_, change, message) => {
    const tokens = tokenized(20, 7);
    expect(tokens.offsets[9]).toBeGreaterThan(0);
    expect(() => successiveCosines({ ...tokens, ...change(tokens) }, matrix(4, 4), 'mean')).toThrow(message);
  });

  it('refuses a matrix shorter than its rows × dim, and an unknown variant', () => {
    const m = matrix(4, 4);
    const tokens = tokenized(20, 7);
    expect(() => successiveCosines(tokens, { ...m, rows: ROWS + 1 }, 'mean')).toThrow(
      /shorter than rows × dim/,
    );
    expect(() => successiveCosines(tokens, m, 'mean', 'avx512' as DotsVariant)).toThrow(
      /auto, portable, avx2/,
    );
  });
});
