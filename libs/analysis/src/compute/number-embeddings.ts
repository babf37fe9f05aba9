import { EmbeddingMatrix } from '../models/embeddings';
import { Pooling } from '../spec/vocabulary';
import { TokenizedNumbers } from './tokenize-numbers';

/**
 * Number i's embedding into `out` (float64, length dim): with pooling `none` the row of its single
 * token (none if it has several), with `mean` the mean of its tokens' rows. Returns its squared norm
 * (what `normalize` needs), or 0 when it has none — several tokens under `none`, or a zero (or
 * non-finite) vector, which has no direction.
 */
export function poolInto(
  tokens: TokenizedNumbers,
  i: number,
  matrix: EmbeddingMatrix,
  pooling: Pooling,
  out: Float64Array,
): number {
  const from = tokens.offsets[i];
  const to = tokens.offsets[i + 1];
  if (to === from || (pooling === 'none' && to - from !== 1)) return 0;
  const { dim, data, rows } = matrix;
  const ids = tokens.ids;
  for (let t = from; t < to; t++) {
    const id = ids[t];
    if (id < 0 || id >= rows) {
      throw new Error(
        `token id ${id} is outside the embedding matrix (${rows} rows); tokenizer and weights do not match`,
      );
    }
  }
  const count = to - from;
  let norm = 0;
  // One pass for the usual one to three tokens, with the very same float64 operations in the same
  // order as the general loop below ((0 + x0) + x1 + x2, then / count), so the result is bit-identical.
  if (count === 1) {
    const r0 = ids[from] * dim;
    for (let d = 0; d < dim; d++) {
      const s = (0 + data[r0 + d]) / 1;
      out[d] = s;
      norm += s * s;
    }
  } else if (count === 2) {
    const r0 = ids[from] * dim;
    const r1 = ids[from + 1] * dim;
    for (let d = 0; d < dim; d++) {
      const s = (0 + data[r0 + d] + data[r1 + d]) / 2;
      out[d] = s;
      norm += s * s;
    }
  } else if (count === 3) {
    const r0 = ids[from] * dim;
    const r1 = ids[from + 1] * dim;
    const r2 = ids[from + 2] * dim;
    for (let d = 0; d < dim; d++) {
      const s = (0 + data[r0 + d] + data[r1 + d] + data[r2 + d]) / 3;
      out[d] = s;
      norm += s * s;
    }
  } else {
    out.fill(0);
    for (let t = from; t < to; t++) {
      const row = ids[t] * dim;
      for (let d = 0; d < dim; d++) out[d] += data[row + d];
    }
    for (let d = 0; d < dim; d++) {
      out[d] /= count;
      norm += out[d] * out[d];
    }
  }
  return norm > 0 && Number.isFinite(norm) ? norm : 0;
}

/**
 * Scales a vector to unit length in place (its norm must be positive). `squaredNorm` is the sum of
 * its squares in index order, as `poolInto` returns it: passing it saves summing them again.
 */
export function normalize(vector: Float64Array, squaredNorm = sumOfSquares(vector)): Float64Array {
  const scale = 1 / Math.sqrt(squaredNorm);
  for (let d = 0; d < vector.length; d++) vector[d] *= scale;
  return vector;
}

function sumOfSquares(vector: Float64Array): number {
  let sum = 0;
  for (let d = 0; d < vector.length; d++) sum += vector[d] * vector[d];
  return sum;
}

/**
 * The numbers that have an embedding, with their unit vectors packed row-major: normalized in
 * float64, stored as float32, the precision the cosine kernel multiplies in.
 */
export interface UnitVectors {
  values: Float64Array;
  dim: number;
  vectors: Float32Array;
}

/** Unit vectors of the numbers of `tokens` that have an embedding, in order. */
export function unitVectors(
  tokens: TokenizedNumbers,
  matrix: EmbeddingMatrix,
  pooling: Pooling,
): UnitVectors {
  const { dim } = matrix;
  const scratch = new Float64Array(dim);
  const values = new Float64Array(tokens.values.length);
  const vectors = new Float32Array(tokens.values.length * dim);
  let kept = 0;
  for (let i = 0; i < tokens.values.length; i++) {
    const squaredNorm = poolInto(tokens, i, matrix, pooling, scratch);
    if (squaredNorm === 0) continue;
    values[kept] = tokens.values[i];
    vectors.set(normalize(scratch, squaredNorm), kept * dim);
    kept++;
  }
  return { values: values.subarray(0, kept), dim, vectors: vectors.subarray(0, kept * dim) };
}

/** Raw (not normalized) embeddings of every number as float32 [count × dim], and which numbers have one. */
export function rawEmbeddings(
  tokens: TokenizedNumbers,
  matrix: EmbeddingMatrix,
  pooling: Pooling,
): { dim: number; vectors: Float32Array; present: Uint8Array } {
  const { dim } = matrix;
  const count = tokens.values.length;
  const vectors = new Float32Array(count * dim);
  const present = new Uint8Array(count);
  const scratch = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    if (poolInto(tokens, i, matrix, pooling, scratch) === 0) continue;
    vectors.set(scratch, i * dim);
    present[i] = 1;
  }
  return { dim, vectors, present };
}
