import { describe, expect, it } from 'vitest';
import { lifecycleFixture as setup } from './testing/lifecycle-fixture';

/** A sweep's progress as the lifecycle reports it, from what the (in-memory) store recorded. */
describe('SweepLifecycle: progress', () => {
  it('counts done, running and queued chunks; rate and ETA stay null until a chunk finished', async () => {
    const { store, lifecycle, submit, clock } = setup();
    const id = await submit();
    expect(await lifecycle.progress((await store.get(id))!)).toEqual({
      done: 0,
      total: 4,
      running: 0,
      queued: 4,
      chunksPerSecond: null,
      etaSeconds: null,
    });
    await lifecycle.startChunk(id, 0, 0);
    await lifecycle.startChunk(id, 0, 1);
    clock.now += 4_000;
    await lifecycle.chunkDone(id, 0);
    expect(await lifecycle.progress((await store.get(id))!)).toEqual({
      done: 1,
      total: 4,
      running: 1,
      queued: 2,
      chunksPerSecond: 0.25,
      etaSeconds: 12,
    });
  });

  it('measures the rate over the last minute only, and an ended sweep at its end', async () => {
    const { store, lifecycle, submit, clock } = setup();
    const id = await submit();
    await lifecycle.startChunk(id, 0, 0);
    await lifecycle.chunkDone(id, 0);
    clock.now += 120_000; // two minutes later, the three others in one go
    for (const index of [1, 2, 3]) {
      await lifecycle.startChunk(id, 0, index);
      await lifecycle.chunkDone(id, index);
    }
    const running = await lifecycle.progress((await store.get(id))!);
    expect(running).toMatchObject({ done: 4, chunksPerSecond: 3 / 60, etaSeconds: 0 });
    await lifecycle.complete(id, 0);
    clock.now += 3_600_000;
    expect(await lifecycle.progress((await store.get(id))!)).toMatchObject({
      done: 4,
      running: 0,
      queued: 0,
      chunksPerSecond: 0.05,
      etaSeconds: 0,
    });
  });
});
