import { formatNumber } from '../compute/format-number';
import { NumberFormat } from '../spec/vocabulary';

/** Texts as UTF-8 bytes end to end, as an Arrow utf8 column holds them: text i is `bytes[ends[i]..ends[i + 1])`. */
export interface Utf8Texts {
  bytes: Uint8Array;
  ends: Int32Array;
}

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
  const offsets = new Int32Array(values.length + 1);
  const ends = new Int32Array(values.length + 1);
  let ids = new Int32Array(Math.max(64, values.length * 4));
  let bytes = new Uint8Array(Math.max(64, values.length * 8));
  let used = 0;
  let written = 0;
  for (let i = 0; i < values.length; i++) {
    const text = formatNumber(values[i], format);
    if (used + text.length * 2 + 8 > ids.length) {
      const grown = new Int32Array(ids.length * 2 + text.length * 2 + 8);
      grown.set(ids.subarray(0, used));
      ids = grown;
    }
    if (written + text.length > bytes.length) {
      const grown = new Uint8Array(bytes.length * 2 + text.length);
      grown.set(bytes.subarray(0, written));
      bytes = grown;
    }
    used = tokenizer.encodeInto(text, ids, used);
    // a formatted number is ASCII (digits, a sign, a space or commas): its bytes are its char codes
    for (let k = 0; k < text.length; k++) bytes[written++] = text.charCodeAt(k);
    offsets[i + 1] = used;
    ends[i + 1] = written;
  }
  return { offsets, ids: ids.slice(0, used), texts: { bytes: bytes.slice(0, written), ends } };
}

/** The i-th of `texts` as a string. */
export function textAt(texts: Utf8Texts, i: number): string {
  return decoder.decode(texts.bytes.subarray(texts.ends[i], texts.ends[i + 1]));
}

const decoder = new TextDecoder();

/** `strings` as Utf8Texts. */
export function utf8Texts(strings: string[]): Utf8Texts {
  const ends = new Int32Array(strings.length + 1);
  const encoded = strings.map((s) => encoder.encode(s));
  encoded.forEach((bytes, i) => (ends[i + 1] = ends[i] + bytes.length));
  const bytes = new Uint8Array(ends[strings.length]);
  encoded.forEach((piece, i) => bytes.set(piece, ends[i]));
  return { bytes, ends };
}

const encoder = new TextEncoder();
