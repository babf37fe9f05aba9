import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { TOKENIZER_PACKAGES, TokenizerFamily } from '../demo/demo-model';
import { planNumberFastPath } from './number-fast-path';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function tokenizerJson(family: TokenizerFamily): Json {
  const file = createRequire(__filename).resolve(`${TOKENIZER_PACKAGES[family]}/models/tokenizer.json`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

const gpt2 = tokenizerJson('gpt2');
const llama3 = tokenizerJson('llama3');

/** A copy of `base` changed by `change`. */
function changed(base: Json, change: (json: Json) => void): Json {
  const json = structuredClone(base);
  change(json);
  return json;
}

describe(planNumberFastPath.name, () => {
  it.each<TokenizerFamily>(['gpt2', 'llama3', 'qwen3'])('takes the exact path for %s', (family) => {
    const decision = planNumberFastPath(tokenizerJson(family));
    expect(decision.exact ? null : decision.reason).toBeNull();
  });

  it.each<[string, Json, string]>([
    [
      'a normalizer that changes text',
      changed(gpt2, (j) => (j.normalizer = { type: 'Replace' })),
      'normalizer Replace',
    ],
    [
      'a prefix space',
      changed(gpt2, (j) => (j.pre_tokenizer.add_prefix_space = true)),
      'ByteLevel adds a prefix space',
    ],
    [
      'an unknown split',
      changed(llama3, (j) => (j.pre_tokenizer.pretokenizers[0].pattern.Regex = String.raw`\p{N}{1,2}`)),
      'is not a known one',
    ],
    [
      'a split that keeps delimiters apart differently',
      changed(llama3, (j) => (j.pre_tokenizer.pretokenizers[0].behavior = 'MergedWithPrevious')),
      'behavior MergedWithPrevious',
    ],
    [
      'ByteLevel before a split',
      changed(llama3, (j) => j.pre_tokenizer.pretokenizers.reverse()),
      'ByteLevel is not the last',
    ],
    [
      'a SentencePiece-style pre-tokenizer',
      changed(gpt2, (j) => (j.pre_tokenizer = { type: 'Metaspace' })),
      'Metaspace',
    ],
    ['no pre-tokenizer', changed(gpt2, (j) => (j.pre_tokenizer = null)), 'no pre-tokenizer'],
    [
      'an added token of digits',
      changed(gpt2, (j) => j.added_tokens.push({ id: 50257, content: '2024', special: false })),
      'added token "2024"',
    ],
    ['a WordPiece model', changed(gpt2, (j) => (j.model.type = 'WordPiece')), 'model WordPiece'],
    ['dropout', changed(gpt2, (j) => (j.model.dropout = 0.1)), 'dropout 0.1'],
    ['a subword prefix', changed(gpt2, (j) => (j.model.continuing_subword_prefix = '##')), 'prefix'],
    ['another decoder', changed(gpt2, (j) => (j.decoder = { type: 'Metaspace' })), 'decoder Metaspace'],
    ['padding', changed(gpt2, (j) => (j.padding = { length: 8 })), 'padding'],
    ['a short truncation', changed(gpt2, (j) => (j.truncation = { max_length: 4 })), 'truncation to 4'],
  ])('falls back on %s', (_case, json, reason) => {
    const decision = planNumberFastPath(json);
    expect(decision.exact ? 'exact' : decision.reason).toContain(reason);
  });

  it('keeps the exact path for added tokens numbers never contain and for a neutral normalizer', () => {
    const json = changed(gpt2, (j) => {
      j.added_tokens.push({ id: 50257, content: '<|digits|>', special: true });
      j.normalizer = { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Lowercase' }] };
    });
    expect(planNumberFastPath(json).exact).toBe(true);
  });
});
