import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DistributedStack } from './helpers/distributed-stack';
import { ServiceProcess, startApi } from './helpers/services';
import { SweepApi } from './helpers/sweep-api';

/**
 * Every route of the README's table (see docs/architecture.md) against the real API process, one worker and a real redis-server
 * (AOF on, so that a Redis restart keeps the sweeps). Separate API processes over the same Redis
 * check API_KEY and RATE_LIMIT_PER_MINUTE.
 */
const SMALL = { models: ['demo-a'], numbers: '-5..5', formats: ['plain'], chunkSize: 4, tileSize: 6 };
// 11 numbers: 3 slices of 4 + 2×2 tiles of 6
const SMALL_CHUNKS = 3 + 4;
const MAX_BODY_BYTES = 1024;
const API_KEY = 'test-key-0123456789';

describe('API routes', () => {
  let stack: DistributedStack;
  let api: SweepApi;
  const extraApis: ServiceProcess[] = [];
  let done: { id: string; manifest: { files: { path: string; rows: number; bytes: number }[] } };

  DistributedStack.logsOnFailure(() => stack);

  beforeAll(async () => {
    stack = await DistributedStack.start({
      label: 'routes',
      workers: 1,
      appendonly: true,
      env: {
        WORKER_CONCURRENCY: '1',
        MAX_BODY_BYTES: String(MAX_BODY_BYTES),
        MAX_SWEEP_NUMBERS: '5000',
        MAX_MATRIX_NUMBERS: '100',
        MAX_SWEEP_CHUNKS: '1000',
        RATE_LIMIT_PER_MINUTE: '0',
      },
    });
    api = stack.api;
    const created = await api.submit(SMALL);
    await api.awaitStatus(created.id, 'completed', { context: stack.logs });
    done = { id: created.id, manifest: (await api.get(`/sweeps/${created.id}/manifest`)).json };
  });

  afterAll(async () => {
    await Promise.all(extraApis.map((p) => p.stop()));
    await stack?.close();
  });

  /** Another API process over the same Redis and results, with `env` on top. */
  async function otherApi(env: Record<string, string>): Promise<SweepApi> {
    const started = await startApi({ ...stack.env, ...env });
    extraApis.push(started.process);
    return new SweepApi(started.url);
  }

  describe('POST /sweeps', () => {
    it('answers 202 {id, status, chunks} before any work runs', async () => {
      const answer = await api.request('POST', '/sweeps', { body: SMALL });
      expect(answer.status).toBe(202);
      expect(answer.json).toEqual({ id: expect.any(String), status: 'queued', chunks: SMALL_CHUNKS });
      // ids go into BullMQ job ids and paths: no ':' and never a bare integer
      expect(answer.json.id).not.toMatch(/:/);
      expect(answer.json.id).not.toMatch(/^\d+$/);
      await api.awaitStatus(answer.json.id, 'completed', { context: stack.logs });
    });

    const BAD_BODIES: [string, unknown, RegExp][] = [
      ['an unknown field', { ...SMALL, colour: 'red' }, /^colour: unknown field/],
      ['a malformed numbers expression', { ...SMALL, numbers: '1..' }, /^numbers: /],
      ['a step of 0', { ...SMALL, numbers: '1..10:0' }, /^numbers: /],
      ['start after end', { ...SMALL, numbers: '10..1' }, /^numbers: /],
      ['a path as model id', { ...SMALL, models: ['/etc/passwd'] }, /^models: /],
      ['a relative path as model id', { ...SMALL, models: ['./demo-a'] }, /^models: /],
      ['models as a string', { ...SMALL, models: 'demo-a' }, /^models: must be a list/],
      ['chunkSize as a string', { ...SMALL, chunkSize: '4' }, /^chunkSize: must be an integer/],
      ['plots as a string', { ...SMALL, plots: 'yes' }, /^plots: must be true or false/],
      ['an unknown format', { ...SMALL, formats: ['roman'] }, /^formats: unknown format "roman"/],
      ['an unknown analysis', { ...SMALL, analyses: ['vibes'] }, /^analyses: unknown analysis "vibes"/],
      ['over MAX_SWEEP_NUMBERS', { ...SMALL, numbers: '1..6000' }, /^numbers: .*raise MAX_SWEEP_NUMBERS/],
      [
        'over MAX_MATRIX_NUMBERS',
        { ...SMALL, numbers: '1..200' },
        /^analyses: cosine-matrix .*raise MAX_MATRIX_NUMBERS/,
      ],
      [
        'over MAX_SWEEP_CHUNKS',
        { ...SMALL, numbers: '1..5000', analyses: ['tokens'], chunkSize: 1 },
        /^chunkSize: the sweep would run 5,000 chunks .*raise chunkSize to at least 5, or raise MAX_SWEEP_CHUNKS$/,
      ],
      [
        'cosine-matrix tiles over MAX_SWEEP_CHUNKS',
        { ...SMALL, numbers: '1..100', tileSize: 1 },
        /^tileSize: the sweep would run 10,025 chunks .*raise tileSize to at least 4, or raise MAX_SWEEP_CHUNKS$/,
      ],
      ['a list instead of an object', [SMALL], /JSON object/],
    ];
    it.each(BAD_BODIES)('answers 400 naming the field for %s', async (_, body, line) => {
      const answer = await api.request('POST', '/sweeps', { body });
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.any(Array) });
      expect(answer.json.message).toContainEqual(expect.stringMatching(line));
    });

    it('lists every problem of a body, one line each', async () => {
      const answer = await api.request('POST', '/sweeps', { body: { numbers: 'x', chunkSize: 0, extra: 1 } });
      expect(answer.status).toBe(400);
      expect(answer.json.message.map((m: string) => m.split(':')[0]).sort()).toEqual([
        'chunkSize',
        'extra',
        'numbers',
      ]);
    });

    it('answers 400 to malformed JSON', async () => {
      const answer = await api.request('POST', '/sweeps', { raw: '{"numbers": ' });
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    });

    it('answers 413 to a body over MAX_BODY_BYTES', async () => {
      const answer = await api.request('POST', '/sweeps', {
        body: { ...SMALL, numbers: '1,'.repeat(MAX_BODY_BYTES) + '1' },
      });
      expect(answer.status).toBe(413);
      expect(answer.json).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    });
  });

  describe('GET /sweeps and /sweeps/:id', () => {
    it('shows a sweep with status, progress, times and spec', async () => {
      const answer = await api.get(`/sweeps/${done.id}`);
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({
        id: done.id,
        status: 'completed',
        priority: 'normal',
        progress: {
          done: SMALL_CHUNKS,
          total: SMALL_CHUNKS,
          running: 0,
          queued: 0,
          chunksPerSecond: expect.any(Number),
          etaSeconds: 0,
        },
        createdAt: expect.any(String),
        startedAt: expect.any(String),
        finishedAt: expect.any(String),
        error: null,
        spec: expect.objectContaining({
          ...SMALL,
          analyses: ['tokens', 'sign-symmetry', 'successive-cosine', 'cosine-matrix'],
        }),
      });
      const { createdAt, startedAt, finishedAt } = answer.json;
      expect(Date.parse(createdAt)).toBeLessThanOrEqual(Date.parse(startedAt));
      expect(Date.parse(startedAt)).toBeLessThanOrEqual(Date.parse(finishedAt));
    });

    it.each([
      ['an unknown sweep id', '20200101-000000000-abcdef'],
      ['a malformed id', 'not-a-sweep'],
      ['an integer', '12345'],
    ])('answers 404 for %s', async (_, id) => {
      for (const route of [`/sweeps/${id}`, `/sweeps/${id}/manifest`, `/sweeps/${id}/data/tokens`]) {
        const answer = await api.get(route);
        expect(answer.status, route).toBe(404);
        expect(answer.json, route).toMatchObject({ statusCode: 404, error: 'Not Found' });
      }
      expect((await api.request('DELETE', `/sweeps/${id}`)).status).toBe(404);
      expect((await api.request('POST', `/sweeps/${id}/retry`)).status).toBe(404);
    });

    it('lists newest first, page by page with the cursor', async () => {
      const mine: string[] = [];
      for (let i = 0; i < 3; i++) mine.push((await api.submit({ ...SMALL, analyses: ['tokens'] })).id);
      const first = await api.get('/sweeps?limit=2');
      expect(first.status).toBe(200);
      expect(first.json.items.map((s: { id: string }) => s.id)).toEqual([mine[2], mine[1]]);
      expect(first.json.items[0]).toMatchObject({ status: expect.any(String), progress: { total: 3 } });
      expect(first.json.nextCursor).toBe(mine[1]);

      const all: { id: string; createdAt: string }[] = [...first.json.items];
      let cursor: string | null = first.json.nextCursor;
      for (let pages = 0; cursor && pages < 20; pages++) {
        const page = await api.get(`/sweeps?limit=2&cursor=${cursor}`);
        expect(page.status).toBe(200);
        all.push(...page.json.items);
        cursor = page.json.nextCursor;
      }
      expect(cursor).toBeNull();
      const ids = all.map((s) => s.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual([...ids].sort().reverse());
      expect(ids).toEqual(expect.arrayContaining([...mine, done.id]));
      const times = all.map((s) => Date.parse(s.createdAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      await Promise.all(mine.map((id) => api.awaitStatus(id, 'completed', { context: stack.logs })));
    });

    it('answers 400 to a limit that is not a positive integer', async () => {
      expect((await api.get('/sweeps?limit=0')).status).toBe(400);
      expect((await api.get('/sweeps?limit=two')).status).toBe(400);
    });
  });

  describe('results routes', () => {
    it('serves the manifest', async () => {
      const answer = await api.get(`/sweeps/${done.id}/manifest`);
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual(
        JSON.parse(await readFile(path.join(stack.sweepDir(done.id), 'manifest.json'), 'utf8')),
      );
      expect(answer.json).toMatchObject({ schemaVersion: 1, id: done.id, status: 'completed' });
    });

    it('serves each file the manifest lists, byte for byte', async () => {
      for (const file of done.manifest.files) {
        const answer = await api.get(`/sweeps/${done.id}/files/${file.path}`);
        expect(answer.status, file.path).toBe(200);
        expect(answer.headers.get('content-type')).toMatch(/^application\/vnd\.apache\.parquet/);
        expect(
          Buffer.from(answer.bytes).equals(await readFile(path.join(stack.sweepDir(done.id), file.path))),
        ).toBe(true);
        expect(answer.bytes.length).toBe(file.bytes);
      }
    });

    it('answers 404 for files the manifest does not list, however the path is spelt', async () => {
      const listed = done.manifest.files[0].path;
      const [analysis, model] = listed.split('/');
      const unlisted = [
        'spec.json',
        'manifest.json',
        `${listed}.tmp`,
        `${analysis}/${model}/format=comma/part-00000.parquet`,
        `${analysis}/${model}/../${listed}`,
        `%2e%2e/${done.id}/${listed}`,
        `..%2f..%2f${done.id}%2f${listed}`,
        `${listed.split('/').join('%2f')}%2f..%2f..%2f..%2f..%2fspec.json`,
      ];
      for (const file of unlisted) {
        const answer = await api.rawGet(`/sweeps/${done.id}/files/${file}`);
        expect(answer.status, file).toBe(404);
      }
      // and what lies outside the sweep directory stays out of reach
      for (const raw of [
        `/sweeps/${done.id}/files/../../../etc/passwd`,
        `/sweeps/${done.id}/files/%2e%2e/%2e%2e/etc/passwd`,
      ]) {
        const answer = await api.rawGet(raw);
        expect(answer.status, raw).toBe(404);
        expect(answer.text).not.toMatch(/root:/);
      }
    });

    it('answers 404 for an unknown analysis and a filter that selects nothing', async () => {
      expect((await api.get(`/sweeps/${done.id}/data/vibes`)).status).toBe(404);
      expect((await api.get(`/sweeps/${done.id}/data/tokens?model=demo-b`)).status).toBe(404);
      expect((await api.get(`/sweeps/${done.id}/data/tokens?format=comma`)).status).toBe(404);
      expect((await api.get(`/sweeps/${done.id}/data/fourier`)).status).toBe(404);
    });
  });

  describe('health, metrics, docs, queues', () => {
    it('answers /health and /health/ready with 200 while Redis is up', async () => {
      expect(await api.get('/health')).toMatchObject({ status: 200, json: { status: 'ok' } });
      expect(await api.get('/health/ready')).toMatchObject({
        status: 200,
        json: { status: 'ready', checks: { redis: 'ok', resultsDir: 'ok' } },
      });
    });

    it('exports tokensweep_ metrics, and the chunks-processed counter moves with a sweep', async () => {
      const metric = async (name: string): Promise<number> => {
        const text = (await api.get('/metrics')).text;
        const line = text.split('\n').find((l) => l.startsWith(`${name} `));
        return line ? Number(line.split(' ')[1]) : NaN;
      };
      const answer = await api.get('/metrics');
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
      for (const name of [
        'tokensweep_chunks_processed_total',
        'tokensweep_chunks_failed_total',
        'tokensweep_chunk_duration_seconds_bucket',
        'tokensweep_sweeps{status="completed"}',
        'tokensweep_queue_jobs{queue="chunks",state="waiting"}',
      ]) {
        expect(answer.text).toContain(name);
      }
      const before = await metric('tokensweep_chunks_processed_total');
      const durationsBefore = await metric('tokensweep_chunk_duration_seconds_count');
      const created = await api.submit(SMALL);
      await api.awaitStatus(created.id, 'completed', { context: stack.logs });
      // the counter follows the queue's events, which may trail the sweep's status by a moment
      const deadline = Date.now() + 10_000;
      while (
        (await metric('tokensweep_chunks_processed_total')) < before + SMALL_CHUNKS &&
        Date.now() < deadline
      ) {
        await delay(100);
      }
      expect(await metric('tokensweep_chunks_processed_total')).toBe(before + SMALL_CHUNKS);
      expect(await metric('tokensweep_chunk_duration_seconds_count')).toBe(durationsBefore + SMALL_CHUNKS);
      expect(await metric('tokensweep_sweeps{status="completed"}')).toBeGreaterThanOrEqual(2);
    });

    it('serves the OpenAPI page at /docs and its document at /docs-json with the /sweeps paths', async () => {
      const page = await api.get('/docs');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(page.text).toMatch(/swagger/i);
      const document = await api.get('/docs-json');
      expect(document.status).toBe(200);
      expect(document.json.openapi).toMatch(/^3\./);
      expect(Object.keys(document.json.paths)).toEqual(
        expect.arrayContaining([
          '/sweeps',
          '/sweeps/{id}',
          '/sweeps/{id}/retry',
          '/sweeps/{id}/manifest',
          '/sweeps/{id}/data/{analysis}',
          '/health',
          '/health/ready',
        ]),
      );
      expect(Object.keys(document.json.paths['/sweeps'])).toEqual(expect.arrayContaining(['get', 'post']));
    });

    it('serves Bull Board at /queues', async () => {
      const answer = await api.get('/queues');
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/text\/html/);
    });
  });

  describe('with API_KEY set', () => {
    let keyed: SweepApi;
    beforeAll(async () => {
      keyed = await otherApi({ API_KEY });
    });

    const GUARDED = ['/sweeps', '/metrics', '/docs', '/docs-json', '/queues'];
    it.each(GUARDED)('answers 401 on %s without the key or with a wrong one', async (route) => {
      const answer = await keyed.get(route);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
      expect(answer.json).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect((await keyed.withHeaders({ authorization: 'Bearer wrong' }).get(route)).status).toBe(401);
    });

    it('answers 401 to a submission without the key, and accepts it with the key', async () => {
      expect((await keyed.request('POST', '/sweeps', { body: SMALL })).status).toBe(401);
      const authorized = keyed.withHeaders({ authorization: `Bearer ${API_KEY}` });
      const answer = await authorized.request('POST', '/sweeps', {
        body: { ...SMALL, analyses: ['tokens'] },
      });
      expect(answer.status).toBe(202);
      await authorized.awaitStatus(answer.json.id, 'completed', { context: stack.logs });
    });

    it.each(GUARDED)('answers 200 on %s with Authorization: Bearer <key>', async (route) => {
      expect((await keyed.withHeaders({ authorization: `Bearer ${API_KEY}` }).get(route)).status).toBe(200);
    });

    it.each(['/health', '/health/ready'])('leaves %s open', async (route) => {
      expect((await keyed.get(route)).status).toBe(200);
    });
  });

  describe('with RATE_LIMIT_PER_MINUTE=2', () => {
    it('answers the third submission within a minute with 429 and Retry-After', async () => {
      const limited = await otherApi({ RATE_LIMIT_PER_MINUTE: '2' });
      const body = { ...SMALL, analyses: ['tokens'] };
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await limited.request('POST', '/sweeps', { body }));
      expect(answers.map((a) => a.status)).toEqual([202, 202, 429]);
      const retryAfter = Number(answers[2].headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(answers[2].json).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
      expect(answers[2].json.message).toMatch(/RATE_LIMIT_PER_MINUTE/);
      // reads are not submissions
      expect((await limited.get('/sweeps')).status).toBe(200);
      for (const answer of answers.slice(0, 2))
        await api.awaitStatus(answer.json.id, 'completed', { context: stack.logs });
    });
  });

  describe('when Redis goes away and comes back', () => {
    it('answers /health/ready 503 without Redis, 200 again after its restart, and the sweeps survive (AOF)', async () => {
      await stack.redis!.stop();
      try {
        const down = await api.get('/health/ready');
        expect(down.status).toBe(503);
        expect(down.json).toMatchObject({
          statusCode: 503,
          checks: { redis: expect.stringMatching(/unreachable/), resultsDir: 'ok' },
        });
        expect((await api.get('/health')).status).toBe(200);
        const refused = await api.request('POST', '/sweeps', { body: SMALL });
        expect(refused.status).toBe(503);
        expect(refused.json.message).toMatch(/Redis is unreachable; the sweep was not accepted\..*REDIS_URL/);
        // each route in its own words: a read did not fail to accept anything
        const read = await api.get(`/sweeps/${done.id}`);
        expect(read.status).toBe(503);
        expect(read.json.message).toMatch(/Redis is unreachable; the sweep's status could not be read\./);
        const listed = await api.get('/sweeps');
        expect(listed.status).toBe(503);
        expect(listed.json.message).toMatch(/the sweeps could not be listed/);
      } finally {
        await stack.redis!.restart();
      }
      const deadline = Date.now() + 15_000;
      while ((await api.get('/health/ready')).status !== 200 && Date.now() < deadline) await delay(100);
      expect((await api.get('/health/ready')).status).toBe(200);
      expect(await api.sweep(done.id)).toMatchObject({
        status: 'completed',
        progress: { done: SMALL_CHUNKS },
      });
      // and the worker reconnected too: a new sweep completes
      const created = await api.submit(SMALL);
      await api.awaitStatus(created.id, 'completed', { context: stack.logs });
      expect((await stat(path.join(stack.sweepDir(created.id), 'manifest.json'))).isFile()).toBe(true);
    });
  });
});
