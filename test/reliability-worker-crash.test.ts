import { Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitOf } from './helpers/child-output';
import { DistributedStack } from './helpers/distributed-stack';
import { DuckDb } from './helpers/duckdb';
import { awaitActiveChunk, layoutProblems, pidOf, stopHoldingChunks, tokenRowCounts } from './helpers/faults';
import { ServiceProcess, startWorker } from './helpers/services';

/**
 * Workers that die or are stopped in the middle of a chunk lose nothing: BullMQ redelivers the chunk
 * (at least once), and tokensweep turns that into exactly-once results (a chunk rewrites the same
 * part under a temporary name, then renames it). Short locks, as in BullMQ's own tests, so a dead
 * worker's chunk is noticed as stalled within seconds. Chunks of 100,000 numbers take seconds, so
 * that a kill lands inside one.
 */
const CHUNK = 100_000;
/**
 * The largest chunk a spec may ask for, to be stopped while it runs: with three analyses, each
 * number tokenized twice and its embedding pooled, about 0.5 s on a warm worker of a quiet machine
 * and more under the suite's load (tokens alone take about as long as the shutdown timeout the test
 * used to give, 500 ms, so a chunk of them could end before it; with tokens and successive cosines
 * alone, a stop on a loaded machine, 0.54 s, outlasted the timeout and half the chunk).
 */
const LONG_CHUNK = 10 * CHUNK;
const longSpec = (count: number) => ({
  ...spec(count, LONG_CHUNK),
  analyses: ['tokens', 'sign-symmetry', 'successive-cosine'],
  pooling: 'mean',
});
const spec = (count: number, chunkSize = CHUNK) => ({
  models: ['demo-a'],
  numbers: `0..${count - 1}`,
  formats: ['plain'],
  analyses: ['tokens'],
  chunkSize,
});
const SWEEP_TIMEOUT_MS = 240_000;

describe('workers killed or stopped mid-chunk', { timeout: 300_000 }, () => {
  let stack: DistributedStack;
  let db: DuckDb;
  let chunks: Queue;
  /** Workers of the file that are still running (the stack's two, then replacements). */
  let live: ServiceProcess[] = [];
  const started: ServiceProcess[] = [];
  const figures: Record<string, unknown> = {};

  DistributedStack.logsOnFailure(() => stack);

  beforeAll(async () => {
    stack = await DistributedStack.start({
      label: 'crash',
      workers: 2,
      env: {
        WORKER_CONCURRENCY: '1',
        LOCK_DURATION_MS: '2000',
        STALLED_INTERVAL_MS: '1000',
        KEEP_COMPLETED_JOBS: '10000',
      },
    });
    live = [...stack.services!.workers];
    chunks = stack.queue('chunks');
    db = await DuckDb.open();
  }, 120_000);

  afterAll(async () => {
    db?.close();
    await Promise.all(started.map((w) => w.stop()));
    await stack?.close();
    console.log(`worker crash figures: ${JSON.stringify(figures)}`);
  });

  const logs = () => [stack.logs(), ...started.map((w) => w.output.tail(30))].join('\n');

  async function addWorker(
    env: Record<string, string> = {},
    label = `worker ${started.length + 3}`,
  ): Promise<ServiceProcess> {
    const worker = await startWorker({ ...stack.env, ...env }, label);
    started.push(worker);
    live.push(worker);
    return worker;
  }

  /** A worker besides the ones a test stops, to take over their chunks (a failed test may have left none). */
  async function ensureTakeover(): Promise<void> {
    if (live.length === 0) await addWorker({}, 'worker to take over');
  }

  async function kill(worker: ServiceProcess): Promise<void> {
    const status = await exitOf(worker.child, 10_000, 'SIGKILL');
    expect(status.signal).toBe('SIGKILL');
    live = live.filter((w) => w !== worker);
  }

  /** The completed chunk jobs of a sweep, by id. */
  async function completedJobs(id: string): Promise<Map<string, Job>> {
    const jobs = await chunks.getJobs(['completed'], 0, -1);
    return new Map(jobs.filter((j) => j.id!.startsWith(`${id}-`)).map((j) => [j.id!, j]));
  }

  /** Every number of the sweep exactly once, read back by DuckDB from the parts the manifest lists. */
  async function expectExactlyOnce(id: string, count: number): Promise<void> {
    const dir = stack.sweepDir(id);
    expect(await layoutProblems(dir)).toEqual([]);
    expect(await tokenRowCounts(db, dir)).toEqual({
      rows: count,
      distinct: count,
      min: 0,
      max: count - 1,
      listedRows: count,
    });
  }

  it('SIGKILL of a worker mid-chunk while another runs: the chunk is taken over, every row exactly once', async () => {
    const count = 6 * CHUNK;
    const { id, chunks: total } = await stack.api.submit(spec(count));
    const { pid } = await awaitActiveChunk(chunks, id, { among: live.map((w) => w.pid), context: logs });
    const [{ job }] = await stopHoldingChunks(chunks, id, [pid], { context: logs });
    const victim = live.find((w) => w.pid === pid)!;
    await kill(victim);
    const killedAt = Date.now();
    expect((await stack.api.sweep(id)).status).not.toBe('completed');

    const sweep = await stack.api.awaitStatus(id, 'completed', {
      timeoutMs: SWEEP_TIMEOUT_MS,
      context: logs,
    });
    expect(sweep.progress).toMatchObject({ done: total, total, running: 0, queued: 0 });
    const completed = await completedJobs(id);
    expect(completed.size).toBe(total);
    // the chunk the dead worker held was finished by the other one, after the kill
    const taken = completed.get(job.id!)!;
    expect(pidOf(taken)).toBe(live[0].pid);
    expect(taken.processedOn!).toBeGreaterThan(killedAt);
    expect(taken.stalledCounter).toBe(1);
    // no chunk counts as finished by the dead worker unless it finished before the kill
    for (const other of completed.values())
      if (pidOf(other) === pid) expect(other.finishedOn!).toBeLessThan(killedAt);
    await expectExactlyOnce(id, count);
    figures.sigkill = { chunks: total, recovered: 1, takenOverAfterMs: taken.processedOn! - killedAt };
  });

  it('every worker killed, then one started: the sweep resumes where it was and completes', async () => {
    await addWorker();
    expect(live).toHaveLength(2);
    const count = 5 * CHUNK;
    const { id, chunks: total } = await stack.api.submit(spec(count));
    // at least one chunk finished and another one running, so that there is something to resume from
    await stack.api.awaitSweep(id, (s) => s.progress.done >= 1, {
      timeoutMs: SWEEP_TIMEOUT_MS,
      what: 'one chunk done',
      context: logs,
    });
    const victims = [...live];
    const [{ job: interrupted }] = await stopHoldingChunks(
      chunks,
      id,
      victims.map((w) => w.pid),
      { context: logs },
    );
    await Promise.all(victims.map((w) => kill(w)));
    const before = await completedJobs(id);
    const atKill = await stack.api.sweep(id);
    expect(atKill.status).toBe('running');
    // a worker killed between recording its chunk as done and BullMQ completing the job leaves one
    // more chunk counted than completed; that chunk runs again and its part is written once more
    expect(atKill.progress.done).toBeGreaterThanOrEqual(before.size);
    expect(atKill.progress.done).toBeLessThanOrEqual(before.size + victims.length);
    expect(before.size).toBeLessThan(total);
    expect(before.has(interrupted.id!)).toBe(false);

    const restarted = await addWorker({}, 'restarted worker');
    await stack.api.awaitStatus(id, 'completed', { timeoutMs: SWEEP_TIMEOUT_MS, context: logs });
    const after = await completedJobs(id);
    expect(after.size).toBe(total);
    // what was done stays done: only the chunks unfinished at the kill ran again, on the new worker
    for (const [jobId, job] of before) expect(after.get(jobId)!.finishedOn).toBe(job.finishedOn);
    const rerun = [...after.values()].filter((j) => !before.has(j.id!));
    expect(rerun.length).toBe(total - before.size);
    for (const job of rerun) expect(pidOf(job)).toBe(restarted.pid);
    expect(after.get(interrupted.id!)!.stalledCounter).toBe(1);
    await expectExactlyOnce(id, count);
    figures.allKilled = { chunks: total, doneBeforeKill: before.size, resumed: rerun.length };
  });

  it('SIGTERM while busy: the worker finishes its chunk within SHUTDOWN_TIMEOUT_MS and exits 0', async () => {
    // live: the restarted worker; the one stopped here gets a generous shutdown time
    await ensureTakeover();
    const stopping = await addWorker({ SHUTDOWN_TIMEOUT_MS: '60000' }, 'worker stopped with time to finish');
    const count = 4 * CHUNK;
    const { id, chunks: total } = await stack.api.submit(spec(count));
    const { job } = await awaitActiveChunk(chunks, id, { among: [stopping.pid], context: logs });
    const asked = Date.now();
    const status = await stopping.stop(70_000);
    const stoppedAfterMs = Date.now() - asked;
    live = live.filter((w) => w !== stopping);
    expect(status).toEqual({ code: 0, signal: null });
    // the chunk it held was finished by it, not handed back after the timeout
    const finished = await Job.fromId(chunks, job.id!);
    const why = () => `job ${job.id}: ${finished!.failedReason ?? ''}\n${stopping.output.tail(20)}`;
    expect(await finished!.getState(), why()).toBe('completed');
    expect(pidOf(finished!)).toBe(stopping.pid);
    expect(finished!.finishedOn!).toBeLessThanOrEqual(Date.now());
    expect(stoppedAfterMs).toBeLessThan(60_000);

    await stack.api.awaitStatus(id, 'completed', { timeoutMs: SWEEP_TIMEOUT_MS, context: logs });
    expect((await completedJobs(id)).size).toBe(total);
    await expectExactlyOnce(id, count);
    figures.sigtermFinish = { stoppedAfterMs, chunkMs: finished!.finishedOn! - finished!.processedOn! };
  });

  it('SIGTERM with a chunk longer than SHUTDOWN_TIMEOUT_MS: it is handed back at once, the worker exits 0, another finishes it', async () => {
    const timeoutMs = 250;
    await ensureTakeover();
    const stopping = await addWorker(
      { SHUTDOWN_TIMEOUT_MS: String(timeoutMs) },
      'worker stopped with little time',
    );
    // two long chunks, one for each worker: long enough that stopping one at its end could not pass
    // for stopping it at once, and past the timeout
    const count = 2 * LONG_CHUNK;
    const { id, chunks: total } = await stack.api.submit(longSpec(count));
    const { job } = await awaitActiveChunk(chunks, id, { among: [stopping.pid], context: logs });
    const asked = Date.now();
    const status = await stopping.stop(30_000);
    const stoppedAfterMs = Date.now() - asked;
    live = live.filter((w) => w !== stopping);
    expect(status).toEqual({ code: 0, signal: null });
    expect(stopping.output.text()).toMatch(
      new RegExp(`1 job\\(s\\) still running after ${timeoutMs} ms were handed back`),
    );
    await stack.api.awaitStatus(id, 'completed', { timeoutMs: SWEEP_TIMEOUT_MS, context: logs });
    const completed = await completedJobs(id);
    expect(completed.size).toBe(total);
    const handedBack = completed.get(job.id!)!;
    expect(pidOf(handedBack)).toBe(live[0].pid);
    // it stopped its chunk when it handed it back, rather than running it to the end: the stop took
    // the timeout and a moment, well under what the chunk took on the worker that finished it (with
    // its model loaded already, so quicker than on the stopped one)
    const chunkMs = handedBack.finishedOn! - handedBack.processedOn!;
    expect(stoppedAfterMs).toBeLessThan(timeoutMs + chunkMs / 2);
    // started twice, but the hand-back is neither a failed attempt nor a stall: the one attempt
    // counted is the other worker's, which completed it
    expect(handedBack.attemptsStarted).toBe(2);
    expect(handedBack.attemptsMade).toBe(1);
    expect(handedBack.stalledCounter).toBe(0);
    await expectExactlyOnce(id, count);
    figures.sigtermHandBack = { stoppedAfterMs, shutdownTimeoutMs: timeoutMs, chunkMs };
  });

  it('a chunk that takes its worker down every time: after the third loss the sweep fails naming the chunk, it does not wait forever', async () => {
    // one worker at a time, so that the poison chunk is the one each of them runs
    await Promise.all([...live].map((w) => kill(w)));
    const { id } = await stack.api.submit(spec(CHUNK));
    const jobId = `${id}-0`;
    for (let round = 1; round <= 3; round++) {
      const worker = await addWorker({}, `worker lost to the chunk (${round})`);
      await awaitActiveChunk(chunks, id, { among: [worker.pid], context: logs });
      await kill(worker);
    }
    // BullMQ gives the chunk up (maxStalledCount 2) when the next worker takes it, without running it
    await addWorker({}, 'worker after the losses');
    const failed = await stack.api.awaitStatus(id, 'failed', { timeoutMs: 60_000, context: logs });
    expect(failed.error).toMatch(
      /^chunk 0 \(numbers 0\.\.99999 of the sweep, model demo-a, format plain\) failed: job stalled more than allowable limit; /,
    );
    expect(failed.error).toMatch(/a worker was lost while running it 3 times .*LOCK_DURATION_MS/);
    // given up for good: nothing of it is left to run, and its failed record stays with the reason
    const job = await Job.fromId(chunks, jobId);
    expect(await job?.getState()).toBe('failed');
    expect(job!.failedReason).toMatch(/stalled more than allowable limit/);
    expect((await stack.api.get(`/sweeps/${id}/manifest`)).json).toMatchObject({
      status: 'failed',
      error: failed.error,
      files: [],
    });
    figures.poisonChunk = { lostWorkers: 3, error: failed.error };
  });
});
