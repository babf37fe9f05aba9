import { Table } from '#arrow';
import { CosineKernel } from '../compute/cosine-kernel';
import { normalize, poolInto } from '../compute/number-embeddings';
import { TokenizedNumbers } from '../compute/tokenize-numbers';
import { EmbeddingMatrix } from '../models/embeddings';
import { float32Column, int32Column, int64Column } from '../output/arrow-columns';
import { tableOf } from '../output/parquet-file';
import { ANALYSIS_SCHEMAS, NEIGHBOR_COUNT } from '../output/schemas';
import { Pooling } from '../spec/vocabulary';
import { nullableUtf8Column } from '../output/nullable-columns';

/** Cosines the kernel returns at once (numbers × vocabulary rows): 64 MiB of float32, which it keeps for reuse. */
const BLOCK_VALUES = 1 << 24;

/** What `neighborsTable` needs of a tokenizer: a vocabulary row's token, if it has one. */
export interface TokenNames {
  hasToken(id: number): boolean;
  piece(id: number): string;
}

const inverseNorms = new WeakMap<EmbeddingMatrix, Float64Array>();

/**
 * 1 / ‖row‖ of every row of the matrix in float64, computed once per matrix; NaN for rows that are
 * all zero (or not finite), so that every comparison with their cosine is false and they drop out.
 */
function rowInverseNorms(matrix: EmbeddingMatrix): Float64Array {
  let inverse = inverseNorms.get(matrix);
  if (inverse) return inverse;
  const { rows, dim, data } = matrix;
  inverse = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let d = r * dim; d < (r + 1) * dim; d++) sum += data[d] * data[d];
    inverse[r] = sum > 0 && Number.isFinite(sum) ? 1 / Math.sqrt(sum) : NaN;
  }
  inverseNorms.set(matrix, inverse);
  return inverse;
}

/**
 * `neighbors` rows of the numbers of `tokens`: for each that has an embedding, the NEIGHBOR_COUNT
 * rows of the matrix with the highest cosine — every row, special and added tokens included — but
 * its own token ids and all-zero rows, ties to the lower id; ordered by number, then rank. The unit
 * number vectors are multiplied with the raw matrix by the native kernel in blocks of numbers, each
 * dot product then scaled by the row's inverse norm.
 */
export async function neighborsTable(
  tokens: TokenizedNumbers,
  matrix: EmbeddingMatrix,
  pooling: Pooling,
  kernel: CosineKernel,
  names: TokenNames,
): Promise<Table> {
  const { rows: vocabulary, dim } = matrix;
  const inverse = rowInverseNorms(matrix);
  const embedded = embeddedNumbers(tokens, matrix, pooling);
  const count = embedded.positions.length;
  const capacity = count * NEIGHBOR_COUNT;
  const number = new Float64Array(capacity);
  const rank = new Int32Array(capacity);
  const tokenId = new Int32Array(capacity);
  const cosine = new Float32Array(capacity);
  let written = 0;
  const block = Math.max(1, Math.floor(BLOCK_VALUES / Math.max(1, vocabulary)));
  const bestScores = new Float64Array(NEIGHBOR_COUNT);
  const bestIds = new Int32Array(NEIGHBOR_COUNT);
  for (let from = 0; from < count; from += block) {
    const to = Math.min(count, from + block);
    const products = await kernel.multiplyTransposed(
      embedded.vectors.subarray(from * dim, to * dim),
      to - from,
      matrix.data,
      vocabulary,
      dim,
    );
    for (let n = from; n < to; n++) {
      const position = embedded.positions[n];
      const own = tokens.ids.subarray(tokens.offsets[position], tokens.offsets[position + 1]);
      const dots = products.subarray((n - from) * vocabulary, (n - from + 1) * vocabulary);
      const found = nearest(dots, inverse, own, bestScores, bestIds);
      for (let r = 0; r < found; r++) {
        number[written] = tokens.values[position];
        rank[written] = r + 1;
        tokenId[written] = bestIds[r];
        cosine[written] = bestScores[r];
        written++;
      }
    }
  }
  const ids = tokenId.subarray(0, written);
  return tableOf(ANALYSIS_SCHEMAS.neighbors, [
    int64Column(number.subarray(0, written)),
    int32Column(rank.subarray(0, written)),
    int32Column(ids),
    nullableUtf8Column(Array.from(ids, (id) => (names.hasToken(id) ? names.piece(id) : null))),
    float32Column(cosine.subarray(0, written)),
  ]);
}

/**
 * The highest cosines of one number's row of products into `scores`/`ids`, best first; returns how
 * many it found (fewer than NEIGHBOR_COUNT only for a matrix with fewer eligible rows). Rows are
 * visited by ascending id and one enters only when strictly better than the one it displaces, so a
 * tie keeps the lower id first.
 */
function nearest(
  dots: Float32Array,
  inverse: Float64Array,
  own: Int32Array,
  scores: Float64Array,
  ids: Int32Array,
): number {
  let found = 0;
  let threshold = -Infinity; // until NEIGHBOR_COUNT are found; NaN (zero rows) never passes it
  for (let id = 0; id < dots.length; id++) {
    const score = dots[id] * inverse[id];
    if (!(score > threshold) || own.includes(id)) continue;
    let at = Math.min(found, NEIGHBOR_COUNT - 1); // when full, the last one makes way
    while (at > 0 && scores[at - 1] < score) {
      scores[at] = scores[at - 1];
      ids[at] = ids[at - 1];
      at--;
    }
    scores[at] = score;
    ids[at] = id;
    if (found < NEIGHBOR_COUNT) found++;
    if (found === NEIGHBOR_COUNT) threshold = scores[NEIGHBOR_COUNT - 1];
  }
  return found;
}

/** The positions of the numbers that have an embedding, and their unit vectors as float32 (what the kernel multiplies). */
function embeddedNumbers(
  tokens: TokenizedNumbers,
  matrix: EmbeddingMatrix,
  pooling: Pooling,
): { positions: Int32Array; vectors: Float32Array } {
  const { dim } = matrix;
  const scratch = new Float64Array(dim);
  const positions = new Int32Array(tokens.values.length);
  const vectors = new Float32Array(tokens.values.length * dim);
  let kept = 0;
  for (let i = 0; i < tokens.values.length; i++) {
    const squaredNorm = poolInto(tokens, i, matrix, pooling, scratch);
    if (squaredNorm === 0) continue;
    positions[kept] = i;
    vectors.set(normalize(scratch, squaredNorm), kept * dim);
    kept++;
  }
  return { positions: positions.subarray(0, kept), vectors: vectors.subarray(0, kept * dim) };
}
