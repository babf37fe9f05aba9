import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatNumber } from '../compute/format-number';
import { seededGaussian } from '../compute/seeded-random';
import { loadTransformers } from '../compute/transformers-runtime';
import { TokenizerFamily, writeDemoModel } from '../demo/demo-model';
import { NumberFormat } from '../spec/vocabulary';
import { installMergeLookup } from './bpe-merge-lookup';
import { NumberTokenizer } from './tokenizer';

const root = mkdtempSync(path.join(os.tmpdir(), 'tokensweep-bpe-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Dense small numbers, then numbers of every length up to ±2^53, both signs. */
function numbers(): number[] {
  const random = seededGaussian(3);
  const out: number[] = [];
  for (let n = -1_500; n <= 1_500; n++) out.push(n);
  for (let i = 0; i < 3_000; i++) {
    const digits = 1 + (i % 16);
    const magnitude = Math.min(Math.floor(Math.abs(random()) * 10 ** digits), Number.MAX_SAFE_INTEGER);
    out.push(i % 2 ? -magnitude : magnitude);
  }
  return out;
}

const PROSE = [
  'In 1997, 12,345 people paid $3.50 each; 0.001% said “no”.',
  'naïve café façade — 東京 2024年 — 🙂🙃 emoji',
  '   leading spaces and\ttabs\nnew lines  ',
  "don't won't I'll we've they're",
];

describe(installMergeLookup.name, () => {
  it.each<TokenizerFamily>(['gpt2', 'llama3', 'qwen3'])(
    'is installed on %s and gives the ids of the untouched tokenizer for numbers in every format and for prose',
    async (family) => {
      const dir = path.join(root, family);
      await writeDemoModel(dir, { family, withoutWeights: true });
      const { AutoTokenizer } = await loadTransformers();
      const reference = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
      const ours = await NumberTokenizer.load(dir);
      // the lookup is an own property of the model instance; the reference keeps the library's
      const model = (ours as unknown as { tokenizer: { _tokenizer: { model: object } } }).tokenizer._tokenizer
        .model;
      expect(Object.prototype.hasOwnProperty.call(model, 'add_node')).toBe(true);
      const referenceModel = (reference as unknown as { _tokenizer: { model: object } })._tokenizer.model;
      expect(Object.prototype.hasOwnProperty.call(referenceModel, 'add_node')).toBe(false);

      const texts = [...PROSE];
      for (const format of ['plain', 'space', 'comma'] as NumberFormat[])
        for (const n of numbers()) texts.push(formatNumber(n, format));
      let differing = 0;
      for (const text of texts) {
        const expected = reference.encode(text, { add_special_tokens: false });
        const actual = ours.encode(text);
        if (actual.length !== expected.length || actual.some((id, t) => id !== expected[t])) {
          differing++;
          expect.soft(actual, JSON.stringify(text)).toEqual(expected);
        }
      }
      expect(differing).toBe(0);
    },
  );

  it('leaves alone what is not the BPE model it knows', () => {
    expect(installMergeLookup(undefined)).toBe(false);
    expect(installMergeLookup({})).toBe(false);
    expect(installMergeLookup({ bpe_ranks: {}, add_node() {} })).toBe(false);
    const changed = {
      bpe_ranks: new Map([['["a","b"]', 0]]),
      add_node(
        queue: { push(n: unknown): void },
        node: { token: string; next: { token: string }; score?: number },
      ) {
        const rank = this.bpe_ranks.get(JSON.stringify([node.next.token, node.token])); // a different rule
        if (rank !== undefined) queue.push(node);
      },
    };
    const original = changed.add_node;
    expect(installMergeLookup(changed)).toBe(false);
    expect(changed.add_node).toBe(original);
  });
});
