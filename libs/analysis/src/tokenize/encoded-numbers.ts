import { formatNumber } from '../compute/format-number';
import { Utf8Texts, utf8Texts } from '../compute/utf8-texts';
import { NumberFormat } from '../spec/vocabulary';

/** Numbers tokenized as a batch: number i's ids are `ids[offsets[i]..offsets[i + 1])`, its text the i-th of `texts`. */
export interface EncodedNumbers {
  offsets: Int32Array;
  ids: Int32Array;
  texts: Utf8Texts;
}

/** What tokenizes one text at a time: ids of `text` into `out` from `at` (room for `text.length * 2 + 8`), the new end returned. */
export interface TextEncoderInto {
  encodeInto(text: string, out: Int32Array, at: number): number;
}

/**
 * Formats and tokenizes each number, one text at a time: the path of tokenizers without a batch of
 * their own (the full tokenizer), and the definition the native batch is checked against.
 */
export function encodeOneByOne(
  tokenizer: TextEncoderInto,
  values: Float64Array,
  format: NumberFormat,
): EncodedNumbers {
  const texts = Array.from(values, (value) => formatNumber(value, format));
  const offsets = new Int32Array(values.length + 1);
  let ids = new Int32Array(Math.max(64, values.length * 4));
  let used = 0;
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i];
    if (used + text.length * 2 + 8 > ids.length) {
      const grown = new Int32Array(ids.length * 2 + text.length * 2 + 8);
      grown.set(ids.subarray(0, used));
      ids = grown;
    }
    used = tokenizer.encodeInto(text, ids, used);
    offsets[i + 1] = used;
  }
  return { offsets, ids: ids.slice(0, used), texts: utf8Texts(texts) };
}
