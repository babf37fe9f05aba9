/**
 * The pre-tokenizer splits of the known byte-level tokenizers, restricted to the characters a
 * formatted number can contain: digits, `-`, `,` and space. Over that alphabet every alternative of
 * their regexes that needs a letter, an apostrophe or a line break can never match, and what is left
 * is a handful of rules, written out below and checked against the regexes themselves on every
 * string of the alphabet up to a length (number-split.spec.ts).
 */

/** How a split regex groups what numbers contain. */
export interface NumberSplitRule {
  /** Longest run of digits one piece takes: Infinity (`\p{N}+`), 3 (`\p{N}{1,3}`) or 1 (`\p{N}`). */
  digitsPerPiece: number;
  /** Whether one space before digits belongs to the digits' piece (` ?\p{N}+`) or stands alone. */
  spaceJoinsDigits: boolean;
}

const SPACE = 0x20;

/** Code points of the number alphabet. */
export function isNumberAlphabet(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || code === 0x2d || code === 0x2c || code === SPACE;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** `-` and `,`: what `[^\s\p{L}\p{N}]` matches within the alphabet. */
function isPunctuation(code: number): boolean {
  return code === 0x2d || code === 0x2c;
}

/** GPT-2's pattern: the one the ByteLevel pre-tokenizer applies itself when `use_regex` is true. */
export const GPT2_PATTERN = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;

/** Split regexes whose behaviour over the number alphabet is known, as tokenizer.json writes them. */
export const KNOWN_SPLIT_PATTERNS: ReadonlyMap<string, NumberSplitRule> = new Map([
  [GPT2_PATTERN, { digitsPerPiece: Infinity, spaceJoinsDigits: true }],
  // Llama 3, and OpenAI's cl100k_base that it follows
  [
    String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
    { digitsPerPiece: 3, spaceJoinsDigits: false },
  ],
  // Qwen 2 and 3: one digit per piece
  [
    String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
    { digitsPerPiece: 1, spaceJoinsDigits: false },
  ],
]);

/**
 * Splits `text[from..to)` (number alphabet only) into pieces, as the rule's regex would with the
 * `Isolated` behaviour; writes each piece's end into `ends` from `count` on and returns the new count.
 */
export function splitPieces(
  text: string,
  from: number,
  to: number,
  rule: NumberSplitRule,
  ends: Int32Array,
  count: number,
): number {
  let i = from;
  while (i < to) {
    const code = text.charCodeAt(i);
    const following = i + 1 < to ? text.charCodeAt(i + 1) : -1;
    let end: number;
    if (isDigit(code) || (code === SPACE && rule.spaceJoinsDigits && isDigit(following))) {
      end = code === SPACE ? i + 1 : i;
      const limit = Math.min(to, end + rule.digitsPerPiece);
      while (end < limit && isDigit(text.charCodeAt(end))) end++;
    } else if (isPunctuation(code) || (code === SPACE && isPunctuation(following))) {
      end = i + 1;
      while (end < to && isPunctuation(text.charCodeAt(end))) end++;
    } else {
      // a run of spaces: `\s+(?!\S)` leaves the last space to what follows, unless nothing follows
      // or the run is a single space (then `\s+` takes it alone)
      let run = i + 1;
      while (run < to && text.charCodeAt(run) === SPACE) run++;
      end = run === to || run - i === 1 ? run : run - 1;
    }
    ends[count++] = end;
    i = end;
  }
  return count;
}
