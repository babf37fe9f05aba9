import { describe, expect, it } from 'vitest';
import { EmbeddingMatrix } from '../models/embeddings';
import { TokenizerSource } from '../models/tokenizer';
import { SharedModelParts, SharedPart } from './shared-model-parts';

const matrix = (name: string): EmbeddingMatrix => ({
  tensorName: name,
  dtype: 'F32',
  rows: 1,
  dim: 1,
  data: new Float32Array(1),
  sha256: name,
});

const source = (sha256: string): TokenizerSource => ({
  choice: { path: 'exact-bpe', reason: null },
  plan: { splits: [], bpe: { vocab: [], merges: [], ignoreMerges: false } },
  sha256,
});

const input = (dir: string): SharedPart => ({ kind: 'embedding', dir, matrix: 'input' });
const tokenizer = (dir: string): SharedPart => ({ kind: 'tokenizer', dir });

describe(SharedModelParts.name, () => {
  it('lets the first asker load and hands what it loaded to everyone else', async () => {
    const shared = new SharedModelParts();
    expect(await shared.request(input('/m'), 'thread-1')).toBeNull();
    const second = shared.request(input('/m'), 'thread-2');
    const loaded = matrix('m');
    shared.offer(input('/m'), loaded);
    expect(await second).toBe(loaded);
    expect(await shared.request(input('/m'), 'thread-3')).toBe(loaded);
  });

  it('keeps a tokenizer apart from the matrices of its directory, and each matrix kind apart', async () => {
    const shared = new SharedModelParts();
    expect(await shared.request(input('/m'), 'a')).toBeNull();
    expect(await shared.request(tokenizer('/m'), 'a')).toBeNull();
    expect(await shared.request({ kind: 'embedding', dir: '/m', matrix: 'output' }, 'a')).toBeNull();
    const waitingForTokenizer = shared.request(tokenizer('/m'), 'b');
    const loaded = source('t');
    shared.offer(tokenizer('/m'), loaded);
    expect(await waitingForTokenizer).toBe(loaded);
    // the input matrix is still being loaded by a: b waits for it, it is not handed the tokenizer
    const waitingForMatrix = shared.request(input('/m'), 'b');
    shared.offer(input('/m'), matrix('m'));
    expect((await waitingForMatrix)?.sha256).toBe('m');
  });

  it('passes the load to the next waiter when loading fails or the loader dies', async () => {
    const shared = new SharedModelParts();
    expect(await shared.request(tokenizer('/m'), 'a')).toBeNull();
    const b = shared.request(tokenizer('/m'), 'b');
    const c = shared.request(tokenizer('/m'), 'c');
    shared.failed(tokenizer('/m'));
    expect(await b).toBeNull(); // b loads now
    shared.forget('b'); // … and dies
    expect(await c).toBeNull(); // c loads in its turn
    const loaded = source('m');
    shared.offer(tokenizer('/m'), loaded);
    expect(await shared.request(tokenizer('/m'), 'd')).toBe(loaded);
  });

  it('starts afresh when the last loader fails with nobody waiting', async () => {
    const shared = new SharedModelParts();
    expect(await shared.request(tokenizer('/m'), 'a')).toBeNull();
    shared.failed(tokenizer('/m'));
    expect(await shared.request(tokenizer('/m'), 'b')).toBeNull();
  });

  it('keeps only the most recently used parts of each kind', async () => {
    const shared = new SharedModelParts(2);
    for (const dir of ['/a', '/b', '/c']) {
      await shared.request(input(dir), 't');
      shared.offer(input(dir), matrix(dir));
    }
    await shared.request(tokenizer('/a'), 't');
    shared.offer(tokenizer('/a'), source('/a'));
    expect(await shared.request(input('/a'), 't')).toBeNull();
    expect((await shared.request(input('/c'), 't'))?.sha256).toBe('/c');
    // tokenizers are counted apart: three matrices did not push out the one tokenizer
    expect((await shared.request(tokenizer('/a'), 't'))?.sha256).toBe('/a');
  });
});
