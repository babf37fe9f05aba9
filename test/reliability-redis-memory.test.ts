import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DistributedStack } from './helpers/distributed-stack';
import { pollUntil } from './helpers/faults';
import { ServiceProcess, startApi, startWorker } from './helpers/services';

/**
 * What tokensweep keeps in Redis stays small and bounded: the API and workers warn at start-up when
 * Redis may evict keys; finished jobs are trimmed to KEEP_COMPLETED_JOBS / KEEP_FAILED_JOBS; jobs
 * carry a spec and a task, never rows, and return a few counters.
 */
const KEEP_COMPLETED = 5;
const KEEP_FAILED = 3;
const SWEEP_ID = /^\d{8}-\d{9}-[0-9a-f]{6}$/;
/** Upper bound of one job hash (data, options, return value, timestamps), whatever the chunk's size. */
const MAX_JOB_BYTES = 4_096;

describe('Redis memory', { timeout: 180_000 }, () => {
  let stack: DistributedStack;
  let redis: Redis;
  const extra: ServiceProcess[] = [];
  const figures: Record<string, unknown> = {};

  DistributedStack.logsOnFailure(() => stack);

  beforeAll(async () => {
    stack = await DistributedStack.start({
      label: 'redis-memory',
      workers: 1,
      env: {
        WORKER_CONCURRENCY: '2',
        KEEP_COMPLETED_JOBS: String(KEEP_COMPLETED),
        KEEP_FAILED_JOBS: String(KEEP_FAILED),
        RATE_LIMIT_PER_MINUTE: '0',
      },
    });
    redis = new Redis(stack.redis!.url, { maxRetriesPerRequest: 1 });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(extra.map((p) => p.stop()));
    redis?.disconnect();
    await stack?.close();
    console.log(`redis memory figures: ${JSON.stringify(figures)}`);
  });

  /** Every key of this stack's prefix (SCAN, so a big keyspace is walked in steps). */
  async function keys(pattern = '*'): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${stack.prefix}:${pattern}`, 'COUNT', 1000);
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return found;
  }

  /** The job hashes of a queue: `<prefix>:<queue>:<job id>`, where job ids start with a sweep id. */
  async function jobKeys(queue: 'chunks' | 'finalize'): Promise<string[]> {
    const all = await keys(`${queue}:*`);
    const head = `${stack.prefix}:${queue}:`;
    return all.filter((key) => {
      const rest = key.slice(head.length);
      return !rest.includes(':') && SWEEP_ID.test(rest.slice(0, 25));
    });
  }

  /** Bytes of a hash's fields and values as stored (what HGETALL would move). */
  async function hashBytes(key: string): Promise<{ total: number; fields: Record<string, number> }> {
    const hash = await redis.hgetallBuffer(key);
    const fields = Object.fromEntries(Object.entries(hash).map(([field, value]) => [field, value.length]));
    const total = Object.entries(fields).reduce(
      (sum, [field, size]) => sum + Buffer.byteLength(field) + size,
      0,
    );
    return { total, fields };
  }

  describe('maxmemory-policy', () => {
    it('neither the API nor a worker warns when Redis is set to noeviction', async () => {
      for (const process of stack.services!.all)
        expect(process.output.text(), process.label).not.toMatch(/maxmemory-policy/);
    });

    it('the API and a worker started against a Redis that may evict warn at start-up, naming the policy and the fix', async () => {
      await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
      try {
        const warning =
          /WARN .*Redis maxmemory-policy is "allkeys-lru": .*may evict jobs and sweep state; set it to noeviction/;
        const api = await startApi(stack.env);
        extra.push(api.process);
        const worker = await startWorker(stack.env, 'worker on an evicting Redis');
        extra.push(worker);
        await api.process.waitFor(warning, 5_000);
        await worker.waitFor(warning, 5_000);
        // a warning, not a refusal: both serve
        expect((await fetch(`${api.url}/health/ready`)).status).toBe(200);
        figures.warning = worker.output.text().match(warning)![0];
        await Promise.all(extra.splice(0).map((p) => p.stop()));
      } finally {
        await redis.config('SET', 'maxmemory-policy', 'noeviction');
      }
    });
  });

  describe('jobs', () => {
    const TINY = { models: ['demo-a'], numbers: '0..299', analyses: ['tokens'], chunkSize: 10 };
    const SWEEPS = 4;
    const FAILING = 5;

    it(`keeps at most KEEP_COMPLETED_JOBS=${KEEP_COMPLETED} completed and KEEP_FAILED_JOBS=${KEEP_FAILED} failed jobs per queue`, async () => {
      const memoryBefore = await usedMemory();
      let chunkJobs = 0;
      for (let i = 0; i < SWEEPS; i++) {
        const { id, chunks } = await stack.api.submit(TINY);
        chunkJobs += chunks;
        await stack.api.awaitStatus(id, 'completed', { timeoutMs: 120_000, context: stack.logs });
      }
      // 120 chunk jobs and 4 finalize jobs ran; the last 5 of each are kept
      const queue = stack.queue('chunks');
      const finalize = stack.queue('finalize');
      expect(await queue.getJobCounts('completed', 'failed')).toEqual({
        completed: KEEP_COMPLETED,
        failed: 0,
      });
      expect((await jobKeys('chunks')).length).toBe(KEEP_COMPLETED);
      expect((await finalize.getJobCounts('completed')).completed).toBe(SWEEPS);
      // failing fast (a model that is nowhere), so that failed jobs pile up
      for (let i = 0; i < FAILING; i++) {
        const { id } = await stack.api.submit({ ...TINY, models: [`acme/missing-${i}`] });
        await stack.api.awaitStatus(id, 'failed', { timeoutMs: 60_000, context: stack.logs });
      }
      // five failed chunk jobs at least (one per sweep), of which the last 3 are kept
      expect((await queue.getJobCounts('failed')).failed).toBe(KEEP_FAILED);
      // and one cancelled before any chunk ran: its parent must not linger waiting for children
      await queue.pause();
      try {
        const { id } = await stack.api.submit(TINY);
        expect((await stack.api.request('DELETE', `/sweeps/${id}`)).status).toBe(200);
      } finally {
        await queue.resume();
      }

      const settled = (q: typeof queue) =>
        q.getJobCounts('active', 'waiting', 'delayed', 'waiting-children', 'prioritized');
      for (const q of [queue, finalize]) {
        await pollUntil(
          () => settled(q),
          (c) => Object.values(c).every((n) => n === 0),
          {
            timeoutMs: 30_000,
            what: `${q.name} queue settled`,
            context: stack.logs,
          },
        );
      }
      const counts = {
        chunks: await queue.getJobCounts('completed', 'failed'),
        finalize: await finalize.getJobCounts('completed', 'failed'),
      };
      const hashes = {
        chunks: (await jobKeys('chunks')).length,
        finalize: (await jobKeys('finalize')).length,
      };
      figures.trimming = { chunkJobsRun: chunkJobs, sweeps: SWEEPS + FAILING + 1, counts, jobHashes: hashes };
      for (const name of ['chunks', 'finalize'] as const) {
        expect(counts[name].completed, name).toBeLessThanOrEqual(KEEP_COMPLETED);
        expect(counts[name].failed, name).toBeLessThanOrEqual(KEEP_FAILED);
        expect(hashes[name], name).toBeLessThanOrEqual(KEEP_COMPLETED + KEEP_FAILED);
      }
      // every failed sweep keeps its failed chunk records, so the trimmed list is full
      expect(counts.chunks.failed).toBe(KEEP_FAILED);

      // what stays per sweep is its small record: a hash and the set of its finished chunk indices
      const perSweep = await Promise.all((await keys('sweep:*')).map((k) => redis.memory('USAGE', k)));
      const sweepBytes = perSweep.reduce<number>((sum, n) => sum + Number(n ?? 0), 0);
      figures.sweepRecords = {
        keys: perSweep.length,
        bytes: sweepBytes,
        bytesPerSweep: Math.round(sweepBytes / (SWEEPS + FAILING + 1)),
      };
      figures.usedMemory = { before: memoryBefore, after: await usedMemory() };
      figures.eventStreams = {
        chunks: await redis.xlen(`${stack.prefix}:chunks:events`),
        finalize: await redis.xlen(`${stack.prefix}:finalize:events`),
      };
    });

    it(`carries no rows: every job hash stays under ${MAX_JOB_BYTES} bytes, whatever the chunk's size`, async () => {
      // three chunks of 10 numbers, then two chunks of 100,000: the last five completed chunk jobs
      // kept are exactly these (what earlier tests left may belong to sweeps trimmed since)
      const tiny = await stack.api.submit({ ...TINY, numbers: '0..29' });
      await stack.api.awaitStatus(tiny.id, 'completed', { timeoutMs: 60_000, context: stack.logs });
      const { id } = await stack.api.submit({ ...TINY, numbers: '0..199999', chunkSize: 100_000 });
      await stack.api.awaitStatus(id, 'completed', { timeoutMs: 120_000, context: stack.logs });
      const sizes: Record<string, { total: number; fields: Record<string, number> }> = {};
      for (const key of [...(await jobKeys('chunks')), ...(await jobKeys('finalize'))])
        sizes[key] = await hashBytes(key);
      const big = Object.entries(sizes).filter(([key]) => key.includes(id));
      expect(big.length).toBe(3); // two chunks and the finalize job
      for (const [key, size] of Object.entries(sizes)) {
        expect(size.total, key).toBeLessThan(MAX_JOB_BYTES);
        expect(size.fields.returnvalue ?? 0, `${key} returnvalue`).toBeLessThan(200);
      }
      const bigChunk = sizes[`${stack.prefix}:chunks:${id}-0`];
      const tinyChunks = Object.entries(sizes).filter(([key]) =>
        key.startsWith(`${stack.prefix}:chunks:${tiny.id}-`),
      );
      expect(tinyChunks.length).toBe(3);
      for (const [key, size] of tinyChunks) expect(size.fields.returnvalue, key).toBeDefined();
      // a chunk of 100,000 numbers weighs what a chunk of 10 does, give or take its digits
      for (const [, small] of tinyChunks) expect(Math.abs(bigChunk.total - small.total)).toBeLessThan(200);
      figures.jobBytes = {
        chunkOf100000: bigChunk.total,
        chunkOf10: tinyChunks[0][1].total,
        max: Math.max(...Object.values(sizes).map((s) => s.total)),
        returnvalue: bigChunk.fields.returnvalue,
        fieldsOfChunkOf100000: bigChunk.fields,
      };
    });
  });

  async function usedMemory(): Promise<number> {
    const info = await redis.info('memory');
    return Number(/used_memory:(\d+)/.exec(info)![1]);
  }
});
