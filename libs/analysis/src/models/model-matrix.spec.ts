import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMatrixTensor, tiedEmbeddings } from './model-matrix';
import { encodeFloats, writeSafetensors } from './safetensors-writer';

describe(tiedEmbeddings.name, () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'tokensweep-tie-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it.each([
    [{ model_type: 'llama', tie_word_embeddings: true }, true],
    [{ model_type: 'gpt2', tie_word_embeddings: false }, false],
    [{ model_type: 'llama' }, false],
    [{ model_type: 'gpt_neox' }, false],
    [{ model_type: 'gpt2' }, true],
    [{ model_type: 'gemma' }, true],
    [{}, true],
    [null, true],
  ])('config %j ties: %s', async (config, tied) => {
    const dir = await mkdtemp(path.join(root, 'model-'));
    if (config !== null) await writeFile(path.join(dir, 'config.json'), JSON.stringify(config));
    expect(tiedEmbeddings(dir).tied).toBe(tied);
  });

  it('reads the output matrix of an untied model, and refuses one without it, naming the tensors looked for', async () => {
    const dir = await mkdtemp(path.join(root, 'untied-'));
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'llama' }));
    const tensor = (name: string) => ({
      name,
      dtype: 'F32' as const,
      shape: [4, 2],
      bytes: encodeFloats(new Float32Array(8).fill(1), 'F32'),
    });
    await writeSafetensors(path.join(dir, 'model.safetensors'), [tensor('model.embed_tokens.weight')]);
    await expect(findMatrixTensor(dir, 'output')).rejects.toThrow(
      /not tied .*model_type llama unties them by default.*lm_head\.weight, embed_out\.weight, output\.weight/,
    );
    expect(await findMatrixTensor(dir, 'input')).toMatchObject({
      tensorName: 'model.embed_tokens.weight',
      tied: false,
    });
    await writeSafetensors(path.join(dir, 'model.safetensors'), [
      tensor('model.embed_tokens.weight'),
      tensor('embed_out.weight'),
    ]);
    expect(await findMatrixTensor(dir, 'output')).toMatchObject({
      tensorName: 'embed_out.weight',
      tied: false,
    });
  });
});
