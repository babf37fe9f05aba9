import { Table } from '#arrow';
import { CosineKernel } from '../compute/cosine-kernel';
import { UnitVectors } from '../compute/number-embeddings';
import { float32Column, int64Column } from '../output/arrow-columns';
import { tableOf } from '../output/parquet-file';
import { ANALYSIS_SCHEMAS } from '../output/schemas';

/**
 * `cosine-matrix` rows of one tile, ordered by row then col: every ordered pair of the two edges.
 * A diagonal tile passes the same vectors as both edges, and the kernel computes half of it.
 */
export async function cosineMatrixTile(
  rows: UnitVectors,
  cols: UnitVectors,
  kernel: CosineKernel,
): Promise<Table> {
  const r = rows.values.length;
  const c = cols.values.length;
  const cosine = await kernel.multiplyTransposed(rows.vectors, r, cols.vectors, c, rows.dim);
  const rowColumn = new Float64Array(r * c);
  const colColumn = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    rowColumn.fill(rows.values[i], i * c, (i + 1) * c);
    colColumn.set(cols.values, i * c);
  }
  return tableOf(ANALYSIS_SCHEMAS['cosine-matrix'], [
    int64Column(rowColumn),
    int64Column(colColumn),
    float32Column(cosine),
  ]);
}
