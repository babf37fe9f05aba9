import path from 'node:path';
import { Queue } from 'bullmq';
import { writeDemoModel } from '@tokensweep/analysis/demo/demo-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitOf } from './helpers/child-output';
import { DistributedStack } from './helpers/distributed-stack';
import { DuckDb } from './helpers/duckdb';
import { layoutProblems, tokenRowCounts } from './helpers/faults';
import { ServiceProcess, startWorker } from './helpers/services';

/**
 * Rounds against real processes: a sweep completes only by a step of its current round and only
 * when every chunk is done. Each test starts with no worker running, so that what the queue holds
 * between cancel and retry is exactly what the defect needed; workers are started and stopped (or
 * killed) by the tests.
 */
const NUMBERS = 100_000;
const SPEC = { models: ['demo-a'], numbers: `0..${NUMBERS - 1}`, analyses: ['tokens'], chunkSize: 10_000 };
const CHUNKS = 10;
/**
 * A sweep still running when a test that watched it start cancels it: 100 chunks, about a second on
 * one worker (the 10 chunks of SPEC can all end between two looks at its progress).
 */
const LONG_NUMBERS = 1_000_000;
const LONG_SPEC = { ...SPEC, numbers: `0..${LONG_NUMBERS - 1}` };
const LONG_CHUNKS = LONG_NUMBERS / SPEC.chunkSize;

describe('sweep rounds', { timeout: 120_000 }, () => {
  let stack: DistributedStack;
  let db: DuckDb;
  let finalize: Queue;
  const workers: ServiceProcess[] = [];

  DistributedStack.logsOnFailure(() => stack);

  beforeAll(async () => {
    stack = await DistributedStack.start({
      label: 'rounds',
      workers: 0,
      env: {
        WORKER_CONCURRENCY: '1',
        LOCK_DURATION_MS: '2000',
        STALLED_INTERVAL_MS: '1000',
        KEEP_COMPLETED_JOBS: '10000',
      },
    });
    finalize = stack.queue('finalize');
    db = await DuckDb.open();
  }, 60_000);

  afterAll(async () => {
    db?.close();
    await Promise.all(workers.map((w) => w.stop()));
    await stack?.close();
  });

  const logs = () => [stack.logs(), ...workers.map((w) => w.output.tail(30))].join('\n');

  async function addWorker(): Promise<ServiceProcess> {
    const worker = await startWorker(stack.env, `worker ${workers.length + 1}`);
    workers.push(worker);
    return worker;
  }

  async function stopWorker(worker: ServiceProcess, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') {
    await exitOf(worker.child, 15_000, signal);
  }

  async function cancel(id: string): Promise<void> {
    const answer = await stack.api.request('DELETE', `/sweeps/${id}`);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json.status).toBe('cancelled');
  }

  async function retry(id: string): Promise<number> {
    const answer = await stack.api.request('POST', `/sweeps/${id}/retry`);
    expect(answer.status, answer.text).toBe(202);
    return answer.json.chunks;
  }

  /**
   * Awaits `completed`, then reads the manifest at once: a client that waits for `completed` must
   * find every row listed. Then checks the parts: every number exactly once, no stray file.
   */
  async function expectCompletedWithEveryRow(id: string, numbers = NUMBERS, chunks = CHUNKS): Promise<void> {
    const sweep = await stack.api.awaitStatus(id, 'completed', { timeoutMs: 60_000, context: logs });
    const manifest = (await stack.api.get(`/sweeps/${id}/manifest`)).json;
    const listed = manifest.files.reduce((sum: number, f: { rows: number }) => sum + f.rows, 0);
    expect(listed).toBe(numbers);
    expect(sweep.progress).toMatchObject({ done: chunks, total: chunks, running: 0, queued: 0 });
    expect(await layoutProblems(stack.sweepDir(id))).toEqual([]);
    expect(await tokenRowCounts(db, stack.sweepDir(id))).toEqual({
      rows: numbers,
      distinct: numbers,
      min: 0,
      max: numbers - 1,
      listedRows: numbers,
    });
  }

  it('the defect: submitted with no worker, cancelled, retried, then a worker starts — it completes with all 100,000 rows', async () => {
    const { id } = await stack.api.submit(SPEC);
    await cancel(id);
    expect(await retry(id)).toBe(CHUNKS);
    const worker = await addWorker();
    await expectCompletedWithEveryRow(id);
    await stopWorker(worker);
  });

  it('cancel → retry → cancel → retry, with a worker running in between: every row exactly once', async () => {
    const { id } = await stack.api.submit(LONG_SPEC);
    await cancel(id);
    await retry(id);
    const worker = await addWorker();
    await stack.api.awaitSweep(id, (s) => s.progress.done >= 2, {
      what: 'started',
      intervalMs: 10,
      context: logs,
    });
    await cancel(id);
    await stopWorker(worker); // it finishes or hands back its chunk: nothing stays locked
    const done = (await stack.api.sweep(id)).progress.done;
    expect(await retry(id)).toBe(LONG_CHUNKS - done);
    expect((await stack.api.sweep(id)).status).toBe('queued');
    await addWorker();
    await expectCompletedWithEveryRow(id, LONG_NUMBERS, LONG_CHUNKS);
  });

  it('a finalize job of an earlier round left waiting does nothing; the current round completes the sweep', async () => {
    for (const worker of workers) if (!worker.exited) await stopWorker(worker);
    const { id } = await stack.api.submit(SPEC);
    await cancel(id);
    // BullMQ made the cancelled round's finalize job ready to run once its chunks were removed
    expect(await (await finalize.getJob(`${id}-finalize-0`))?.getState()).toBe('waiting');
    await retry(id);
    // the retry removes it; put one back, as a leftover that escaped removal would be
    await finalize.add('finalize-sweep', { sweepId: id, round: 0 }, { jobId: `${id}-finalize-0` });
    await addWorker();
    await expectCompletedWithEveryRow(id);
    const stale = await finalize.getJob(`${id}-finalize-0`);
    expect(stale?.returnvalue).toEqual({ completed: false });
    expect((await finalize.getJob(`${id}-finalize-1`))?.returnvalue).toEqual({ completed: true });
  });

  it('retry after a failure: a model missing fails the sweep at once; once it is there, the next round completes it', async () => {
    const { id } = await stack.api.submit({ ...SPEC, models: ['demo-late'] });
    const failed = await stack.api.awaitStatus(id, 'failed', { context: logs });
    expect(failed.error).toMatch(/demo-late/);
    for (const worker of workers) if (!worker.exited) await stopWorker(worker);
    await writeDemoModel(path.join(stack.modelsDir, 'demo-late'), { seed: 33 });
    expect(await retry(id)).toBe(CHUNKS);
    await addWorker();
    await expectCompletedWithEveryRow(id);
  });

  it('the worker killed mid-sweep, cancelled, retried once its lock expired, a new worker: every row exactly once', async () => {
    for (const worker of workers) if (!worker.exited) await stopWorker(worker);
    const { id } = await stack.api.submit({ ...SPEC, chunkSize: 5_000 });
    const victim = await addWorker();
    await stack.api.awaitSweep(id, (s) => s.progress.done >= 2, { what: 'started', context: logs });
    await stopWorker(victim, 'SIGKILL');
    await cancel(id);
    // the chunk the dead worker held stays locked until its lock expires (LOCK_DURATION_MS = 2 s)
    let answer = await stack.api.request('POST', `/sweeps/${id}/retry`);
    const deadline = Date.now() + 15_000;
    while (answer.status === 409 && Date.now() < deadline) {
      expect(answer.json.message).toMatch(/still has 1 chunk\(s\) running; retry once they finish/);
      await new Promise((resolve) => setTimeout(resolve, 250));
      answer = await stack.api.request('POST', `/sweeps/${id}/retry`);
    }
    expect(answer.status, answer.text).toBe(202);
    await addWorker();
    const sweep = await stack.api.awaitStatus(id, 'completed', { timeoutMs: 60_000, context: logs });
    expect(sweep.progress).toMatchObject({ done: 20, total: 20, running: 0, queued: 0 });
    expect(await layoutProblems(stack.sweepDir(id))).toEqual([]);
    expect(await tokenRowCounts(db, stack.sweepDir(id))).toMatchObject({
      rows: NUMBERS,
      distinct: NUMBERS,
      listedRows: NUMBERS,
    });
  });
});
