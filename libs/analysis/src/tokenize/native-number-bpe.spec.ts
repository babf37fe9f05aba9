import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatNumber } from '../compute/format-number';
import { nativeGemm } from '../compute/native-gemm';
import { seededUniform } from '../compute/seeded-random';
import { TokenizerFamily, writeDemoModel } from '../demo/demo-model';
import { NumberTokenizer } from '../models/tokenizer';
import { NumberFormat } from '../spec/vocabulary';
import { randomTokenizerJson } from '../testing/random-tokenizer-json';
import { textAt, utf8Texts } from '../compute/utf8-texts';
import { EncodedNumbers, encodeOneByOne, TextEncoderInto } from './encoded-numbers';
import { ExactNumberTokenizer } from './exact-number-tokenizer';
import { planNumberFastPath } from './number-fast-path';

/**
 * The native batch (native/src/number-bpe.c) against the JavaScript definition it ports
 * (ExactNumberTokenizer.encodeInto, one text at a time) on the same tables: the same ids, the same
 * texts. The Rust reference test (test/tokenizer-rust-reference.test.ts) holds the batch to the Rust
 * tokenizers over ±0..999,999 and every magnitude.
 */
const root = mkdtempSync(path.join(os.tmpdir(), 'tokensweep-native-bpe-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FAMILIES: TokenizerFamily[] = ['gpt2', 'llama3', 'qwen3'];
const FORMATS: NumberFormat[] = ['plain', 'space', 'comma'];

const loaded = new Map<TokenizerFamily, Promise<NumberTokenizer>>();

function tokenizer(family: TokenizerFamily): Promise<NumberTokenizer> {
  if (!loaded.has(family)) {
    const dir = path.join(root, family);
    loaded.set(
      family,
      writeDemoModel(dir, { family, withoutWeights: true }).then(() => NumberTokenizer.load(dir)),
    );
  }
  return loaded.get(family)!;
}

/** Where two arrays first differ (a length counts as a difference at the shorter's end), or -1. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : length;
}

/** -30,000..30,000, then numbers of every digit count to 16 and both signs, and the safe-integer bounds. */
function values(): Float64Array {
  const random = seededUniform(12);
  const out: number[] = Array.from({ length: 60_001 }, (_, i) => i - 30_000);
  for (let digits = 1; digits <= 16; digits++)
    for (let k = 0; k < 200; k++) {
      const value = Math.min(Number.MAX_SAFE_INTEGER, Math.floor(10 ** (digits - 1) * (1 + 9 * random())));
      out.push(value, -value);
    }
  out.push(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, -0);
  return Float64Array.from(out);
}

/** The native batch of `all` in `format`, once it is checked to equal the JavaScript definition's, array for array. */
function expectTheDefinition(
  numbers: TextEncoderInto & { encodeNumbers(values: Float64Array, format: NumberFormat): EncodedNumbers },
  all: Float64Array,
  format: NumberFormat,
): EncodedNumbers {
  const batch = numbers.encodeNumbers(all, format);
  const definition = encodeOneByOne(numbers, all, format);
  expect(firstDifference(batch.offsets, definition.offsets)).toBe(-1);
  expect(firstDifference(batch.ids, definition.ids)).toBe(-1);
  expect(firstDifference(batch.texts.ends, definition.texts.ends)).toBe(-1);
  expect(firstDifference(batch.texts.bytes, definition.texts.bytes)).toBe(-1);
  return batch;
}

describe('the native number tokenizer', () => {
  it.each(FAMILIES)(
    'gives the ids and texts of the JavaScript definition (%s, every format)',
    async (family) => {
      const numbers = await tokenizer(family);
      expect(numbers.choice.path).toBe('exact-bpe');
      const all = values();
      for (const format of FORMATS) {
        const batch = expectTheDefinition(numbers, all, format);
        for (const i of [0, 30_000, all.length - 3, all.length - 1])
          expect(textAt(batch.texts, i)).toBe(formatNumber(all[i], format));
      }
    },
  );

  it.each([
    [1, false],
    [3, true],
  ])(
    'gives the ids of the JavaScript definition on a random BPE of digits and signs (seed %i, ignore_merges %s)',
    (seed, ignoreMerges) => {
      // odd tables: merges whose result another pair also makes, pairs listed twice, long tokens
      const decision = planNumberFastPath(randomTokenizerJson(seed, ignoreMerges));
      if (!decision.exact) throw new Error(decision.reason);
      const numbers = new ExactNumberTokenizer(decision.plan);
      const all = values();
      for (const format of FORMATS) expectTheDefinition(numbers, all, format);
    },
  );

  it.each(FAMILIES)("cuts the texts into each token's own text (%s)", async (family) => {
    const numbers = await tokenizer(family);
    const batch = numbers.encodeNumbers(values(), 'space');
    const pieces = numbers.pieceTexts(batch);
    const expected = utf8Texts(Array.from(batch.ids, (id) => numbers.piece(id)));
    expect(firstDifference(pieces.ends, expected.ends)).toBe(-1);
    expect(firstDifference(pieces.bytes, expected.bytes)).toBe(-1);
  });

  it('tokenizes an empty batch to nothing', async () => {
    const batch = (await tokenizer('gpt2')).encodeNumbers(new Float64Array(0), 'plain');
    expect(batch).toEqual({ offsets: new Int32Array(1), ids: new Int32Array(0), texts: utf8Texts([]) });
  });

  it('refuses tables a lookup could run off or never end in, and any handle it did not make', () => {
    const alphabet = ' ,-0123456789';
    const charLocal = new Int32Array(128).fill(-1);
    [...alphabet].forEach((c, i) => (charLocal[c.charCodeAt(0)] = i));
    const tables = (local: Int32Array, keys: Int32Array) =>
      [
        Int32Array.from(alphabet, (_, i) => i),
        new TextEncoder().encode(alphabet),
        Int32Array.from(alphabet, (_, i) => i + 1),
        local,
        keys,
        new Int32Array(keys.length),
        new Int32Array(keys.length),
        false,
        Int32Array.of(0, 1),
      ] as const;
    const addon = nativeGemm();
    const made = addon.createNumberBpe(...tables(charLocal, new Int32Array(16)));
    // no merges: every character is its own token
    const [offsets, ids, ends, bytes] = addon.encodeNumbers(made, Float64Array.of(-12), 0);
    expect([Array.from(offsets), Array.from(ids), textAt({ bytes, ends }, 0)]).toEqual([
      [0, 3],
      [2, 4, 5],
      '-12',
    ]);
    const noSeven = charLocal.slice();
    noSeven['7'.charCodeAt(0)] = -1;
    expect(() => addon.createNumberBpe(...tables(noSeven, new Int32Array(16)))).toThrow(
      new RangeError('charLocal has no token for a character of numbers'),
    );
    expect(() => addon.createNumberBpe(...tables(charLocal, new Int32Array(16).fill(5)))).toThrow(
      new RangeError('mergeKeys has no empty slot'),
    );
    expect(() => addon.encodeNumbers({} as never, Float64Array.of(1), 0)).toThrow(
      new RangeError('tokenizer must be what createNumberBpe returned'),
    );
  });

  it('refuses a value that is not a safe integer, naming it and where it is', async () => {
    const numbers = await tokenizer('llama3');
    for (const [value, shown] of [
      [1.5, '1.5'],
      [Number.NaN, 'nan'],
      [2 ** 53, '9007199254740992'],
      [-Infinity, '-inf'],
    ] as const)
      expect(() => numbers.encodeNumbers(Float64Array.of(7, value), 'plain')).toThrow(
        new RangeError(`value ${shown} (at 1) is not an integer from -(2^53 - 1) to 2^53 - 1`),
      );
  });
});
