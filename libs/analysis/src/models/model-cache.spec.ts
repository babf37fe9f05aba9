import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '../demo/demo-model';
import { loadModelMatrix } from './model-matrix';
import { ModelCache, ModelPartLoaders } from './model-cache';
import { ModelLocations } from './model-locations';
import { NumberTokenizer } from './tokenizer';

/** Loaders that load here and record the order in which the cache asked for each part. */
function recording(embeddingsFirst?: boolean): { loaders: ModelPartLoaders; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    loaders: {
      embeddingsFirst,
      embeddings: (dir, kind) => {
        asked.push('embeddings');
        return loadModelMatrix(dir, kind);
      },
      tokenizer: (dir) => {
        asked.push('tokenizer');
        return NumberTokenizer.load(dir);
      },
    },
  };
}

/** Local directories only: nothing is looked up in a cache or fetched. */
const LOCAL_ONLY: ModelLocations = { hfHome: '/nowhere', hfEndpoint: 'http://127.0.0.1:9', offline: true };

describe(ModelCache.name, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'model-cache-'));
    await writeDemoModel(path.join(dir, 'gpt2'), { dim: 16, seed: 3 });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each([
    [undefined, ['tokenizer', 'embeddings']],
    [false, ['tokenizer', 'embeddings']],
    [true, ['embeddings', 'tokenizer']],
  ])('with embeddingsFirst %s asks for the parts in the order %j', async (first, order) => {
    const { loaders, asked } = recording(first);
    const model = await new ModelCache(LOCAL_ONLY, 2, true, loaders).get(path.join(dir, 'gpt2'), true);
    expect(asked).toEqual(order);
    expect(model.embeddings?.dim).toBe(16);
    expect(model.provenance.embeddingSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives the same provenance whichever part it loads first', async () => {
    const load = (first: boolean) =>
      new ModelCache(LOCAL_ONLY, 2, true, recording(first).loaders).get(path.join(dir, 'gpt2'), true);
    expect((await load(true)).provenance).toEqual((await load(false)).provenance);
  });

  it('asks only for the tokenizer when no matrix is needed', async () => {
    const { loaders, asked } = recording(true);
    const model = await new ModelCache(LOCAL_ONLY, 2, true, loaders).get(path.join(dir, 'gpt2'), false);
    expect(asked).toEqual(['tokenizer']);
    expect(model.embeddings).toBeNull();
  });
});
