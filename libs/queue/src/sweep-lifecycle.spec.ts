import { describe, expect, it } from 'vitest';
import { SweepConflictError, SweepNotFoundError } from './sweep-errors';
import { lifecycleFixture as setup } from './testing/lifecycle-fixture';

/**
 * Every transition of the sweep's state machine, rounds included, with the store, the queue and
 * the results replaced by in-memory adapters that keep the Redis ones' rules.
 */
describe('SweepLifecycle: submit and start', () => {
  it('submits as queued in round 0, with its priority, every chunk enqueued', async () => {
    const { store, queue, results, submit } = setup();
    const id = await submit('high');
    expect(await store.get(id)).toMatchObject({ status: 'queued', round: 0, total: 4, priority: 'high' });
    expect(queue.rounds).toHaveLength(1);
    expect(queue.rounds[0]).toMatchObject({ sweepId: id, round: 0, priority: 'high' });
    expect(queue.rounds[0].tasks.map((t) => t.index)).toEqual([0, 1, 2, 3]);
    expect(results.created.has(id)).toBe(true);
  });

  it('starts a chunk of the current round: running, with start times set once', async () => {
    const { store, lifecycle, submit, clock } = setup();
    const id = await submit();
    expect(await lifecycle.startChunk(id, 0, 0)).toBeNull();
    clock.now += 1_000;
    expect(await lifecycle.startChunk(id, 0, 1)).toBeNull();
    const state = await store.get(id);
    expect(state).toMatchObject({ status: 'running', startedAt: '2026-01-01T00:00:00.000Z' });
    expect(state?.roundStartedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(store.running.get(id)).toEqual(new Set([0, 1]));
  });

  it('skips a chunk whose sweep is gone, cancelled, failed, or in another round', async () => {
    const { lifecycle, submit } = setup();
    expect(await lifecycle.startChunk('20200101-000000000-aaaaaa', 0, 0)).toBe('sweep is gone');
    const cancelled = await submit();
    await lifecycle.cancel(cancelled, false);
    expect(await lifecycle.startChunk(cancelled, 0, 0)).toBe('sweep is cancelled');
    const failed = await submit();
    await lifecycle.fail(failed, 'boom', 0);
    expect(await lifecycle.startChunk(failed, 0, 0)).toBe('sweep is failed');
    await lifecycle.retry(failed);
    expect(await lifecycle.startChunk(failed, 0, 0)).toMatch(/round 0; the sweep is in round 1/);
    expect(await lifecycle.startChunk(failed, 1, 0)).toBeNull();
  });
});

describe('SweepLifecycle: complete', () => {
  it('completes for the current round once every chunk is done, manifest first', async () => {
    const { lifecycle, results, submit, status, runAll } = setup();
    const id = await submit();
    await runAll(id, 0);
    expect(await lifecycle.complete(id, 0)).not.toBeNull();
    expect(await status(id)).toBe('completed');
    expect(results.manifests.at(-1)).toEqual({ id, status: 'completed', removeTempFiles: true });
  });

  it('does nothing for a finalize job of an earlier round (the cancelled round’s, still queued)', async () => {
    const { lifecycle, results, submit, status } = setup();
    const id = await submit();
    await lifecycle.cancel(id, false);
    await lifecycle.retry(id);
    const manifests = results.manifests.length;
    expect(await lifecycle.complete(id, 0)).toBeNull();
    expect(await status(id)).toBe('queued');
    expect(results.manifests).toHaveLength(manifests);
  });

  it('counts chunks finished in an earlier round, and completes in the latest', async () => {
    const { lifecycle, queue, submit, status } = setup();
    const id = await submit();
    await lifecycle.startChunk(id, 0, 0);
    await lifecycle.chunkDone(id, 0);
    await lifecycle.cancel(id, false);
    await lifecycle.retry(id);
    expect(queue.rounds[1].tasks.map((t) => t.index)).toEqual([1, 2, 3]);
    for (const index of [1, 2, 3]) {
      await lifecycle.startChunk(id, 1, index);
      await lifecycle.chunkDone(id, index);
    }
    expect(await lifecycle.complete(id, 1)).not.toBeNull();
    expect(await status(id)).toBe('completed');
  });

  it('fails rather than completes when the current round’s finalize finds chunks missing', async () => {
    const { store, lifecycle, submit } = setup();
    const id = await submit();
    await lifecycle.startChunk(id, 0, 0);
    await lifecycle.chunkDone(id, 0);
    expect(await lifecycle.complete(id, 0)).toBeNull();
    expect(await store.get(id)).toMatchObject({
      status: 'failed',
      error: '3 of 4 chunk(s) left the queue without finishing; retry the sweep to run them',
    });
  });

  it('does not complete a sweep that ended meanwhile', async () => {
    const { lifecycle, submit, status, runAll } = setup();
    const id = await submit();
    await runAll(id, 0);
    await lifecycle.cancel(id, false);
    expect(await lifecycle.complete(id, 0)).toBeNull();
    expect(await status(id)).toBe('cancelled');
  });
});

describe('SweepLifecycle: fail and cancel', () => {
  it('fails an active sweep of the current round at once, dropping its pending chunks but not failed records', async () => {
    const { store, queue, results, lifecycle, submit } = setup();
    const id = await submit();
    await lifecycle.startChunk(id, 0, 0);
    await lifecycle.fail(id, 'chunk 0 failed: out of disk', 0);
    expect(await store.get(id)).toMatchObject({ status: 'failed', error: 'chunk 0 failed: out of disk' });
    expect(results.manifests.at(-1)).toEqual({ id, status: 'failed', removeTempFiles: false });
    expect(queue.removals.at(-1)).toEqual({ sweepId: id, indices: [0, 1, 2, 3], keepFailed: true });
  });

  it('ignores a failure of an earlier round, and one after the sweep ended', async () => {
    const { store, lifecycle, submit, status } = setup();
    const id = await submit();
    await lifecycle.cancel(id, false);
    await lifecycle.fail(id, 'late', 0);
    expect(await status(id)).toBe('cancelled');
    await lifecycle.retry(id);
    await lifecycle.fail(id, 'stale finalize of round 0', 0);
    expect(await store.get(id)).toMatchObject({ status: 'queued', error: null, round: 1 });
    await lifecycle.fail(id, 'job data unreadable'); // no round: the current one
    expect(await status(id)).toBe('failed');
  });

  it('cancels a queued or running sweep at once and writes its manifest; refuses an ended one', async () => {
    const { queue, results, lifecycle, submit } = setup();
    const id = await submit();
    await lifecycle.startChunk(id, 0, 0);
    const cancelled = await lifecycle.cancel(id, false);
    expect(cancelled).toMatchObject({ status: 'cancelled', finishedAt: '2026-01-01T00:00:00.000Z' });
    expect(queue.removals.at(-1)).toMatchObject({ indices: [0, 1, 2, 3], keepFailed: false });
    expect(results.manifests.at(-1)).toEqual({ id, status: 'cancelled', removeTempFiles: false });
    await expect(lifecycle.cancel(id, false)).rejects.toThrow(
      new SweepConflictError(
        `sweep ${id} is already cancelled; only queued or running sweeps can be cancelled`,
      ),
    );
  });

  it('lists a chunk that lands after the end: the manifest is rewritten', async () => {
    const { results, lifecycle, submit } = setup();
    const id = await submit();
    await lifecycle.startChunk(id, 0, 2);
    await lifecycle.cancel(id, false);
    const before = results.manifests.length;
    expect(await lifecycle.chunkDone(id, 2)).toBe(1);
    expect(results.manifests.slice(before)).toEqual([{ id, status: 'cancelled', removeTempFiles: false }]);
  });

  it('purges: results and record gone; refused while a chunk is held', async () => {
    const { store, queue, results, lifecycle, submit } = setup();
    const id = await submit();
    queue.held.add(1);
    await expect(lifecycle.cancel(id, true)).rejects.toThrow(/still has 1 chunk\(s\) running/);
    queue.held.clear();
    await lifecycle.cancel(id, true);
    expect(await store.get(id)).toBeNull();
    expect(results.created.has(id)).toBe(false);
    await expect(lifecycle.get(id)).rejects.toBeInstanceOf(SweepNotFoundError);
  });
});

describe('SweepLifecycle: retry and rounds', () => {
  it('retries a cancelled or failed sweep as the next round, only its unfinished chunks', async () => {
    const { store, queue, lifecycle, submit } = setup();
    const id = await submit('low');
    await lifecycle.startChunk(id, 0, 3);
    await lifecycle.chunkDone(id, 3);
    await lifecycle.fail(id, 'boom', 0);
    expect(await lifecycle.retry(id)).toEqual({ id, status: 'queued', chunks: 3 });
    expect(await store.get(id)).toMatchObject({ status: 'queued', round: 1, error: null, finishedAt: null });
    expect(queue.rounds[1]).toMatchObject({ round: 1, priority: 'low' });
    expect(queue.rounds[1].tasks.map((t) => t.index)).toEqual([0, 1, 2]);
    expect(queue.removedFinalize).toEqual([{ sweepId: id, round: 0 }]);
  });

  it('refuses to retry an active or completed sweep, or one with a chunk still held', async () => {
    const { queue, lifecycle, submit, runAll } = setup();
    const id = await submit();
    await expect(lifecycle.retry(id)).rejects.toThrow(/is queued; only failed or cancelled/);
    await lifecycle.cancel(id, false);
    queue.held.add(0);
    await expect(lifecycle.retry(id)).rejects.toThrow(/still has 1 chunk\(s\) running/);
    queue.held.clear();
    await lifecycle.retry(id);
    await runAll(id, 1);
    await lifecycle.complete(id, 1);
    await expect(lifecycle.retry(id)).rejects.toThrow(/is completed; only failed or cancelled/);
  });

  it('cancel → retry → cancel → retry: only the last round completes it', async () => {
    const { lifecycle, submit, status, store } = setup();
    const id = await submit();
    await lifecycle.cancel(id, false);
    await lifecycle.retry(id);
    await lifecycle.startChunk(id, 1, 0);
    await lifecycle.chunkDone(id, 0);
    await lifecycle.cancel(id, false);
    await lifecycle.retry(id);
    expect((await store.get(id))?.round).toBe(2);
    for (const round of [0, 1]) expect(await lifecycle.complete(id, round)).toBeNull();
    expect(await status(id)).toBe('queued');
    for (const index of [1, 2, 3]) {
      expect(await lifecycle.startChunk(id, 1, index)).toMatch(/round 1/);
      expect(await lifecycle.startChunk(id, 2, index)).toBeNull();
      await lifecycle.chunkDone(id, index);
    }
    expect(await lifecycle.complete(id, 2)).not.toBeNull();
    expect(await status(id)).toBe('completed');
  });

  it('a new round starts with no chunk counted as running (a killed worker’s are forgotten)', async () => {
    const { store, lifecycle, submit } = setup();
    const id = await submit();
    await lifecycle.startChunk(id, 0, 0);
    await lifecycle.cancel(id, false);
    await lifecycle.retry(id);
    expect(store.running.get(id)).toBeUndefined();
    expect((await store.get(id))?.roundStartedAt).toBeNull();
  });
});
