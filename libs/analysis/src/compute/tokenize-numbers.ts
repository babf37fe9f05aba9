import { NumberTokenizer } from '../models/tokenizer';
import { NumberFormat } from '../spec/vocabulary';
import { formatNumber } from './format-number';

/** Token ids of many numbers, columnar: number i's ids are `ids[offsets[i]..offsets[i + 1])`. */
export interface TokenizedNumbers {
  values: Float64Array;
  texts: string[];
  offsets: Int32Array;
  ids: Int32Array;
}

/** Formats and tokenizes each number (no special tokens), into flat typed arrays. */
export function tokenizeNumbers(
  tokenizer: NumberTokenizer,
  values: Float64Array,
  format: NumberFormat,
): TokenizedNumbers {
  const texts = new Array<string>(values.length);
  const offsets = new Int32Array(values.length + 1);
  let ids = new Int32Array(Math.max(64, values.length * 4));
  let used = 0;
  for (let i = 0; i < values.length; i++) {
    const text = formatNumber(values[i], format);
    if (used + text.length * 2 + 8 > ids.length) {
      const grown = new Int32Array(ids.length * 2 + text.length * 2 + 8);
      grown.set(ids.subarray(0, used));
      ids = grown;
    }
    used = tokenizer.encodeInto(text, ids, used);
    texts[i] = text;
    offsets[i + 1] = used;
  }
  return { values, texts, offsets, ids: ids.slice(0, used) };
}

/**
 * The numbers at `positions` (ascending indexes into `tokens`) with their texts and ids: exactly what
 * tokenizing those numbers again would give (the same text always tokenizes the same), without the cost.
 */
export function pick(tokens: TokenizedNumbers, positions: ArrayLike<number>): TokenizedNumbers {
  const count = positions.length;
  const values = new Float64Array(count);
  const texts = new Array<string>(count);
  const offsets = new Int32Array(count + 1);
  for (let k = 0; k < count; k++) offsets[k + 1] = offsets[k] + tokenCount(tokens, positions[k]);
  const ids = new Int32Array(offsets[count]);
  for (let k = 0; k < count; k++) {
    const i = positions[k];
    values[k] = tokens.values[i];
    texts[k] = tokens.texts[i];
    ids.set(tokens.ids.subarray(tokens.offsets[i], tokens.offsets[i + 1]), offsets[k]);
  }
  return { values, texts, offsets, ids };
}

/** Number of tokens of number i. */
export function tokenCount(tokens: TokenizedNumbers, i: number): number {
  return tokens.offsets[i + 1] - tokens.offsets[i];
}

/** The same tokenization without its first number (a view over the ids, offsets rebased to 0). */
export function dropFirst(tokens: TokenizedNumbers): TokenizedNumbers {
  const base = tokens.offsets[1];
  return {
    values: tokens.values.subarray(1),
    texts: tokens.texts.slice(1),
    offsets: tokens.offsets.subarray(1).map((o) => o - base),
    ids: tokens.ids.subarray(base),
  };
}
