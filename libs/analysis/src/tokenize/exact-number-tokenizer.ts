import { NativeNumberBpe, nativeGemm } from '../compute/native-gemm';
import { NumberFormat } from '../spec/vocabulary';
import { Utf8Texts } from '../compute/utf8-texts';
import { EncodedNumbers } from './encoded-numbers';
import { NumberBpe } from './number-bpe';
import { FastPathPlan } from './number-fast-path';
import { isNumberAlphabet, splitPieces } from './number-split';

/** Pieces up to this length are kept once tokenized: at most 13^4 of them, a few hundred KB. */
const CACHED_PIECE = 4;
const MAX_TEXT = 64;

/**
 * Numbers' texts tokenized exactly as the Rust reference tokenizes them with this tokenizer.json:
 * split as its pre-tokenizer splits, then byte-level BPE per piece. Short pieces (Llama 3's and
 * Qwen 3's digit groups, signs, commas) are tokenized once and then read from a table.
 *
 * `encodeInto` is the definition, in JavaScript, one text at a time. A chunk's numbers go through
 * `encodeNumbers`: the same steps in the native addon (native/src/number-bpe.c) over the same tables,
 * formatting included, in one call, with no string made per number.
 */
export class ExactNumberTokenizer {
  private readonly bpe: NumberBpe;
  /** Each token's text by id (an array: a chunk looks up every one of its tokens), ASCII: a byte a character. */
  private readonly pieceText: (string | undefined)[];
  // cache of short pieces, keyed by their characters (4 bits each): where their ids start in `pool`, +1
  private readonly cacheStart = new Int32Array(1 << (4 * CACHED_PIECE));
  private readonly cacheCount = new Uint8Array(1 << (4 * CACHED_PIECE));
  private pool = new Int32Array(4096);
  private pooled = 0;
  private readonly ends = new Int32Array(MAX_TEXT);
  private readonly regrouped = new Int32Array(MAX_TEXT);
  private native: NativeNumberBpe | undefined;

  constructor(private readonly plan: FastPathPlan) {
    this.bpe = new NumberBpe(plan.bpe);
    const largest = this.bpe.globalIds.reduce((a, b) => Math.max(a, b), -1);
    this.pieceText = Array.from({ length: largest + 1 }, () => undefined);
    this.bpe.tokens.forEach((token, local) => {
      this.pieceText[this.bpe.globalIds[local]] = token.replaceAll('\u0120', ' ');
    });
  }

  /** Token ids of `text` (a formatted number) into `out` at `at`; returns the new end. */
  encodeInto(text: string, out: Int32Array, at: number): number {
    const length = text.length;
    if (length > MAX_TEXT) throw new Error(`"${text}" is longer than a formatted number can be`);
    for (let i = 0; i < length; i++) {
      if (!isNumberAlphabet(text.charCodeAt(i)))
        throw new Error(`"${text}" has a character a formatted number never has`);
    }
    let ends = this.ends;
    let count = 1;
    ends[0] = length; // a byte-level pre-tokenizer without a split keeps the text whole
    for (let s = 0; s < this.plan.splits.length; s++) {
      // each split works on every piece the one before it made, on its own
      const regrouped = ends === this.ends ? this.regrouped : this.ends;
      let regroupedCount = 0;
      let from = 0;
      for (let p = 0; p < count; p++) {
        regroupedCount = splitPieces(text, from, ends[p], this.plan.splits[s], regrouped, regroupedCount);
        from = ends[p];
      }
      ends = regrouped;
      count = regroupedCount;
    }
    let from = 0;
    for (let p = 0; p < count; p++) {
      const to = ends[p];
      at =
        to - from <= CACHED_PIECE
          ? this.cachedPiece(text, from, to, out, at)
          : this.bpe.encode(text, from, to, out, at);
      from = to;
    }
    return at;
  }

  /**
   * The text of each of a batch's tokens decoded on its own, as UTF-8 end to end. Byte-level BPE
   * cuts a number's text into its tokens, so their bytes are the texts' bytes as they are, cut at
   * each token's length: only the ends are new.
   */
  pieceTexts(tokens: { ids: Int32Array; texts: Utf8Texts }): Utf8Texts {
    const { ids, texts } = tokens;
    const ends = new Int32Array(ids.length + 1);
    let end = 0;
    for (let t = 0; t < ids.length; t++) {
      end += this.piece(ids[t]).length;
      ends[t + 1] = end;
    }
    const textBytes = texts.ends[texts.ends.length - 1] - texts.ends[0];
    if (end !== textBytes)
      throw new Error(`the tokens' texts add up to ${end} bytes where the numbers' texts have ${textBytes}`);
    return { bytes: texts.bytes.subarray(texts.ends[0]), ends };
  }

  /** Each of `values` (safe integers) formatted as `format` and tokenized, by the native addon. */
  encodeNumbers(values: Float64Array, format: NumberFormat): EncodedNumbers {
    this.native ??= this.createNative();
    const [offsets, ids, ends, bytes] = nativeGemm().encodeNumbers(this.native, values, FORMAT_CODES[format]);
    return { offsets, ids, texts: { bytes, ends } };
  }

  private createNative(): NativeNumberBpe {
    const t = this.bpe.nativeTables();
    const splits = Int32Array.from(
      this.plan.splits.flatMap((rule) => [
        Number.isFinite(rule.digitsPerPiece) ? rule.digitsPerPiece : 0,
        rule.spaceJoinsDigits ? 1 : 0,
      ]),
    );
    return nativeGemm().createNumberBpe(
      t.globalIds,
      t.tokenBytes,
      t.tokenEnds,
      t.charLocal,
      t.mergeKeys,
      t.mergeRanks,
      t.mergeResults,
      t.ignoreMerges,
      splits,
    );
  }

  private cachedPiece(text: string, from: number, to: number, out: Int32Array, at: number): number {
    let key = 0;
    for (let i = from; i < to; i++) key = (key << 4) | ALPHABET_INDEX[text.charCodeAt(i)];
    let start = this.cacheStart[key];
    if (start === 0) {
      if (this.pooled + CACHED_PIECE > this.pool.length) {
        const grown = new Int32Array(this.pool.length * 2);
        grown.set(this.pool);
        this.pool = grown;
      }
      const end = this.bpe.encode(text, from, to, this.pool, this.pooled);
      this.cacheCount[key] = end - this.pooled;
      this.cacheStart[key] = start = this.pooled + 1;
      this.pooled = end;
    }
    const count = this.cacheCount[key];
    for (let k = 0; k < count; k++) out[at + k] = this.pool[start - 1 + k];
    return at + count;
  }

  /** The text of a token this tokenizer gives, decoded on its own (byte-level: `Ġ` is a space). */
  piece(id: number): string {
    const text = this.pieceText[id];
    if (text === undefined) throw new Error(`token id ${id} is not a token of numbers`);
    return text;
  }
}

/** The native addon's code of each format. */
const FORMAT_CODES: Record<NumberFormat, 0 | 1 | 2> = { plain: 0, space: 1, comma: 2 };

/** 1..13 for the number alphabet, so a key of short pieces is never 0 and never ambiguous. */
const ALPHABET_INDEX = (() => {
  const index = new Uint8Array(0x40);
  ' ,-0123456789'.split('').forEach((c, i) => (index[c.charCodeAt(0)] = i + 1));
  return index;
})();
