import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DistributedStack } from './helpers/distributed-stack';
import { DuckDb } from './helpers/duckdb';
import { layoutProblems, pollUntil, tokenRowCounts } from './helpers/faults';

/**
 * Redis goes away in the middle of a sweep and comes back (the test's own redis-server, AOF on, same
 * port): the workers and the API reconnect by themselves and the sweep completes with every row
 * once. While Redis is down the API answers at once — 503 for what needs Redis, /health/ready naming
 * Redis, /health 200 — and no process dies.
 */
const COUNT = 300_000;
const SPEC = {
  models: ['demo-a'],
  numbers: `0..${COUNT - 1}`,
  formats: ['plain'],
  analyses: ['tokens'],
  chunkSize: 25_000,
};
/** What "promptly" means for an answer while Redis is down (the API's Redis connection fails fast). */
const PROMPT_MS = 3_000;

describe('Redis restarted during a sweep', { timeout: 300_000 }, () => {
  let stack: DistributedStack;
  let db: DuckDb;
  const figures: Record<string, unknown> = {};

  DistributedStack.logsOnFailure(() => stack);

  beforeAll(async () => {
    stack = await DistributedStack.start({
      label: 'redis-restart',
      workers: 2,
      appendonly: true,
      env: { WORKER_CONCURRENCY: '1', RATE_LIMIT_PER_MINUTE: '0' },
    });
    db = await DuckDb.open();
  }, 120_000);

  afterAll(async () => {
    db?.close();
    // Redis may have been left stopped by a failing test; the services need it to stop cleanly
    if (stack?.redis && !stack.redis.running) await stack.redis.restart().catch(() => undefined);
    await stack?.close();
    console.log(`redis restart figures: ${JSON.stringify(figures)}`);
  });

  /** Times one request. */
  async function timed<T>(request: () => Promise<T>): Promise<{ answer: T; ms: number }> {
    const started = Date.now();
    const answer = await request();
    return { answer, ms: Date.now() - started };
  }

  it('answers promptly while Redis is down, then the sweep running at that moment completes, every row once', async () => {
    const { id, chunks } = await stack.api.submit(SPEC);
    const before = await stack.api.awaitSweep(id, (s) => s.progress.done >= 1, {
      timeoutMs: 120_000,
      what: 'running with a chunk done',
      context: stack.logs,
    });
    expect(before.status).toBe('running');

    await stack.redis!.stop();
    const down: Record<string, { status: number; ms: number }> = {};
    try {
      const submit = await timed(() => stack.api.request('POST', '/sweeps', { body: SPEC }));
      down.submit = { status: submit.answer.status, ms: submit.ms };
      expect(submit.answer.status).toBe(503);
      expect(submit.answer.json).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
      expect(submit.answer.json.message).toMatch(/Redis is unreachable.*REDIS_URL/);
      expect(submit.ms).toBeLessThan(PROMPT_MS);

      const ready = await timed(() => stack.api.get('/health/ready'));
      down.ready = { status: ready.answer.status, ms: ready.ms };
      expect(ready.answer.status).toBe(503);
      expect(ready.answer.json.checks.redis).toMatch(/unreachable at redis:\/\/127\.0\.0\.1:\d+/);
      expect(ready.answer.json.checks.resultsDir).toBe('ok');
      expect(ready.ms).toBeLessThan(PROMPT_MS);

      const live = await timed(() => stack.api.get('/health'));
      down.health = { status: live.answer.status, ms: live.ms };
      expect(live.answer).toMatchObject({ status: 200, json: { status: 'ok' } });

      // reads that need Redis fail the same way, never 500
      const read = await timed(() => stack.api.get(`/sweeps/${id}`));
      down.read = { status: read.answer.status, ms: read.ms };
      expect(read.answer.status).toBe(503);
      expect(read.ms).toBeLessThan(PROMPT_MS);
      const list = await stack.api.get('/sweeps');
      expect(list.status).toBe(503);

      // the workers notice the outage (their connections report it) and keep running
      const outage = /WARN \[QueueWorkers\] (chunks|finalize): .*(ECONNREFUSED|Connection is closed)/;
      await Promise.all(stack.services!.workers.map((w) => w.waitFor(outage, 20_000)));
      // every process keeps running without Redis
      for (const process of stack.services!.all) expect(process.exited, process.label).toBe(false);
    } finally {
      figures.whileDown = down;
      await stack.redis!.restart();
    }
    const restartedAt = Date.now();

    await pollUntil(
      () => stack.api.get('/health/ready'),
      (a) => a.status === 200,
      {
        timeoutMs: 30_000,
        what: 'API ready again',
        context: stack.logs,
      },
    );
    figures.apiReadyAfterMs = Date.now() - restartedAt;
    const sweep = await stack.api.awaitStatus(id, 'completed', { timeoutMs: 240_000, context: stack.logs });
    figures.sweepCompletedAfterRestartMs = Date.now() - restartedAt;
    expect(sweep.progress).toMatchObject({ done: chunks, total: chunks });
    expect(await layoutProblems(stack.sweepDir(id))).toEqual([]);
    expect(await tokenRowCounts(db, stack.sweepDir(id))).toEqual({
      rows: COUNT,
      distinct: COUNT,
      min: 0,
      max: COUNT - 1,
      listedRows: COUNT,
    });
    figures.chunks = chunks;
    figures.doneBeforeStop = before.progress.done;
  });

  it('nothing crashed: every process still runs, both workers take new chunks, a new sweep completes', async () => {
    for (const process of stack.services!.all) expect(process.exited, process.label).toBe(false);
    const processed = async () => {
      const line = (await stack.api.get('/metrics')).text
        .split('\n')
        .find((l) => l.startsWith('tokensweep_chunks_processed_total '));
      return Number(line?.split(' ')[1]);
    };
    const processedBefore = await processed();
    const { id, chunks } = await stack.api.submit({ ...SPEC, numbers: '0..999', chunkSize: 50 });
    await stack.api.awaitStatus(id, 'completed', { timeoutMs: 60_000, context: stack.logs });
    const jobs = (await stack.queue('chunks').getJobs(['completed'], 0, -1)).filter((j) =>
      j.id!.startsWith(`${id}-`),
    );
    const workers = new Set(jobs.map((j) => j.processedBy));
    figures.newSweepWorkers = workers.size;
    expect(workers.size).toBe(2);
    // the API's queue-events connection came back too: the chunk counter follows the new sweep
    await pollUntil(processed, (n) => n >= processedBefore + chunks, {
      timeoutMs: 15_000,
      what: 'chunks counted in /metrics',
    });
  });
});
