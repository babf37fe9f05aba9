/** Texts as UTF-8 bytes end to end, as an Arrow utf8 column holds them: text i is `bytes[ends[i]..ends[i + 1])`. */
export interface Utf8Texts {
  bytes: Uint8Array;
  ends: Int32Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The UTF-8 bytes of `strings`, end to end, and where each ends. Most strings here are numbers and
 * token pieces, ASCII: their bytes are their char codes, written in place, which costs a fraction of
 * a TextEncoder call (and its result object) per string; any other string goes through the encoder.
 */
export function utf8Texts(strings: string[]): Utf8Texts {
  const ends = new Int32Array(strings.length + 1);
  let bytes = new Uint8Array(Math.max(64, strings.length * 8));
  let used = 0;
  for (let i = 0; i < strings.length; i++) {
    const s = strings[i];
    const worst = s.length * 3;
    if (used + worst > bytes.length) {
      const grown = new Uint8Array(Math.max(bytes.length * 2, used + worst));
      grown.set(bytes.subarray(0, used));
      bytes = grown;
    }
    used = writeAscii(s, bytes, used) ?? used + encoder.encodeInto(s, bytes.subarray(used)).written;
    ends[i + 1] = used;
  }
  return { ends, bytes: bytes.slice(0, used) };
}

/** Writes `s` at `at` if it is all ASCII, returning the new end; null (nothing kept) if it is not. */
function writeAscii(s: string, bytes: Uint8Array, at: number): number | null {
  for (let k = 0; k < s.length; k++) {
    const code = s.charCodeAt(k);
    if (code >= 0x80) return null;
    bytes[at + k] = code;
  }
  return at + s.length;
}

/** The i-th of `texts` as a string. */
export function textAt(texts: Utf8Texts, i: number): string {
  return decoder.decode(texts.bytes.subarray(texts.ends[i], texts.ends[i + 1]));
}
