import { EmbeddingMatrix } from '../models/embeddings';
import { Pooling } from '../spec/vocabulary';
import { TokenizedNumbers } from './tokenize-numbers';

/**
 * Successive cosines in one pass per number: the sum of its tokens' rows (the mean's direction: a
 * cosine does not see the division by the count), its squared norm, and its dot product with the
 * previous number's sum, all at once. Each sum runs in four interleaved partial sums (d mod 4) added
 * in a fixed order at the end, so the processor overlaps them instead of waiting on one long chain;
 * the arithmetic depends on nothing but the number's tokens, so every chunking gives the same bits.
 * This is the definition: successive-cosine runs the native `successiveCosines`, which must give these
 * bits exactly (tested in successive-cosines.spec.ts).
 */
export class SuccessiveDots {
  private previous: Float64Array;
  private current: Float64Array;
  private previousNorm = 0;
  private readonly zeros: Float32Array;

  constructor(
    private readonly matrix: EmbeddingMatrix,
    private readonly pooling: Pooling,
  ) {
    this.previous = new Float64Array(matrix.dim);
    this.current = new Float64Array(matrix.dim);
    this.zeros = new Float32Array(matrix.dim);
  }

  /**
   * Takes number i of `tokens` as the new current one; returns its cosine with the one taken before,
   * or NaN when either has no embedding (several tokens under `none`, a zero or non-finite vector).
   */
  next(tokens: TokenizedNumbers, i: number): number {
    const from = tokens.offsets[i];
    const to = tokens.offsets[i + 1];
    const { dim, data, rows } = this.matrix;
    const ids = tokens.ids;
    for (let t = from; t < to; t++) {
      if (ids[t] < 0 || ids[t] >= rows)
        throw new Error(
          `token id ${ids[t]} is outside the embedding matrix (${rows} rows); tokenizer and weights do not match`,
        );
    }
    const [previous, current] = [this.current, this.previous];
    this.previous = previous;
    this.current = current;
    if (to === from || (this.pooling === 'none' && to - from !== 1)) {
      this.previousNorm = 0;
      return NaN;
    }
    const count = to - from;
    let n0 = 0,
      n1 = 0,
      n2 = 0,
      n3 = 0;
    let p0 = 0,
      p1 = 0,
      p2 = 0,
      p3 = 0;
    let d = 0;
    if (count <= 3) {
      // the usual one to three tokens, summed in the same pass; a missing token reads a row of +0,
      // which changes no sum (x + 0 is x, NaN and infinities included; only -0 becomes +0)
      const zeros = this.zeros;
      const a1 = count > 1 ? data : zeros;
      const a2 = count > 2 ? data : zeros;
      const r0 = ids[from] * dim;
      const r1 = count > 1 ? ids[from + 1] * dim : 0;
      const r2 = count > 2 ? ids[from + 2] * dim : 0;
      for (; d + 3 < dim; d += 4) {
        const c0 = data[r0 + d] + a1[r1 + d] + a2[r2 + d];
        const c1 = data[r0 + d + 1] + a1[r1 + d + 1] + a2[r2 + d + 1];
        const c2 = data[r0 + d + 2] + a1[r1 + d + 2] + a2[r2 + d + 2];
        const c3 = data[r0 + d + 3] + a1[r1 + d + 3] + a2[r2 + d + 3];
        current[d] = c0;
        current[d + 1] = c1;
        current[d + 2] = c2;
        current[d + 3] = c3;
        n0 += c0 * c0;
        n1 += c1 * c1;
        n2 += c2 * c2;
        n3 += c3 * c3;
        p0 += c0 * previous[d];
        p1 += c1 * previous[d + 1];
        p2 += c2 * previous[d + 2];
        p3 += c3 * previous[d + 3];
      }
      for (; d < dim; d++) {
        const c = data[r0 + d] + a1[r1 + d] + a2[r2 + d];
        current[d] = c;
        n0 += c * c;
        p0 += c * previous[d];
      }
    } else {
      current.fill(0);
      for (let t = from; t < to; t++) {
        const row = ids[t] * dim;
        for (let k = 0; k < dim; k++) current[k] += data[row + k];
      }
      for (; d + 3 < dim; d += 4) {
        const c0 = current[d];
        const c1 = current[d + 1];
        const c2 = current[d + 2];
        const c3 = current[d + 3];
        n0 += c0 * c0;
        n1 += c1 * c1;
        n2 += c2 * c2;
        n3 += c3 * c3;
        p0 += c0 * previous[d];
        p1 += c1 * previous[d + 1];
        p2 += c2 * previous[d + 2];
        p3 += c3 * previous[d + 3];
      }
      for (; d < dim; d++) {
        n0 += current[d] * current[d];
        p0 += current[d] * previous[d];
      }
    }
    const previousNorm = this.previousNorm;
    const sum = n0 + n1 + (n2 + n3);
    const norm = sum > 0 && Number.isFinite(sum) ? sum : 0;
    this.previousNorm = norm;
    if (previousNorm === 0 || norm === 0) return NaN;
    return (p0 + p1 + (p2 + p3)) / (Math.sqrt(norm) * Math.sqrt(previousNorm));
  }
}
