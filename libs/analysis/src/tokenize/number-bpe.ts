import { utf8Texts } from '../compute/utf8-texts';

/**
 * Byte-level BPE over the tokens a number can be made of. A merge can only ever apply to a number
 * when both its sides are strings of the number alphabet (digits, `-`, `,` and the byte-level space
 * `Ġ`); those merges are a small subset of the vocabulary, held here in an open-addressed table of
 * small local ids, so a merge is a few integer operations instead of string work.
 *
 * The merge order is the Rust reference's (`tokenizers`' `Word::merge_all`): every candidate pair
 * enters a queue by (rank, position); the least is taken; an entry whose pair has changed since it
 * was queued is dropped unless the pair now there merges into the same token; a merge queues the
 * pairs it forms with its neighbours. With ignore_merges, a piece that is itself a token is that
 * token.
 */

/** The byte-level alphabet of numbers: what ByteLevel maps digits, `-`, `,` and space to. */
export function byteLevelChar(code: number): string {
  return code === 0x20 ? '\u0120' : String.fromCharCode(code);
}

/** Whether a character is the byte-level form of a digit, `-`, `,` or space. */
export function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2c || c === 0x120;
}

/** Whether every character of a vocabulary entry is the byte-level form of a number character. */
export function isNumberToken(token: string): boolean {
  if (token.length === 0) return false;
  for (let i = 0; i < token.length; i++) if (!isNumberChar(token.charCodeAt(i))) return false;
  return true;
}

/** The longest piece a number can give (a sign and 16 digits, or commas between groups). */
const MAX_SYMBOLS = 64;

/** What a number's BPE needs of a tokenizer.json: small, so threads are handed it rather than parse the file. */
export interface NumberBpeSource {
  /** The vocabulary's number tokens with their ids. */
  vocab: [string, number][];
  /** The merges of two number tokens: left, right, and rank (the index in tokenizer.json's list). */
  merges: [string, string, number][];
  ignoreMerges: boolean;
}

/** NumberBpe's tables as flat arrays (see `nativeTables`). */
export interface NumberBpeTables {
  globalIds: Int32Array;
  tokenBytes: Uint8Array;
  tokenEnds: Int32Array;
  charLocal: Int32Array;
  mergeKeys: Int32Array;
  mergeRanks: Int32Array;
  mergeResults: Int32Array;
  ignoreMerges: boolean;
}

export class NumberBpe {
  /** Global id of each local id. */
  readonly globalIds: Int32Array;
  /** Token string of each local id. */
  readonly tokens: string[];
  private readonly localOf = new Map<string, number>();
  /** Local id of each alphabet character (by char code), -1 if none. */
  private readonly charLocal = new Int32Array(0x121).fill(-1);
  // open-addressed merge table: key = left * localCount + right + 1 (0 = empty)
  private readonly keys: Int32Array;
  private readonly ranks: Int32Array;
  private readonly results: Int32Array;
  private readonly mask: number;
  private readonly ignoreMerges: boolean;
  // scratch of one piece
  private readonly symbols = new Int32Array(MAX_SYMBOLS);
  private readonly next = new Int32Array(MAX_SYMBOLS);
  private readonly prev = new Int32Array(MAX_SYMBOLS);
  private readonly queueRank = new Int32Array(MAX_SYMBOLS * 4);
  private readonly queuePos = new Int32Array(MAX_SYMBOLS * 4);
  private readonly queueResult = new Int32Array(MAX_SYMBOLS * 4);

  constructor(source: NumberBpeSource) {
    this.ignoreMerges = source.ignoreMerges;
    const ids: number[] = [];
    this.tokens = [];
    for (const [token, id] of source.vocab) {
      this.localOf.set(token, this.tokens.length);
      this.tokens.push(token);
      ids.push(id);
    }
    this.globalIds = Int32Array.from(ids);
    // merge keys pack (left, right) into one int32
    if (this.tokens.length > 46_000)
      throw new Error(`${this.tokens.length} tokens of digits and signs are more than the merge table holds`);
    for (const code of [0x20, 0x2c, 0x2d, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39]) {
      const local = this.localOf.get(byteLevelChar(code));
      if (local === undefined)
        throw new Error(`the vocabulary has no token for ${JSON.stringify(String.fromCharCode(code))}`);
      this.charLocal[code] = local;
    }
    const found: [number, number, number][] = [];
    for (const [left, right, rank] of source.merges) {
      const l = this.localOf.get(left);
      const r = this.localOf.get(right);
      if (l === undefined || r === undefined)
        throw new Error(`merge "${left} ${right}" has a side not in the vocabulary`);
      const merged = this.localOf.get(left + right);
      // the reference refuses to load such a file at all; the caller falls back to the full tokenizer
      if (merged === undefined)
        throw new Error(`merge "${left} ${right}" makes a token not in the vocabulary`);
      found.push([l * this.tokens.length + r + 1, rank, merged]);
    }
    let capacity = 16;
    while (capacity < found.length * 4) capacity *= 2;
    this.mask = capacity - 1;
    this.keys = new Int32Array(capacity);
    this.ranks = new Int32Array(capacity);
    this.results = new Int32Array(capacity);
    // the reference builds a map from the list in order, so a pair listed twice keeps its last rank
    for (const [key, rank, merged] of found) {
      const slot = this.slot(key);
      this.keys[slot] = key;
      this.ranks[slot] = rank;
      this.results[slot] = merged;
    }
  }

  /**
   * The tables, for the native tokenizer to copy (native/src/number-bpe.h): each local token's
   * characters end to end with `Ġ` as a space (the text's own byte), and the local id of each ASCII
   * character.
   */
  nativeTables(): NumberBpeTables {
    const { bytes, ends } = utf8Texts(this.tokens.map((token) => token.replaceAll('\u0120', ' ')));
    return {
      globalIds: this.globalIds,
      tokenBytes: bytes,
      tokenEnds: ends.subarray(1),
      charLocal: this.charLocal.slice(0, 128),
      mergeKeys: this.keys,
      mergeRanks: this.ranks,
      mergeResults: this.results,
      ignoreMerges: this.ignoreMerges,
    };
  }

  /** The local id of a token string of the alphabet, or -1. */
  local(token: string): number {
    return this.localOf.get(token) ?? -1;
  }

  private slot(key: number): number {
    let slot = Math.imul(key, 0x9e3779b1) >>> 0;
    for (;;) {
      slot &= this.mask;
      const held = this.keys[slot];
      if (held === key || held === 0) return slot;
      slot++;
    }
  }

  /** Slot of the merge of (left, right), or -1 when they do not merge. */
  private merge(left: number, right: number): number {
    const slot = this.slot(left * this.tokens.length + right + 1);
    return this.keys[slot] === 0 ? -1 : slot;
  }

  /**
   * Token ids (global) of the piece `text[from..to)` (number characters, byte-level mapped here),
   * written into `out` at `at`; returns the new end.
   */
  encode(text: string, from: number, to: number, out: Int32Array, at: number): number {
    const length = to - from;
    if (this.ignoreMerges) {
      let piece = '';
      for (let i = from; i < to; i++) piece += byteLevelChar(text.charCodeAt(i));
      const whole = this.localOf.get(piece);
      if (whole !== undefined) {
        out[at] = this.globalIds[whole];
        return at + 1;
      }
    }
    if (length > MAX_SYMBOLS)
      throw new Error(`a piece of ${length} characters is longer than a number can be`);
    const { symbols, next, prev, queueRank, queuePos, queueResult } = this;
    for (let i = 0; i < length; i++) {
      symbols[i] = this.charLocal[text.charCodeAt(from + i)];
      next[i] = i + 1;
      prev[i] = i - 1;
    }
    let queued = 0;
    for (let i = 0; i + 1 < length; i++) {
      const slot = this.merge(symbols[i], symbols[i + 1]);
      if (slot < 0) continue;
      queueRank[queued] = this.ranks[slot];
      queuePos[queued] = i;
      queueResult[queued++] = this.results[slot];
    }
    while (queued > 0) {
      // the least (rank, position): queues here hold a few dozen entries, a scan beats a heap
      let best = 0;
      for (let q = 1; q < queued; q++) {
        if (
          queueRank[q] < queueRank[best] ||
          (queueRank[q] === queueRank[best] && queuePos[q] < queuePos[best])
        )
          best = q;
      }
      const pos = queuePos[best];
      const result = queueResult[best];
      queued--;
      queueRank[best] = queueRank[queued];
      queuePos[best] = queuePos[queued];
      queueResult[best] = queueResult[queued];
      if (symbols[pos] < 0 || next[pos] >= length) continue;
      const right = next[pos];
      const current = this.merge(symbols[pos], symbols[right]);
      if (current < 0 || this.results[current] !== result) continue; // an expired entry
      symbols[pos] = result;
      symbols[right] = -1;
      next[pos] = next[right];
      if (next[right] < length) prev[next[right]] = pos;
      if (prev[pos] >= 0) {
        const slot = this.merge(symbols[prev[pos]], result);
        if (slot >= 0) {
          queueRank[queued] = this.ranks[slot];
          queuePos[queued] = prev[pos];
          queueResult[queued++] = this.results[slot];
        }
      }
      if (next[pos] < length) {
        const slot = this.merge(result, symbols[next[pos]]);
        if (slot >= 0) {
          queueRank[queued] = this.ranks[slot];
          queuePos[queued] = pos;
          queueResult[queued++] = this.results[slot];
        }
      }
    }
    for (let i = 0; i < length; i = next[i]) out[at++] = this.globalIds[symbols[i]];
    return at;
  }
}
