import { Table } from 'apache-arrow';
import { multiplyTransposed } from '../compute/matmul';
import { NumberEmbeddings } from '../compute/number-embeddings';
import { float32Column, int64Column } from '../output/arrow-columns';
import { tableOf } from '../output/parquet-file';
import { ANALYSIS_SCHEMAS } from '../output/schemas';

/** The numbers of a tile edge that have an embedding, with their unit vectors packed together. */
export function withEmbedding(values: Float64Array, embeddings: NumberEmbeddings): { values: Float64Array; unit: Float32Array } {
  const { dim, present } = embeddings;
  const kept: number[] = [];
  for (let i = 0; i < values.length; i++) if (present[i]) kept.push(i);
  const unit = new Float32Array(kept.length * dim);
  kept.forEach((i, k) => unit.set(embeddings.unit.subarray(i * dim, (i + 1) * dim), k * dim));
  return { values: Float64Array.from(kept, (i) => values[i]), unit };
}

/** `cosine-matrix` rows of one tile, ordered by row then col: every ordered pair of the two edges. */
export async function cosineMatrixTile(
  rows: { values: Float64Array; unit: Float32Array },
  cols: { values: Float64Array; unit: Float32Array },
  dim: number,
): Promise<Table> {
  const r = rows.values.length;
  const c = cols.values.length;
  const cosine = await multiplyTransposed(rows.unit, r, cols.unit, c, dim);
  const rowColumn = new Float64Array(r * c);
  const colColumn = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    rowColumn.fill(rows.values[i], i * c, (i + 1) * c);
    colColumn.set(cols.values, i * c);
  }
  return tableOf(ANALYSIS_SCHEMAS['cosine-matrix'], [int64Column(rowColumn), int64Column(colColumn), float32Column(cosine)]);
}
