import { describe, expect, it } from 'vitest';
import { EmbeddingMatrix } from '../models/embeddings';
import { SharedEmbeddings } from './shared-embeddings';

const matrix = (name: string): EmbeddingMatrix => ({
  tensorName: name,
  dtype: 'F32',
  rows: 1,
  dim: 1,
  data: new Float32Array(1),
  sha256: name,
});

describe(SharedEmbeddings.name, () => {
  it('lets the first asker load and hands its matrix to everyone else', async () => {
    const shared = new SharedEmbeddings();
    expect(await shared.request('/m', 'thread-1')).toBeNull();
    const second = shared.request('/m', 'thread-2');
    const loaded = matrix('m');
    shared.offer('/m', loaded);
    expect(await second).toBe(loaded);
    expect(await shared.request('/m', 'thread-3')).toBe(loaded);
  });

  it('passes the load to the next waiter when loading fails or the loader dies', async () => {
    const shared = new SharedEmbeddings();
    expect(await shared.request('/m', 'a')).toBeNull();
    const b = shared.request('/m', 'b');
    const c = shared.request('/m', 'c');
    shared.failed('/m');
    expect(await b).toBeNull(); // b loads now
    shared.forget('b'); // … and dies
    expect(await c).toBeNull(); // c loads in its turn
    const loaded = matrix('m');
    shared.offer('/m', loaded);
    expect(await shared.request('/m', 'd')).toBe(loaded);
  });

  it('keeps only the most recently used matrices', async () => {
    const shared = new SharedEmbeddings(2);
    for (const dir of ['/a', '/b', '/c']) {
      await shared.request(dir, 't');
      shared.offer(dir, matrix(dir));
    }
    expect(await shared.request('/a', 't')).toBeNull();
    expect((await shared.request('/c', 't'))?.sha256).toBe('/c');
  });
});
