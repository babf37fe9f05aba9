import { describe, expect, it } from 'vitest';
import { EmbeddingMatrix } from '../models/embeddings';
import { Pooling } from '../spec/vocabulary';
import { normalize, poolInto } from './number-embeddings';
import { seededGaussian } from './seeded-random';
import { TokenizedNumbers } from './tokenize-numbers';
import { utf8Texts } from './utf8-texts';

/** poolInto as first written (zero, add each token's row, divide, sum squares): the output any faster path must equal bit for bit. */
function referencePoolInto(
  tokens: TokenizedNumbers,
  i: number,
  matrix: EmbeddingMatrix,
  pooling: Pooling,
  out: Float64Array,
): boolean {
  const from = tokens.offsets[i];
  const to = tokens.offsets[i + 1];
  if (to === from || (pooling === 'none' && to - from !== 1)) return false;
  const { dim, data } = matrix;
  out.fill(0);
  for (let t = from; t < to; t++) {
    const id = tokens.ids[t];
    if (id < 0 || id >= matrix.rows)
      throw new Error(
        `token id ${id} is outside the embedding matrix (${matrix.rows} rows); tokenizer and weights do not match`,
      );
    const row = id * dim;
    for (let d = 0; d < dim; d++) out[d] += data[row + d];
  }
  const count = to - from;
  let norm = 0;
  for (let d = 0; d < dim; d++) {
    out[d] /= count;
    norm += out[d] * out[d];
  }
  return norm > 0 && Number.isFinite(norm);
}

/** normalize as first written: sum the squares, then scale by the inverse of their root. */
function referenceNormalize(vector: Float64Array): Float64Array {
  let norm = 0;
  for (let d = 0; d < vector.length; d++) norm += vector[d] * vector[d];
  const scale = 1 / Math.sqrt(norm);
  for (let d = 0; d < vector.length; d++) vector[d] *= scale;
  return vector;
}

const DIM = 7;
const ROWS = 64;

/** Rows of seeded normals, and rows that test the edges: zeros of both signs, subnormals, huge, NaN, infinite, cancelling. */
function matrix(): EmbeddingMatrix {
  const data = new Float32Array(ROWS * DIM);
  const random = seededGaussian(42);
  for (let i = 0; i < data.length; i++) data[i] = random() * 0.1;
  const special: number[][] = [
    [0, 0, 0, 0, 0, 0, 0],
    [-0, -0, -0, -0, -0, -0, -0],
    [0, -0, 0, -0, 1e-45, -1e-45, 0],
    [3.4e38, 3.4e38, -3.4e38, 1, 0, 0, 0],
    [NaN, 0, 0, 0, 0, 0, 0],
    [Infinity, 0, 0, 0, 0, 0, 0],
    [-1e-3, 1e-3, -2e-3, 2e-3, 0, -0, 5e-40],
    [1e-3, -1e-3, 2e-3, -2e-3, 0, 0, -5e-40],
  ];
  special.forEach((values, r) => data.set(values, r * DIM));
  return { tensorName: 'wte.weight', dtype: 'F32', rows: ROWS, dim: DIM, data, sha256: '' };
}

/** Numbers of 0 to 6 tokens over every row (special rows often, repeated rows too). */
function tokens(count: number): TokenizedNumbers {
  const random = seededGaussian(7);
  const offsets = new Int32Array(count + 1);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const length = i % 7;
    for (let t = 0; t < length; t++) {
      const pick = Math.abs(Math.floor(random() * 1000));
      ids.push(pick % 3 === 0 ? pick % 8 : pick % ROWS);
    }
    offsets[i + 1] = ids.length;
  }
  return {
    values: Float64Array.from({ length: count }, (_, i) => i),
    texts: utf8Texts([]),
    offsets,
    ids: Int32Array.from(ids),
  };
}

describe(poolInto.name, () => {
  it.each<Pooling>(['none', 'mean'])(
    'equals the reference bit for bit, returned flag and vector, under pooling %s',
    (pooling) => {
      const m = matrix();
      const t = tokens(5_000);
      const out = new Float64Array(DIM).fill(123);
      const expected = new Float64Array(DIM).fill(123);
      let pooled = 0;
      for (let i = 0; i < t.values.length; i++) {
        const squaredNorm = poolInto(t, i, m, pooling, out);
        const want = referencePoolInto(t, i, m, pooling, expected);
        expect(squaredNorm > 0, `number ${i}`).toBe(want);
        // Object.is tells -0 from +0 and NaN from NaN: bit equality for these values
        for (let d = 0; d < DIM; d++)
          expect(Object.is(out[d], expected[d]), `number ${i}, dim ${d}: ${out[d]} vs ${expected[d]}`).toBe(
            true,
          );
        if (want) {
          // normalized with the squared norm poolInto returned, or summing the squares itself: as first written
          const summed = normalize(Float64Array.from(out));
          normalize(out, squaredNorm);
          referenceNormalize(expected);
          for (let d = 0; d < DIM; d++) expect(Object.is(out[d], expected[d])).toBe(true);
          for (let d = 0; d < DIM; d++) expect(Object.is(summed[d], expected[d])).toBe(true);
          pooled++;
        } else {
          expect(squaredNorm).toBe(0);
        }
      }
      expect(pooled).toBeGreaterThan(pooling === 'none' ? 500 : 2_500);
    },
  );

  it('refuses a token id outside the matrix, naming it', () => {
    const t: TokenizedNumbers = {
      values: new Float64Array([5]),
      texts: utf8Texts([]),
      offsets: new Int32Array([0, 2]),
      ids: new Int32Array([3, ROWS]),
    };
    expect(() => poolInto(t, 0, matrix(), 'mean', new Float64Array(DIM))).toThrow(
      `token id ${ROWS} is outside the embedding matrix (${ROWS} rows)`,
    );
  });
});
