import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenizerFamily, writeDemoModel } from '../demo/demo-model';
import { NumberTokenizer } from '../models/tokenizer';
import { NumberFormat } from '../spec/vocabulary';
import { dropFirst, pick, tokenizeNumbers } from './tokenize-numbers';
import { utf8Texts } from './utf8-texts';

const root = mkdtempSync(path.join(os.tmpdir(), 'tokensweep-pick-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function tokenizer(family: TokenizerFamily): Promise<NumberTokenizer> {
  const dir = path.join(root, family);
  await writeDemoModel(dir, { family, withoutWeights: true });
  return NumberTokenizer.load(dir);
}

describe(pick.name, () => {
  // sign-symmetry takes its positives from the chunk's tokenization instead of tokenizing them again
  it.each<TokenizerFamily>(['gpt2', 'llama3', 'qwen3'])(
    'gives what tokenizing the picked numbers again gives (%s, every format)',
    async (family) => {
      const numbers = await tokenizer(family);
      const values = Float64Array.from({ length: 2_401 }, (_, i) => i * 7 - 8_400);
      for (const format of ['plain', 'space', 'comma'] as NumberFormat[]) {
        const all = dropFirst(tokenizeNumbers(numbers, values, format));
        const positions: number[] = [];
        for (let i = 0; i < all.values.length; i++) if (all.values[i] >= 1 && i % 3 !== 1) positions.push(i);
        const picked = pick(all, positions);
        const again = tokenizeNumbers(
          numbers,
          Float64Array.from(positions, (i) => all.values[i]),
          format,
        );
        expect(picked.values).toEqual(again.values);
        expect(picked.texts).toEqual(again.texts);
        expect(picked.offsets).toEqual(again.offsets);
        expect(picked.ids).toEqual(again.ids);
      }
    },
  );

  it('picks nothing into an empty tokenization', async () => {
    const none = pick(tokenizeNumbers(await tokenizer('gpt2'), new Float64Array([1, 2]), 'plain'), []);
    expect(none).toEqual({
      values: new Float64Array(0),
      texts: utf8Texts([]),
      offsets: new Int32Array(1),
      ids: new Int32Array(0),
    });
  });
});
