import { EmbeddingMatrix } from '../models/embeddings';
import { Pooling } from '../spec/vocabulary';
import { DotsVariant, nativeGemm } from './native-gemm';
import { TokenizedNumbers } from './tokenize-numbers';

/**
 * The cosine of each number of `tokens` but the first with the one before it, NaN where either has no
 * embedding: one call into native code for the whole chunk, with the bits of `SuccessiveDots` (the
 * definition, in JavaScript) on every CPU and variant.
 */
export function successiveCosines(
  tokens: TokenizedNumbers,
  matrix: EmbeddingMatrix,
  pooling: Pooling,
  variant: DotsVariant = 'auto',
): Float64Array {
  const out = new Float64Array(Math.max(0, tokens.offsets.length - 2));
  const { data, rows, dim } = matrix;
  return nativeGemm().successiveCosines(data, rows, dim, tokens.ids, tokens.offsets, pooling, out, {
    variant,
  });
}
