import { describe, expect, it } from 'vitest';
import { KNOWN_SPLIT_PATTERNS, NumberSplitRule, splitPieces } from './number-split';

/** Every string of `alphabet` of length 1..maxLength. */
function allStrings(alphabet: string, maxLength: number): string[] {
  const out: string[] = [];
  let level = [''];
  for (let length = 1; length <= maxLength; length++) {
    level = level.flatMap((prefix) => [...alphabet].map((c) => prefix + c));
    out.push(...level);
  }
  return out;
}

function ourPieces(text: string, rule: NumberSplitRule): string[] {
  const ends = new Int32Array(text.length);
  const count = splitPieces(text, 0, text.length, rule, ends, 0);
  const pieces: string[] = [];
  for (let p = 0, from = 0; p < count; from = ends[p++]) pieces.push(text.slice(from, ends[p]));
  return pieces;
}

/** The pattern as a JavaScript regex: `(?i:…)` only matters for letters, which these strings have none of. */
function regexPieces(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].map((m) => m[0]);
}

describe(splitPieces.name, () => {
  // two digits tell digit runs apart; '-' and ',' are the two punctuation marks; spaces in runs
  const strings = allStrings('12-, ', 7);

  it.each(
    [...KNOWN_SPLIT_PATTERNS.entries()].map(([pattern, rule]) => [`${rule.digitsPerPiece}`, pattern, rule]),
  )(
    'splits every string of digits, signs, commas and spaces up to 7 long as the regex does (%s digits per piece)',
    (_name, pattern, rule) => {
      const regex = new RegExp(pattern.replace('(?i:', '(?:'), 'gu');
      const differing = strings.filter((text) => {
        const expected = regexPieces(text, regex);
        // over this alphabet some alternative always matches: the pieces cover the text
        expect(expected.join('')).toBe(text);
        return JSON.stringify(ourPieces(text, rule)) !== JSON.stringify(expected);
      });
      expect(differing.slice(0, 5)).toEqual([]);
    },
  );

  it.each([
    ['-1234567', Infinity, true, ['-', '1234567']],
    [' -1234567', 3, false, [' -', '123', '456', '7']],
    [' 12', 3, false, [' ', '12']],
    [' 12', Infinity, true, [' 12']],
    ['-1,234', 1, false, ['-', '1', ',', '2', '3', '4']],
  ] as const)('%j with %s digits per piece, space joining digits: %s', (text, digits, joins, expected) => {
    expect(ourPieces(text, { digitsPerPiece: digits, spaceJoinsDigits: joins })).toEqual(expected);
  });
});
