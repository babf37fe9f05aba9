import { Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DistributedStack } from './helpers/distributed-stack';

/**
 * Workers share their time among the sweeps that have work, against real Redis, API and one worker
 * taking one chunk at a time: a small sweep behind a large one runs next, two sweeps submitted
 * together progress together, a high-priority sweep goes ahead of normal ones. Orders are read from
 * the chunk jobs' own records (when each started and finished), not from timing.
 */
describe('scheduling between sweeps', { timeout: 180_000 }, () => {
  let stack: DistributedStack;
  let chunks: Queue;
  const figures: Record<string, unknown> = {};

  DistributedStack.logsOnFailure(() => stack);

  beforeAll(async () => {
    stack = await DistributedStack.start({
      label: 'sched',
      workers: 1,
      env: { WORKER_CONCURRENCY: '1', KEEP_COMPLETED_JOBS: '100000' },
    });
    chunks = stack.queue('chunks');
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    console.log(`scheduling figures: ${JSON.stringify(figures)}`);
  });

  /** The finished chunk jobs of a sweep. */
  async function finishedChunks(id: string): Promise<Job[]> {
    const jobs = await chunks.getJobs(['completed'], 0, -1);
    return jobs.filter((j) => j.id!.startsWith(`${id}-`) && !j.returnvalue?.skipped);
  }

  /** Cancels a sweep and awaits the end of the chunk still running for it, so the next test starts clean. */
  async function cancelAndDrain(id: string): Promise<void> {
    expect((await stack.api.request('DELETE', `/sweeps/${id}`)).status).toBe(200);
    await stack.api.awaitSweep(id, (s) => s.progress.running === 0, { what: 'drained', timeoutMs: 60_000 });
  }

  const tokens = (numbers: string, chunkSize?: number) => ({
    models: ['demo-a'],
    numbers,
    analyses: ['tokens'],
    ...(chunkSize ? { chunkSize } : {}),
  });

  it('a 100-number sweep submitted behind a 10,000,000-number one runs next and completes within 10 s', async () => {
    const big = await stack.api.submit(tokens('0..9999999', 25_000));
    expect(big.chunks).toBe(400);
    await stack.api.awaitSweep(big.id, (s) => s.progress.done >= 1, { what: 'started', timeoutMs: 60_000 });
    const submittedAt = Date.now();
    const small = await stack.api.submit(tokens('0..99'));
    const enqueuedAt = Date.now();
    const done = await stack.api.awaitStatus(small.id, 'completed', {
      timeoutMs: 30_000,
      context: stack.logs,
    });
    const waitedMs = Date.parse(done.finishedAt!) - submittedAt;
    const [smallChunk] = await finishedChunks(small.id);
    // big chunks a worker took once the small sweep was enqueued and before its chunk: at most the
    // one fetched as the POST was being answered (while the POST runs, big chunks go on)
    const bigBefore = (await finishedChunks(big.id)).filter(
      (j) => j.processedOn! > enqueuedAt && j.processedOn! < smallChunk.processedOn!,
    );
    const bigView = await stack.api.sweep(big.id);
    figures.smallBehindBig = { waitedMs, bigChunksBetween: bigBefore.length, bigDone: bigView.progress.done };
    expect(bigBefore.length).toBeLessThanOrEqual(1);
    expect(waitedMs).toBeLessThanOrEqual(10_000);
    expect(bigView.status).toBe('running');
    await cancelAndDrain(big.id);
  });

  it('two sweeps submitted together progress together: when one finishes the other has done at least half', async () => {
    const [a, b] = [
      await stack.api.submit(tokens('0..59999', 1000)),
      await stack.api.submit(tokens('0..59999', 1000)),
    ];
    await stack.api.awaitStatus(a.id, 'completed', { timeoutMs: 90_000, context: stack.logs });
    await stack.api.awaitStatus(b.id, 'completed', { timeoutMs: 90_000, context: stack.logs });
    const [jobsA, jobsB] = [await finishedChunks(a.id), await finishedChunks(b.id)];
    expect([jobsA.length, jobsB.length]).toEqual([60, 60]);
    const endOf = (jobs: Job[]) => Math.max(...jobs.map((j) => j.finishedOn!));
    const [first, other] = endOf(jobsA) <= endOf(jobsB) ? [jobsA, jobsB] : [jobsB, jobsA];
    const otherDone = other.filter((j) => j.finishedOn! <= endOf(first)).length;
    figures.twoTogether = { otherDoneWhenFirstFinished: otherDone, of: other.length };
    expect(otherDone).toBeGreaterThanOrEqual(other.length / 2);
  });

  it('a high-priority sweep goes ahead of a running normal one: no normal chunk starts until it is done', async () => {
    const normal = await stack.api.submit(tokens('0..199999', 1000));
    await stack.api.awaitSweep(normal.id, (s) => s.progress.done >= 3, {
      what: 'started',
      timeoutMs: 60_000,
    });
    const answer = await stack.api.request('POST', '/sweeps', {
      body: { ...tokens('0..19999', 1000), priority: 'high' },
    });
    expect(answer.status, answer.text).toBe(202);
    const high = answer.json as { id: string };
    const done = await stack.api.awaitStatus(high.id, 'completed', {
      timeoutMs: 60_000,
      context: stack.logs,
    });
    expect(done.priority).toBe('high');
    expect(done.spec).not.toHaveProperty('priority');
    const highJobs = await finishedChunks(high.id);
    expect(highJobs).toHaveLength(20);
    const firstStart = Math.min(...highJobs.map((j) => j.processedOn!));
    const lastEnd = Math.max(...highJobs.map((j) => j.finishedOn!));
    const normalBetween = (await finishedChunks(normal.id)).filter(
      (j) => j.processedOn! > firstStart && j.processedOn! < lastEnd,
    );
    figures.highPriority = { normalChunksStartedMeanwhile: normalBetween.length };
    expect(normalBetween).toEqual([]);
    expect((await stack.api.sweep(normal.id)).status).toBe('running');
    await cancelAndDrain(normal.id);
  });
});
