import path from 'node:path';
import type { StorageTarget } from '../storage/sweep-storage';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelUnavailableError } from '../models/model-errors';
import { ChunkJob } from '../run-chunk';
import { SpecError } from '../spec/spec-error';
import { ExecutorClosedError } from './chunk-executor';
import { ThreadPoolExecutor } from './thread-pool-executor';

/** Where the stand-in thread says its parts went. */
const SWEEP: StorageTarget = { kind: 'file', dir: '/sweep' };

// The pool's own logic (dispatch, queueing, errors as data, replacing a dead thread, closing), with
// a stand-in thread script: the real chunk thread is compiled code, exercised by the CLI's tests.
const STAND_IN = path.join(__dirname, 'fixtures/stand-in-chunk-thread.mjs');
const OPTIONS = {
  locations: { hfHome: '/nowhere', hfEndpoint: 'http://127.0.0.1:9', offline: true },
  allowLocalModels: false,
};

function job(model: string, index = 0): ChunkJob {
  return {
    spec: {} as ChunkJob['spec'],
    specHash: 'h',
    task: {
      kind: 'fourier',
      index,
      model,
      format: 'plain',
      part: 0,
      analyses: ['fourier'],
    } as ChunkJob['task'],
  };
}

describe(ThreadPoolExecutor.name, () => {
  let pool: ThreadPoolExecutor | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('runs more chunks than it has threads, each once, on all of its threads', async () => {
    pool = new ThreadPoolExecutor(2, OPTIONS, STAND_IN);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => pool!.run(job('ok', i), SWEEP)));
    expect(results.map((files) => files[0].path)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `/sweep/part-${i}`));
    expect(new Set(results.map((files) => files[0].model)).size).toBe(2);
  });

  it('gives each thread its share of the cores for the cosine kernel', async () => {
    pool = new ThreadPoolExecutor(1, { ...OPTIONS, kernelThreads: 3 }, STAND_IN);
    expect((await pool.run(job('ok'), SWEEP))[0].format).toBe('3');
  });

  it("has every other thread ask for a model's matrix first, so two threads load its two parts at once", async () => {
    pool = new ThreadPoolExecutor(3, OPTIONS, STAND_IN);
    // three jobs at once go to the three threads in slot order
    const results = await Promise.all([0, 1, 2].map((i) => pool!.run(job('load-order', i), SWEEP)));
    expect(results.map((files) => files[0].model)).toEqual([
      'tokenizer first',
      'embeddings first',
      'tokenizer first',
    ]);
  });

  it('rebuilds the errors callers branch on, with their class and fields', async () => {
    pool = new ThreadPoolExecutor(1, OPTIONS, STAND_IN);
    const unavailable = await pool.run(job('model-unavailable'), SWEEP).catch((e: unknown) => e);
    expect(unavailable).toBeInstanceOf(ModelUnavailableError);
    expect(unavailable).toMatchObject({
      model: 'gpt2',
      detail: 'not in the cache',
      message: 'model gpt2: not in the cache',
    });
    const spec = await pool.run(job('bad-spec'), SWEEP).catch((e: unknown) => e);
    expect(spec).toBeInstanceOf(SpecError);
    expect((spec as SpecError).problems).toEqual(['numbers: step 0', 'formats: unknown']);
  });

  it('fails the chunk of a thread that dies, and replaces the thread', async () => {
    pool = new ThreadPoolExecutor(1, OPTIONS, STAND_IN);
    await expect(pool.run(job('exit'), SWEEP)).rejects.toThrow('a chunk thread exited with code 3');
    expect((await pool.run(job('ok', 7), SWEEP))[0].path).toBe('/sweep/part-7');
  });

  it("gives a thread its next chunk once the last one's parts are on their way to the disk", async () => {
    pool = new ThreadPoolExecutor(1, OPTIONS, STAND_IN);
    const writing = pool.run(job('encoded-then-hold'), SWEEP).catch((e: unknown) => e);
    // one thread: this runs only because the thread took it while the first chunk's writes go on
    expect((await pool.run(job('ok', 1), SWEEP))[0].path).toBe('/sweep/part-1');
    await pool.close();
    expect(await writing).toBeInstanceOf(ExecutorClosedError);
  });

  it('fails every chunk of a thread that dies, those whose parts were still being written too', async () => {
    pool = new ThreadPoolExecutor(1, OPTIONS, STAND_IN);
    const writing = pool.run(job('encoded-then-hold'), SWEEP).catch((e: unknown) => e);
    await expect(pool.run(job('exit'), SWEEP)).rejects.toThrow('a chunk thread exited with code 3');
    expect(await writing).toMatchObject({ message: 'a chunk thread exited with code 3' });
    expect((await pool.run(job('ok', 2), SWEEP))[0].path).toBe('/sweep/part-2');
  });

  it('on close, fails running and queued chunks as ExecutorClosedError, then refuses new ones', async () => {
    pool = new ThreadPoolExecutor(1, OPTIONS, STAND_IN);
    const running = pool.run(job('hold'), SWEEP).catch((e: unknown) => e);
    const queued = pool.run(job('ok'), SWEEP).catch((e: unknown) => e);
    const closing = pool.close();
    expect(pool.close()).toBe(closing);
    await closing;
    expect(await running).toBeInstanceOf(ExecutorClosedError);
    expect(await queued).toBeInstanceOf(ExecutorClosedError);
    await expect(pool.run(job('ok'), SWEEP)).rejects.toBeInstanceOf(ExecutorClosedError);
  });
});
