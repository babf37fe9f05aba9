import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DistributedStack } from './helpers/distributed-stack';
import { S3Server } from './helpers/s3-server';
import { ServiceProcess, startApi, startWorker } from './helpers/services';
import { SweepApi } from './helpers/sweep-api';

/**
 * What happens when the S3 store cannot be written: a missing bucket or wrong credentials refuse a
 * submission (503, nothing created) and fail readiness; a worker whose own credentials are wrong
 * fails the sweep at once; a store that goes away mid-sweep only delays it (attempts retried with
 * backoff), and nothing is lost or listed twice.
 */
const SPEC = { models: ['demo-a'], numbers: '0..59', analyses: ['tokens', 'sign-symmetry'], chunkSize: 20 };

describe('results on S3 when the store fails', () => {
  let s3: S3Server;
  let stack: DistributedStack;
  const extra: ServiceProcess[] = [];
  const prefix = 'faults';

  DistributedStack.logsOnFailure(() => stack);

  beforeAll(async () => {
    s3 = await S3Server.start();
    // no worker of its own: each test starts the worker it needs
    stack = await DistributedStack.start({
      label: 's3-faults',
      workers: 0,
      env: { ...s3.env(prefix), CHUNK_ATTEMPTS: '8' },
    });
  }, 60_000);

  afterEach(async () => {
    await Promise.all(extra.splice(0).map((p) => p.stop()));
  });

  afterAll(async () => {
    await stack?.close();
    await s3?.close();
  });

  const logs = () => [stack.logs(), ...extra.map((p) => p.output.tail())].join('\n');

  /** An API of its own (its own queue prefix) with `env` over the stack's. */
  async function apiWith(env: Record<string, string>): Promise<SweepApi> {
    const started = await startApi({
      ...stack.env,
      QUEUE_PREFIX: `ts-s3f-${randomBytes(3).toString('hex')}`,
      ...env,
    });
    extra.push(started.process);
    return new SweepApi(started.url);
  }

  it.each([
    [
      'a missing bucket',
      { RESULTS_URL: 's3://no-such-bucket/faults' },
      /no-such-bucket.*NoSuchBucket.*Check that bucket "no-such-bucket" exists/,
    ],
    [
      'wrong credentials',
      { AWS_ACCESS_KEY_ID: 'WRONG-KEY' },
      /(InvalidAccessKeyId|AccessDenied) \(HTTP 403\).*AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
    ],
  ])(
    'refuses POST /sweeps with 503 for %s, naming the bucket, and creates no sweep',
    async (_, env, message) => {
      const api = await apiWith(env);
      const answer = await api.request('POST', '/sweeps', { body: SPEC });
      expect(answer.status).toBe(503);
      expect(answer.json.message).toMatch(
        /^the results store s3:\/\/\S+ cannot be written, so the sweep was not accepted/,
      );
      expect(answer.json.message).toMatch(message);
      expect((await api.get('/sweeps')).json).toEqual({ items: [], nextCursor: null });
      const ready = await api.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.json.checks.redis).toBe('ok');
      expect(ready.json.checks.resultsStore).toMatch(message);
      expect(ready.json.checks.resultsStore).toMatch(/s3:\/\/(no-such-bucket|results)\/faults/);
    },
  );

  it('fails the sweep at once, with the store message, when the worker cannot write (its own credentials)', async () => {
    const { id } = await stack.api.submit(SPEC);
    const started = Date.now();
    extra.push(await startWorker({ ...stack.env, AWS_ACCESS_KEY_ID: 'WRONG-KEY' }, 'bad worker'));
    const failed = await stack.api.awaitStatus(id, 'failed', { timeoutMs: 20_000, context: logs });
    expect(failed.error).toMatch(
      /^chunk \d+ \(.*\) failed: cannot write s3:\/\/results\/faults\/.*InvalidAccessKeyId/,
    );
    expect(failed.error).toContain('AWS_ACCESS_KEY_ID');
    // no second attempt of any chunk: a refusal of the credentials is not retried
    const jobs = await stack.queue('chunks').getJobs(['failed', 'completed', 'waiting', 'delayed'], 0, -1);
    const mine = jobs.filter((j) => j.id!.startsWith(`${id}-`));
    expect(Math.max(...mine.map((j) => j.attemptsMade))).toBeLessThanOrEqual(1);
    expect(Date.now() - started).toBeLessThan(15_000);
    // the worker could not write the manifest: the API, which can, writes it when it is asked for
    const manifest = (await stack.api.get(`/sweeps/${id}/manifest`)).json;
    expect(manifest).toMatchObject({ status: 'failed', files: [] });
    expect(JSON.parse((await s3.get(`${prefix}/${id}/manifest.json`)).toString('utf8'))).toEqual(manifest);
  });

  it('retries chunk attempts with backoff while the store is unreachable, and says so on /health/ready', async () => {
    const { id, chunks } = await stack.api.submit(SPEC);
    await s3.stop();
    try {
      const ready = await stack.api.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.json.checks.resultsStore).toMatch(
        /^cannot reach s3:\/\/results\/faults: .*unreachable \(ECONNREFUSED\)/,
      );
      const worker = await startWorker(stack.env, 'worker');
      extra.push(worker);
      await worker.waitFor(/chunks job \S+ failed \(attempt 1\): .*unreachable/, 30_000);
    } finally {
      await s3.restart();
    }
    await stack.api.awaitStatus(id, 'completed', { timeoutMs: 40_000, context: logs });
    expect((await stack.api.get('/health/ready')).status).toBe(200);
    const manifest = JSON.parse((await s3.get(`${prefix}/${id}/manifest.json`)).toString('utf8'));
    const paths = manifest.files.map((f: { path: string }) => f.path);
    expect(paths.length).toBe(2 * chunks);
    expect(new Set(paths).size).toBe(paths.length);
    const tokens = manifest.files.filter((f: { analysis: string }) => f.analysis === 'tokens');
    expect(tokens.reduce((sum: number, f: { rows: number }) => sum + f.rows, 0)).toBe(60);
    const keys = (await s3.objects(`${prefix}/${id}`)).map((o) => o.key);
    expect(keys).toEqual([...paths, 'manifest.json', 'spec.json', 'summary.json'].sort());
  });
});
