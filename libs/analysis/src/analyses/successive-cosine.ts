import { Table } from 'apache-arrow';
import { NumberEmbeddings, unitDot } from '../compute/number-embeddings';
import { float32Column, int64Column } from '../output/arrow-columns';
import { tableOf } from '../output/parquet-file';
import { ANALYSIS_SCHEMAS } from '../output/schemas';

/**
 * `successive-cosine` rows: for positions 1..n-1 of `values` (position 0 is the predecessor of the
 * first row, from the previous chunk or none), the cosine with the preceding number; null when either
 * has no embedding.
 */
export function successiveCosineTable(values: Float64Array, embeddings: NumberEmbeddings): Table {
  const count = Math.max(0, values.length - 1);
  const cosine = new Float32Array(count);
  const valid = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    if (embeddings.present[i] && embeddings.present[i + 1]) {
      cosine[i] = unitDot(embeddings.unit, i + 1, embeddings.unit, i, embeddings.dim);
      valid[i] = 1;
    }
  }
  return tableOf(ANALYSIS_SCHEMAS['successive-cosine'], [
    int64Column(values.subarray(1)),
    int64Column(values.subarray(0, count)),
    float32Column(cosine, valid),
  ]);
}
