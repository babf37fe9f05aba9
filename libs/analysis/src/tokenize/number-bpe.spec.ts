import { Tokenizer } from 'tokenizers';
import { describe, expect, it } from 'vitest';
import { seededUniform } from '../compute/seeded-random';
import { ExactNumberTokenizer } from './exact-number-tokenizer';
import { randomTokenizerJson } from '../testing/random-tokenizer-json';
import { planNumberFastPath } from './number-fast-path';

describe(ExactNumberTokenizer.name, () => {
  it.each([
    [1, false, false],
    [2, false, true],
    [3, true, false],
    [4, true, true],
  ])(
    'gives the Rust reference ids on a random BPE of digits and signs (seed %i, ignore_merges %s, legacy merges %s)',
    async (seed, ignoreMerges, legacyMerges) => {
      const json = randomTokenizerJson(seed, ignoreMerges, legacyMerges);
      const decision = planNumberFastPath(json);
      if (!decision.exact) throw new Error(decision.reason);
      const ours = new ExactNumberTokenizer(decision.plan);
      const reference = Tokenizer.fromString(JSON.stringify(json));
      const random = seededUniform(seed + 100);
      const texts = Array.from({ length: 4_000 }, () => {
        let text = '';
        // mostly few kinds of characters, so that repeated pairs and long merges occur
        const kinds = random() < 0.7 ? '0123 ' : '0123456789-, ';
        for (let c = 1 + Math.floor(random() * 24); c > 0; c--)
          text += kinds[Math.floor(random() * kinds.length)];
        return text;
      });
      const expected = await reference.encodeBatch(texts, { addSpecialTokens: false });
      const out = new Int32Array(64);
      const differing = texts.filter((text, i) => {
        const ids = Array.from(out.subarray(0, ours.encodeInto(text, out, 0)));
        return JSON.stringify(ids) !== JSON.stringify(expected[i].getIds());
      });
      expect(differing.slice(0, 5)).toEqual([]);
    },
  );
});
