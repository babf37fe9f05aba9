import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serialize } from 'node:v8';
import { Tokenizer } from 'tokenizers';
import { afterAll, describe, expect, it } from 'vitest';
import { formatNumber } from '../compute/format-number';
import { TokenizerFamily, writeDemoModel } from '../demo/demo-model';
import { NumberFormat } from '../spec/vocabulary';
import { NumberTokenizer } from './tokenizer';

const root = mkdtempSync(path.join(os.tmpdir(), 'tokensweep-tokenizer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function modelDir(name: string, family: TokenizerFamily): Promise<string> {
  const dir = path.join(root, name);
  await writeDemoModel(dir, { family, withoutWeights: true });
  return dir;
}

const NUMBERS = [0, 7, 42, -42, 521, 1000, -1000, 12_345, -987_654, 1_000_000_007, -9_007_199_254_740_991];
const FORMATS: NumberFormat[] = ['plain', 'space', 'comma'];

describe(NumberTokenizer.name, () => {
  it.each<TokenizerFamily>(['gpt2', 'llama3', 'qwen3'])(
    '%s: takes the exact path, and each id it gives decodes as the full tokenizer decodes it',
    async (family) => {
      const dir = await modelDir(family, family);
      const exact = await NumberTokenizer.load(dir);
      const full = await NumberTokenizer.load(dir, { path: 'transformers' });
      expect(exact.choice).toEqual({ path: 'exact-bpe', reason: null });
      expect(full.choice.path).toBe('transformers');
      const ids = new Set<number>();
      for (const format of FORMATS)
        for (let n = -1200; n <= 1200; n++)
          for (const id of exact.encode(formatNumber(n * 37, format))) ids.add(id);
      const differing = [...ids].filter((id) => exact.piece(id) !== full.piece(id));
      expect(differing).toEqual([]);
    },
  );

  it('falls back to the full tokenizer where the exact one does not apply, says why, and still gives the reference ids', async () => {
    const dir = await modelDir('prefix-space', 'gpt2');
    const file = path.join(dir, 'tokenizer.json');
    const json = JSON.parse(await readFile(file, 'utf8'));
    json.pre_tokenizer.add_prefix_space = true;
    await writeFile(file, JSON.stringify(json));
    const tokenizer = await NumberTokenizer.load(dir);
    expect(tokenizer.choice).toEqual({ path: 'transformers', reason: 'ByteLevel adds a prefix space' });
    await expect(NumberTokenizer.load(dir, { path: 'exact-bpe' })).rejects.toThrow(/prefix space/);
    const reference = Tokenizer.fromFile(file);
    const texts = FORMATS.flatMap((format) => NUMBERS.map((n) => formatNumber(n, format)));
    const expected = await reference.encodeBatch(texts, { addSpecialTokens: false });
    expect(texts.map((text) => tokenizer.encode(text))).toEqual(expected.map((e) => e.getIds()));
  });

  it.each<TokenizerFamily>(['gpt2', 'llama3'])(
    '%s: a tokenizer built from a cloned source gives the same ids and pieces, without reading tokenizer.json',
    async (family) => {
      const dir = await modelDir(`source-${family}`, family);
      const file = path.join(dir, 'tokenizer.json');
      const bytes = await readFile(file);
      const loaded = await NumberTokenizer.load(dir);
      expect(loaded.source.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      // a thread is handed a structured clone: only the number tokens and their merges, not the file
      expect(serialize(loaded.source).length).toBeLessThan(bytes.length / 10);
      const cloned = structuredClone(loaded.source);
      await rm(file);
      const built = await NumberTokenizer.fromSource(dir, cloned);
      expect(built.choice).toEqual(loaded.choice);
      expect(built.source.sha256).toBe(loaded.source.sha256);
      for (const format of FORMATS)
        for (let n = -3000; n <= 3000; n++) {
          const text = formatNumber(n * 331, format);
          const ids = loaded.encode(text);
          expect(built.encode(text)).toEqual(ids);
          for (const id of ids) expect(built.piece(id)).toBe(loaded.piece(id));
        }
    },
  );

  it('on the full tokenizer path, hands over the decision and the hash; the tokenizer is loaded again', async () => {
    const dir = await modelDir('source-full', 'gpt2');
    const file = path.join(dir, 'tokenizer.json');
    const json = JSON.parse(await readFile(file, 'utf8'));
    json.pre_tokenizer.add_prefix_space = true;
    await writeFile(file, JSON.stringify(json));
    const loaded = await NumberTokenizer.load(dir);
    expect(loaded.source.plan).toBeNull();
    const built = await NumberTokenizer.fromSource(dir, structuredClone(loaded.source));
    expect(built.choice).toEqual({ path: 'transformers', reason: 'ByteLevel adds a prefix space' });
    expect(built.source.sha256).toBe(loaded.source.sha256);
    const texts = FORMATS.flatMap((format) => NUMBERS.map((n) => formatNumber(n, format)));
    expect(texts.map((text) => built.encode(text))).toEqual(texts.map((text) => loaded.encode(text)));
  });
});
