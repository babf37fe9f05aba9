import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSweepSpec } from '@tokensweep/analysis';
import { SweepResults, SweepLifecycle, SweepQueue, SweepStore } from '@tokensweep/queue';
import { RedisServer } from './helpers/redis-server';

/**
 * Manifest writes of one sweep can come from several processes at once: the API cancelling it, a
 * worker whose running chunk finished meanwhile, the finalize job. They must neither break each other
 * (one removing the other's temporary file mid-write) nor delete a running chunk's part in progress.
 */
describe(SweepLifecycle.name, () => {
  let redis: RedisServer;
  let connection: Redis;
  let queue: SweepQueue;
  let store: SweepStore;
  let lifecycle: SweepLifecycle;
  let resultsDir: string;

  beforeAll(async () => {
    redis = await RedisServer.start();
    connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    resultsDir = await mkdtemp(path.join(os.tmpdir(), 'tokensweep-lifecycle-'));
    const prefix = 'ts-lifecycle';
    store = new SweepStore(connection, prefix);
    queue = new SweepQueue(connection, prefix, { attempts: 1, keepCompleted: 10, keepFailed: 10 });
    lifecycle = new SweepLifecycle(store, queue, new SweepResults(resultsDir));
  });

  afterAll(async () => {
    await queue?.close();
    connection?.disconnect();
    await redis?.close();
    await rm(resultsDir, { recursive: true, force: true });
  });

  async function cancelledSweep(): Promise<string> {
    const { spec, numbers } = parseSweepSpec({
      models: ['demo-a'],
      numbers: '1..20',
      analyses: ['tokens'],
      chunkSize: 5,
    });
    const { id } = await lifecycle.submit(spec, numbers, 'normal');
    await lifecycle.cancel(id, false);
    return id;
  }

  it('lets one holder at a time run under a sweep’s lock, and frees it when the holder throws', async () => {
    let inside = 0;
    let most = 0;
    const holder = async (fail: boolean) => {
      inside++;
      most = Math.max(most, inside);
      await new Promise((resolve) => setImmediate(resolve));
      inside--;
      if (fail) throw new Error('holder failed');
      return 'done';
    };
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        store.withLock('20200101-000000000-aaaaaa', () => holder(i % 3 === 0)),
      ),
    );
    expect(most).toBe(1);
    expect(results.map((r) => r.status)).toEqual(
      Array.from({ length: 8 }, (_, i) => (i % 3 === 0 ? 'rejected' : 'fulfilled')),
    );
  });

  it('writes the manifest from several writers at once, each under the lock', async () => {
    const id = await cancelledSweep();
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => lifecycle.writeManifest(id)));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const manifest = JSON.parse(await readFile(path.join(lifecycle.sweepDir(id), 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ id, status: 'cancelled', files: [] });
    expect((await readdir(lifecycle.sweepDir(id))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('leaves a running chunk’s temporary file alone while the sweep is cancelled, and removes it once complete', async () => {
    const id = await cancelledSweep();
    const dir = path.join(lifecycle.sweepDir(id), 'tokens', 'model=demo-a', 'format=plain');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const inFlight = path.join(dir, '.part-00001.parquet.4242-0badf00d.tmp');
    await writeFile(inFlight, 'half a part');
    await lifecycle.writeManifest(id);
    expect(await readdir(dir)).toContain(path.basename(inFlight));

    // a retried sweep completes: every chunk is done, so what is left is a stray
    await store.transition(id, ['cancelled'], 'running');
    const { total } = (await store.get(id))!;
    for (let index = 0; index < total; index++) await store.markChunkDone(id, index, Date.now());
    expect(await lifecycle.complete(id, 0)).not.toBeNull();
    expect(await readdir(dir)).not.toContain(path.basename(inFlight));
    expect((await store.get(id))?.status).toBe('completed');
  });

  it('does not complete a sweep cancelled meanwhile', async () => {
    const id = await cancelledSweep();
    expect(await lifecycle.complete(id, 0)).toBeNull();
    expect((await store.get(id))?.status).toBe('cancelled');
  });

  it('claims a chunk in one step only while its sweep is active and in that round, as chunkSkipReason says', async () => {
    const { spec, numbers } = parseSweepSpec({
      models: ['demo-a'],
      numbers: '1..20',
      analyses: ['tokens'],
      chunkSize: 5,
    });
    const { id } = await lifecycle.submit(spec, numbers, 'normal');
    expect(await lifecycle.startChunk(id, 1, 0)).toMatch(/chunk of round 1; the sweep is in round 0/);
    let state = (await store.get(id))!;
    expect([state.status, state.startedAt, (await store.chunkCounts(id, 0)).running]).toEqual([
      'queued',
      null,
      0,
    ]);

    expect(await lifecycle.startChunk(id, 0, 0)).toBeNull();
    expect(await lifecycle.startChunk(id, 0, 1)).toBeNull();
    state = (await store.get(id))!;
    expect(state.status).toBe('running');
    expect(state.startedAt).not.toBeNull();
    expect(state.roundStartedAt).toBe(state.startedAt);
    expect((await store.chunkCounts(id, 0)).running).toBe(2);

    expect(await lifecycle.chunkDone(id, 0)).toBe(1);
    await lifecycle.cancel(id, false);
    expect(await lifecycle.startChunk(id, 0, 2)).toBe('sweep is cancelled');
    expect((await store.get(id))?.status).toBe('cancelled');
    expect(await lifecycle.startChunk('20200101-000000000-aaaaaa', 0, 0)).toBe('sweep is gone');
  });
});
