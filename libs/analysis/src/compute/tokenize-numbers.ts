import { NumberTokenizer } from '../models/tokenizer';
import { NumberFormat } from '../spec/vocabulary';
import { Utf8Texts } from './utf8-texts';

/**
 * Token ids of many numbers, columnar: number i's ids are `ids[offsets[i]..offsets[i + 1])`, its
 * text `texts.bytes[texts.ends[i]..texts.ends[i + 1])`.
 */
export interface TokenizedNumbers {
  values: Float64Array;
  texts: Utf8Texts;
  offsets: Int32Array;
  ids: Int32Array;
}

/** Formats and tokenizes each number (no special tokens), into flat typed arrays. */
export function tokenizeNumbers(
  tokenizer: NumberTokenizer,
  values: Float64Array,
  format: NumberFormat,
): TokenizedNumbers {
  return { values, ...tokenizer.encodeNumbers(values, format) };
}

/**
 * The numbers at `positions` (ascending indexes into `tokens`) with their texts and ids: exactly what
 * tokenizing those numbers again would give (the same text always tokenizes the same), without the cost.
 */
export function pick(tokens: TokenizedNumbers, positions: ArrayLike<number>): TokenizedNumbers {
  const count = positions.length;
  const values = new Float64Array(count);
  const offsets = new Int32Array(count + 1);
  const ends = new Int32Array(count + 1);
  const { bytes: textBytes, ends: textEnds } = tokens.texts;
  for (let k = 0; k < count; k++) {
    const i = positions[k];
    offsets[k + 1] = offsets[k] + tokenCount(tokens, i);
    ends[k + 1] = ends[k] + textEnds[i + 1] - textEnds[i];
  }
  const ids = new Int32Array(offsets[count]);
  const bytes = new Uint8Array(ends[count]);
  for (let k = 0; k < count; k++) {
    const i = positions[k];
    values[k] = tokens.values[i];
    ids.set(tokens.ids.subarray(tokens.offsets[i], tokens.offsets[i + 1]), offsets[k]);
    bytes.set(textBytes.subarray(textEnds[i], textEnds[i + 1]), ends[k]);
  }
  return { values, texts: { bytes, ends }, offsets, ids };
}

/** Number of tokens of number i. */
export function tokenCount(tokens: TokenizedNumbers, i: number): number {
  return tokens.offsets[i + 1] - tokens.offsets[i];
}

/** The same tokenization without its first number (a view over the ids, offsets rebased to 0). */
export function dropFirst(tokens: TokenizedNumbers): TokenizedNumbers {
  const base = tokens.offsets[1];
  const textBase = tokens.texts.ends[1];
  return {
    values: tokens.values.subarray(1),
    texts: {
      bytes: tokens.texts.bytes.subarray(textBase),
      ends: tokens.texts.ends.subarray(1).map((end) => end - textBase),
    },
    offsets: tokens.offsets.subarray(1).map((o) => o - base),
    ids: tokens.ids.subarray(base),
  };
}
