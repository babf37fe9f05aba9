import { describe, expect, it } from 'vitest';
import { EmbeddingMatrix } from '../models/embeddings';
import { Pooling } from '../spec/vocabulary';
import { normalize, poolInto } from './number-embeddings';
import { SuccessiveDots } from './pooled-dots';
import { seededGaussian, seededUniform } from './seeded-random';
import { TokenizedNumbers } from './tokenize-numbers';
import { utf8Texts } from './utf8-texts';

const ROWS = 40;

/** Seeded rows, plus a zero row (0), a row with NaN (1) and one with an infinity (2). */
function matrix(dim: number): EmbeddingMatrix {
  const random = seededGaussian(dim);
  const data = Float32Array.from({ length: ROWS * dim }, () => random());
  data.fill(0, 0, dim);
  data[dim + 1] = NaN;
  data[2 * dim + dim - 1] = Infinity;
  return { tensorName: 't', dtype: 'F32', rows: ROWS, dim, data, sha256: '' };
}

/** Numbers of 0 to 6 tokens, of every row. */
function tokenized(count: number): TokenizedNumbers {
  const random = seededUniform(count);
  const offsets = new Int32Array(count + 1);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const tokens = Math.floor(random() * 7);
    for (let t = 0; t < tokens; t++) ids.push(Math.floor(random() * ROWS));
    offsets[i + 1] = ids.length;
  }
  return { values: new Float64Array(count), texts: utf8Texts([]), offsets, ids: Int32Array.from(ids) };
}

/** The cosine of the normalized mean vectors, as the definition reads; null without an embedding. */
function referenceCosines(tokens: TokenizedNumbers, m: EmbeddingMatrix, pooling: Pooling): (number | null)[] {
  const vectors = Array.from({ length: tokens.offsets.length - 1 }, (_, i) => {
    const out = new Float64Array(m.dim);
    const norm = poolInto(tokens, i, m, pooling, out);
    return norm > 0 ? normalize(out, norm) : null;
  });
  return vectors.slice(1).map((v, i) => {
    const u = vectors[i];
    return v && u ? v.reduce((sum, x, d) => sum + x * u[d], 0) : null;
  });
}

describe(SuccessiveDots.name, () => {
  it.each<[number, Pooling]>([
    [768, 'mean'],
    [7, 'mean'],
    [5, 'none'],
  ])(
    'gives the cosines of the definition at width %i, pooling %s, within float64 rounding',
    (dim, pooling) => {
      const m = matrix(dim);
      const tokens = tokenized(3_000);
      const expected = referenceCosines(tokens, m, pooling);
      const dots = new SuccessiveDots(m, pooling);
      dots.next(tokens, 0);
      const actual = expected.map((_, i) => dots.next(tokens, i + 1));
      expect(actual.map((c) => Number.isNaN(c))).toEqual(expected.map((c) => c === null));
      const worst = Math.max(
        ...actual.map((c, i) => (expected[i] === null ? 0 : Math.abs(c - expected[i]!))),
      );
      expect(worst).toBeLessThan(1e-12);
      expect(expected.filter((c) => c !== null).length).toBeGreaterThan(40);
    },
  );
});
