import { EmbeddingMatrix } from '../models/embeddings';
import { Pooling } from '../spec/vocabulary';
import { TokenizedNumbers } from './tokenize-numbers';

/** Embeddings of numbers, row-major [count × dim] (unit length unless asked raw); `present[i]` is 0 where number i has none. */
export interface NumberEmbeddings {
  dim: number;
  unit: Float32Array;
  present: Uint8Array;
}

/**
 * The embedding of each number: with pooling `none` the row of its single token (none if it has
 * several), with `mean` the mean of its tokens' rows. Vectors are normalized in float64 (unless
 * `normalize` is false); a zero vector has no direction and so no embedding.
 */
export function embedNumbers(tokens: TokenizedNumbers, matrix: EmbeddingMatrix, pooling: Pooling, normalize = true): NumberEmbeddings {
  const count = tokens.values.length;
  const { dim, data } = matrix;
  const unit = new Float32Array(count * dim);
  const present = new Uint8Array(count);
  const sum = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    const from = tokens.offsets[i];
    const to = tokens.offsets[i + 1];
    if (to === from || (pooling === 'none' && to - from !== 1)) continue;
    sum.fill(0);
    for (let t = from; t < to; t++) {
      const id = tokens.ids[t];
      if (id < 0 || id >= matrix.rows) {
        throw new Error(`token id ${id} is outside the embedding matrix (${matrix.rows} rows); tokenizer and weights do not match`);
      }
      const row = id * dim;
      for (let d = 0; d < dim; d++) sum[d] += data[row + d];
    }
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += sum[d] * sum[d];
    if (norm === 0 || !Number.isFinite(norm)) continue;
    const scale = normalize ? 1 / Math.sqrt(norm) : 1 / (to - from);
    const out = i * dim;
    for (let d = 0; d < dim; d++) unit[out + d] = sum[d] * scale;
    present[i] = 1;
  }
  return { dim, unit, present };
}

/** Cosine of unit vectors i and j of `a` and `b`, accumulated in float64. */
export function unitDot(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  let dot = 0;
  const x = i * dim;
  const y = j * dim;
  for (let d = 0; d < dim; d++) dot += a[x + d] * b[y + d];
  return dot;
}
