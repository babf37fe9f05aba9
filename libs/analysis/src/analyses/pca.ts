import { Table } from '#arrow';
import { poolInto } from '../compute/number-embeddings';
import { principalComponents } from '../compute/principal-components';
import { TokenizedNumbers } from '../compute/tokenize-numbers';
import { EmbeddingMatrix } from '../models/embeddings';
import { float64Column, int64Column } from '../output/arrow-columns';
import { nullFloat64Column } from '../output/nullable-columns';
import { tableOf } from '../output/parquet-file';
import { PcaSummary } from '../output/pca-summary';
import { ANALYSIS_SCHEMAS, PCA_COMPONENTS } from '../output/schemas';
import { Pooling } from '../spec/vocabulary';

/**
 * `pca` of the numbers of `tokens` that have an embedding (pooled as the spec says): their
 * coordinates on the first k = min(10, N − 1, width) principal axes, one row per number in order,
 * `pc<j>` null beyond k; and the explained-variance ratios the part's footer and summary.json carry.
 */
export function pcaTable(
  tokens: TokenizedNumbers,
  matrix: EmbeddingMatrix,
  pooling: Pooling,
): { table: Table; summary: PcaSummary } {
  const scratch = new Float64Array(matrix.dim);
  const positions: number[] = [];
  for (let i = 0; i < tokens.values.length; i++)
    if (poolInto(tokens, i, matrix, pooling, scratch) > 0) positions.push(i);
  const values = Float64Array.from(positions, (i) => tokens.values[i]);
  const source = {
    count: positions.length,
    dim: matrix.dim,
    read: (i: number, out: Float64Array) => void poolInto(tokens, positions[i], matrix, pooling, out),
  };
  const { k, scores, explainedVarianceRatio } = principalComponents(source, values, PCA_COMPONENTS);
  // with fewer than two numbers there is no variance to explain, and no rows
  const rows = k === 0 ? new Float64Array(0) : values;
  const components = Array.from({ length: PCA_COMPONENTS }, (_, j) =>
    j < k ? float64Column(scores[j]) : nullFloat64Column(rows.length),
  );
  return {
    table: tableOf(ANALYSIS_SCHEMAS.pca, [int64Column(rows), ...components]),
    summary: { analysis: 'pca', numbers: positions.length, explainedVarianceRatio },
  };
}
