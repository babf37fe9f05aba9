import { Table } from '#arrow';
import { successiveCosines } from '../compute/successive-cosines';
import { TokenizedNumbers } from '../compute/tokenize-numbers';
import { EmbeddingMatrix } from '../models/embeddings';
import { float32Column, int64Column } from '../output/arrow-columns';
import { tableOf } from '../output/parquet-file';
import { ANALYSIS_SCHEMAS } from '../output/schemas';
import { Pooling } from '../spec/vocabulary';

/**
 * `successive-cosine` rows: for positions 1..n-1 of `tokens` (position 0 is the predecessor of the
 * first row, from the previous chunk or none), the cosine with the preceding number; null when either
 * has no embedding. The cosines come from native code in one call (two vectors at a time, so memory
 * grows with the chunk only by the cosines).
 */
export function successiveCosineTable(
  tokens: TokenizedNumbers,
  matrix: EmbeddingMatrix,
  pooling: Pooling,
): Table {
  const { values } = tokens;
  const count = Math.max(0, values.length - 1);
  const { cosine, valid } = withNulls(successiveCosines(tokens, matrix, pooling), count);
  return tableOf(ANALYSIS_SCHEMAS['successive-cosine'], [
    int64Column(values.subarray(1)),
    int64Column(values.subarray(0, count)),
    float32Column(cosine, valid),
  ]);
}

/** The first `count` cosines with NaN (no embedding) as null: the values (0 there) and which are valid. */
function withNulls(cosines: ArrayLike<number>, count: number): { cosine: Float32Array; valid: Uint8Array } {
  const cosine = new Float32Array(count);
  const valid = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const value = cosines[i];
    if (value === value) {
      cosine[i] = value;
      valid[i] = 1;
    }
  }
  return { cosine, valid };
}
