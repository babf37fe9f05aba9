import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DistributedStack } from './helpers/distributed-stack';
import { Manifest, readManifest } from './helpers/faults';
import { ServiceProcess, startApi, startWorker } from './helpers/services';
import { SweepApi } from './helpers/sweep-api';

/**
 * What a client can reach: files of a sweep only through its manifest and never outside its
 * directory, models only as Hub ids; with API_KEY, nothing but health and the page's static shell
 * without the key; submissions rate-limited per client; sweeps bounded by MAX_SWEEP_NUMBERS and
 * MAX_MATRIX_NUMBERS, with a refusal that says how to raise them.
 */
const API_KEY = 'security-key-5f1d0c2a9b';
const LIMITS = { MAX_SWEEP_NUMBERS: '5000', MAX_MATRIX_NUMBERS: '100' };
const SMALL = {
  models: ['demo-a'],
  numbers: '-5..5',
  formats: ['plain'],
  analyses: ['tokens', 'cosine-matrix'],
  chunkSize: 4,
  tileSize: 6,
};

describe('paths, authentication and limits', { timeout: 120_000 }, () => {
  let stack: DistributedStack;
  let api: SweepApi;
  let done: { id: string; manifest: Manifest };
  const extra: ServiceProcess[] = [];
  const figures: Record<string, unknown> = {};

  DistributedStack.logsOnFailure(() => stack);

  beforeAll(async () => {
    stack = await DistributedStack.start({
      label: 'security',
      workers: 1,
      env: { WORKER_CONCURRENCY: '1', API_KEY, RATE_LIMIT_PER_MINUTE: '0', ...LIMITS },
    });
    api = stack.api.withHeaders({ authorization: `Bearer ${API_KEY}` });
    const { id } = await api.submit(SMALL);
    await api.awaitStatus(id, 'completed', { context: stack.logs });
    done = { id, manifest: await readManifest(stack.sweepDir(id)) };
  }, 120_000);

  afterAll(async () => {
    await Promise.all(extra.map((p) => p.stop()));
    await stack?.close();
    console.log(`security figures: ${JSON.stringify(figures)}`);
  });

  const listed = () => done.manifest.files[0].path;

  describe('paths', () => {
    it('refuses traversal in the sweep id of every route (404), whatever its spelling', async () => {
      const ids = [
        '..',
        '.',
        '%2e%2e',
        '%2E%2E',
        '..%2f..%2fetc',
        '%2fetc%2fpasswd',
        '..%5c..%5cwindows',
        `${done.id}%2f..`,
        `${done.id}%00`,
        '%252e%252e',
        `..%2f${done.id}`,
        '~root',
      ];
      const answers: number[] = [];
      for (const id of ids) {
        for (const route of [
          `/sweeps/${id}`,
          `/sweeps/${id}/manifest`,
          `/sweeps/${id}/files/${listed()}`,
          `/sweeps/${id}/data/tokens`,
        ]) {
          const answer = await api.rawGet(route);
          answers.push(answer.status);
          expect([400, 404], route).toContain(answer.status);
          expect(answer.text, route).not.toMatch(/root:|"files"/);
        }
      }
      figures.idTraversal = { requests: answers.length, statuses: [...new Set(answers)] };
    });

    it('refuses a file path that leaves the sweep directory or is not listed (404), encoded or not', async () => {
      const other = (await api.submit({ ...SMALL, analyses: ['tokens'] })).id;
      await api.awaitStatus(other, 'completed', { context: stack.logs });
      const files = [
        '../../../../etc/passwd',
        '%2e%2e/%2e%2e/%2e%2e/etc/passwd',
        '%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
        '..%2f..%2f..%2fetc%2fpasswd',
        '..%5c..%5c..%5cetc%5cpasswd',
        '%252e%252e%252fetc%252fpasswd',
        '/etc/passwd',
        '%2fetc%2fpasswd',
        `${stack.sweepDir(done.id)}/${listed()}`,
        `..%2f${other}%2f${listed()}`,
        `../${other}/${listed()}`,
        `${listed()}/../../../spec.json`,
        `${listed()}%00.png`,
        `./${listed()}`,
        `.%2f${listed()}`,
        'manifest.json',
        'spec.json',
      ];
      for (const file of files) {
        const answer = await api.rawGet(`/sweeps/${done.id}/files/${file}`);
        expect([400, 404], file).toContain(answer.status);
        expect(answer.text, file).not.toMatch(/root:/);
      }
      // the listed path itself is served
      expect((await api.rawGet(`/sweeps/${done.id}/files/${listed()}`)).status).toBe(200);
      figures.fileTraversal = files.length;
    });

    it('refuses symlinks planted in the sweep directory and listed in its manifest when they lead outside it', async () => {
      const { id } = await api.submit({ ...SMALL, analyses: ['tokens'] });
      await api.awaitStatus(id, 'completed', { context: stack.logs });
      const dir = stack.sweepDir(id);
      const manifest = await readManifest(dir);
      const part = manifest.files[0];
      const secret = path.join(stack.workspace.root, 'secret.txt');
      await writeFile(secret, 'root:x:0:0:secret\n');
      // a part that is a symlink to a file outside, a folder that links to /, a link to another sweep's part
      const planted = [
        { path: 'tokens/model=demo-a/format=plain/part-09999.parquet', target: secret },
        { path: 'escape/etc/passwd', link: 'escape', target: '/' },
        {
          path: 'tokens/model=demo-a/format=plain/part-09998.parquet',
          target: path.join(stack.sweepDir(done.id), listed()),
        },
        { path: 'plots/secret.txt', link: 'plots', target: stack.workspace.root },
      ];
      await mkdir(path.join(dir, 'tokens/model=demo-a/format=plain'), { recursive: true });
      for (const p of planted) await symlink(p.target, path.join(dir, p.link ?? p.path));
      const forged = {
        ...JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')),
        files: [
          ...manifest.files,
          ...planted.filter((p) => !p.path.startsWith('plots/')).map((p) => ({ ...part, path: p.path })),
        ],
        plots: ['plots/secret.txt'],
      };
      await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(forged));
      for (const file of planted.map((p) => p.path)) {
        const answer = await api.rawGet(`/sweeps/${id}/files/${file}`);
        expect([400, 404], file).toContain(answer.status);
        expect(answer.text, file).not.toMatch(/root:/);
      }
      // the genuine part still is served
      expect((await api.rawGet(`/sweeps/${id}/files/${part.path}`)).status).toBe(200);
      // and the Arrow stream of the analysis reads none of them: it refuses before streaming
      const data = await api.get(`/sweeps/${id}/data/tokens`);
      expect(data.status).toBe(404);
      expect(data.json.message).toMatch(
        /lists "tokens\/model=demo-a\/format=plain\/part-09999\.parquet", which is not a file inside its directory/,
      );
      expect(data.text).not.toMatch(/root:/);
    });

    it('takes a model only as a Hub id: paths are refused (400), and a bare name is looked up as a Hub id, not in the working directory', async () => {
      const paths = [
        '/abs/path',
        stack.modelsDir + '/demo-a',
        '../demo-a',
        './demo-a',
        '~/demo-a',
        'demo-a/../demo-b',
        'a/b/c',
        'C:\\models\\demo-a',
        'file:///etc/passwd',
        'https://huggingface.co/gpt2',
      ];
      for (const model of paths) {
        const answer = await api.request('POST', '/sweeps', { body: { ...SMALL, models: [model] } });
        expect(answer.status, model).toBe(400);
        expect(answer.json.message, model).toContainEqual(
          expect.stringMatching(/^models: .*the API accepts Hub ids only, never paths/),
        );
      }
      // `test` is a folder of the API's working directory: as a Hub id it is looked up under MODELS_DIR and the cache only
      const { id } = await api.submit({ ...SMALL, models: ['test'], analyses: ['tokens'] });
      const failed = await api.awaitStatus(id, 'failed', { context: stack.logs });
      expect(failed.error).toMatch(/model test: HF_HUB_OFFLINE=1 and the Hugging Face cache lacks /);
    });
  });

  describe('authentication with API_KEY', () => {
    const guarded = (): [string, string][] => [
      ['GET', '/sweeps'],
      ['POST', '/sweeps'],
      ['GET', `/sweeps/${done.id}`],
      ['DELETE', `/sweeps/${done.id}`],
      ['POST', `/sweeps/${done.id}/retry`],
      ['GET', `/sweeps/${done.id}/manifest`],
      ['GET', `/sweeps/${done.id}/files/${listed()}`],
      ['GET', `/sweeps/${done.id}/data/tokens`],
      ['GET', '/metrics'],
      ['GET', '/docs'],
      ['GET', '/docs/'],
      ['GET', '/docs-json'],
      ['GET', '/queues'],
      ['GET', '/queues/api/queues'],
      ['GET', '/no-such-route'],
      ['GET', '/health/../sweeps'],
      ['GET', '/health/ready/../../sweeps'],
      ['GET', '/HEALTH'],
      ['GET', '//sweeps'],
      ['GET', '/sweeps/'],
      ['GET', '/session/../sweeps'],
    ];
    const reads = (): string[] => [
      '/sweeps',
      `/sweeps/${done.id}`,
      `/sweeps/${done.id}/manifest`,
      `/sweeps/${done.id}/files/${listed()}`,
      `/sweeps/${done.id}/data/tokens`,
      '/metrics',
      '/docs',
      '/docs-json',
      '/queues',
    ];

    /** A request with the path sent exactly as written (fetch would resolve `..` before sending it). */
    function call(
      method: string,
      route: string,
      headers: Record<string, string> = {},
    ): Promise<{ status: number; header: (name: string) => string | undefined; text: string }> {
      const url = new URL(stack.services!.url);
      const body = method === 'POST' ? JSON.stringify(SMALL) : undefined;
      return new Promise((resolve, reject) => {
        const request = http.request(
          {
            host: url.hostname,
            port: url.port,
            method,
            path: route,
            headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
          },
          (response) => {
            let text = '';
            response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
            response.on('end', () =>
              resolve({
                status: response.statusCode ?? 0,
                header: (name) => response.headers[name] as string | undefined,
                text,
              }),
            );
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    }

    it('answers 401 without the key, or with a wrong one, on every route but health and the page shell', async () => {
      const wrongs: Record<string, string>[] = [
        {},
        { authorization: 'Bearer wrong' },
        { authorization: `Bearer ${API_KEY.toUpperCase()}` },
        { authorization: `Bearer ${API_KEY.slice(0, -1)}` },
        { authorization: `Bearer ${API_KEY}x` },
        { authorization: 'Bearer ' },
        { authorization: API_KEY },
        { authorization: `Basic ${Buffer.from(`user:${API_KEY}`).toString('base64')}` },
        { cookie: 'tokensweep_session=0000' },
        { cookie: `tokensweep_session=${API_KEY}` },
        { 'x-api-key': API_KEY },
      ];
      let refused = 0;
      for (const [method, route] of guarded()) {
        for (const headers of wrongs) {
          const answer = await call(method, route, headers);
          expect(answer.status, `${method} ${route} ${JSON.stringify(headers)}`).toBe(401);
          expect(answer.header('www-authenticate')).toBe('Bearer');
          expect(answer.text).not.toContain(done.id);
          refused++;
        }
      }
      figures.refusedWithoutKey = refused;
      // nothing was cancelled or retried by those attempts
      expect((await api.sweep(done.id)).status).toBe('completed');
    });

    it('leaves /health, /health/ready and the page shell (/, /assets/*) open, and the shell serves nothing else', async () => {
      for (const route of ['/health', '/health/ready', '/', '/assets/app.js', '/assets/style.css']) {
        expect((await call('GET', route)).status, route).toBe(200);
      }
      // the open /assets/ prefix leads nowhere else: the static handler refuses what is not a page file
      for (const route of [
        '/assets/../sweeps',
        '/assets/%2e%2e/sweeps',
        '/assets/..%2f..%2fpackage.json',
        `/assets/../../results/${done.id}/manifest.json`,
        '/assets/index.html/../../../etc/passwd',
      ]) {
        const answer = await call('GET', route);
        expect([401, 403, 404], route).toContain(answer.status);
        expect(answer.text, route).not.toMatch(/root:|"items"|"files"|tokensweep@|"dependencies"/);
      }
    });

    it('accepts Authorization: Bearer <key> on each route', async () => {
      for (const route of reads())
        expect((await call('GET', route, { authorization: `Bearer ${API_KEY}` })).status, route).toBe(200);
    });

    it('exchanges the key for an HttpOnly session cookie with POST /session, which opens each route; a wrong key gets none', async () => {
      const wrong = await fetch(`${stack.services!.url}/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key: 'nope' }),
      });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('set-cookie')).toBeNull();

      const login = await fetch(`${stack.services!.url}/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key: API_KEY }),
      });
      expect(login.status).toBe(204);
      const setCookie = login.headers.get('set-cookie')!;
      expect(setCookie).toMatch(/^tokensweep_session=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict$/);
      // the cookie is derived from the key, never the key itself
      expect(setCookie).not.toContain(API_KEY);
      const cookie = setCookie.split(';')[0];
      for (const route of reads()) expect((await call('GET', route, { cookie })).status, route).toBe(200);
      const submitted = await call('POST', '/sweeps', { cookie });
      expect(submitted.status).toBe(202);
      await api.awaitStatus(JSON.parse(submitted.text).id, 'completed', { context: stack.logs });
      // a cookie of another key opens nothing
      const other = cookie.replace(/=[0-9a-f]/, (m) => (m.endsWith('0') ? '=1' : '=0'));
      expect((await call('GET', '/sweeps', { cookie: other })).status).toBe(401);
    });
  });

  describe('rate limit per client', () => {
    let limited: SweepApi;
    let url: string;

    beforeAll(async () => {
      const started = await startApi({ ...stack.env, RATE_LIMIT_PER_MINUTE: '2' });
      extra.push(started.process);
      url = started.url;
      limited = new SweepApi(url, { authorization: `Bearer ${API_KEY}` });
    });

    async function submit(
      headers: Record<string, string>,
    ): Promise<{ status: number; retryAfter: string | null; message: string }> {
      const response = await fetch(`${url}/sweeps`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ ...SMALL, analyses: ['tokens'] }),
      });
      const body = (await response.json()) as { message?: string };
      return {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        message: String(body.message ?? ''),
      };
    }

    it('answers the third submission of a client within a minute with 429 and Retry-After; refused ones without the key do not count', async () => {
      const client = { 'x-forwarded-for': '203.0.113.7' };
      for (let i = 0; i < 5; i++) expect((await submit(client)).status).toBe(401);
      const bearer = { ...client, authorization: `Bearer ${API_KEY}` };
      const answers = [await submit(bearer), await submit(bearer), await submit(bearer)];
      expect(answers.map((a) => a.status)).toEqual([202, 202, 429]);
      expect(Number(answers[2].retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(answers[2].retryAfter)).toBeLessThanOrEqual(60);
      expect(answers[2].message).toMatch(/RATE_LIMIT_PER_MINUTE/);
      figures.retryAfterSeconds = Number(answers[2].retryAfter);
    });

    it('does not let the client escape it by varying the Authorization header (spaces, the session cookie)', async () => {
      const client = { 'x-forwarded-for': '203.0.113.7' };
      for (const authorization of [`Bearer  ${API_KEY}`, `Bearer ${API_KEY} `, `Bearer ${API_KEY}\t`]) {
        expect((await submit({ ...client, authorization })).status, JSON.stringify(authorization)).toBe(429);
      }
      const login = await fetch(`${url}/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key: API_KEY }),
      });
      const cookie = login.headers.get('set-cookie')!.split(';')[0];
      expect((await submit({ ...client, cookie })).status).toBe(429);
    });

    it('keeps other clients apart: another address still submits', async () => {
      const answer = await submit({ 'x-forwarded-for': '203.0.113.8', authorization: `Bearer ${API_KEY}` });
      expect(answer.status).toBe(202);
      // reads are not submissions
      expect((await limited.get('/sweeps')).status).toBe(200);
    });
  });

  describe('limits', () => {
    const refusal = async (body: Record<string, unknown>) => {
      const answer = await api.request('POST', '/sweeps', { body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      return answer.json.message as string[];
    };
    const accepted = async (body: Record<string, unknown>) => {
      const answer = await api.request('POST', '/sweeps', { body });
      expect(answer.status, `${JSON.stringify(body)}: ${answer.text}`).toBe(202);
      await api.awaitStatus(answer.json.id, 'completed', { timeoutMs: 60_000, context: stack.logs });
    };

    it('MAX_SWEEP_NUMBERS: up to the limit passes (duplicates counted once), one more is refused with the limit and the variable', async () => {
      await accepted({ ...SMALL, numbers: '1..5000', analyses: ['tokens'], chunkSize: 2500 });
      await accepted({
        ...SMALL,
        numbers: '1..5000, 1..5000:7, 2500',
        analyses: ['tokens'],
        chunkSize: 2500,
      });
      expect(await refusal({ ...SMALL, numbers: '1..5001', analyses: ['tokens'] })).toEqual([
        'numbers: the expression sweeps 5,001 numbers, over the limit of 5,000; narrow the range, or raise MAX_SWEEP_NUMBERS',
      ]);
      expect(
        await refusal({ ...SMALL, numbers: '-9007199254740991..9007199254740991', analyses: ['tokens'] }),
      ).toEqual([
        expect.stringMatching(
          /^numbers: .*over the limit of 5,000; narrow the range, or raise MAX_SWEEP_NUMBERS$/,
        ),
      ]);
    });

    it('MAX_MATRIX_NUMBERS: a cosine matrix of up to 100 numbers passes, of 101 is refused naming the variable; without the matrix 101 pass', async () => {
      await accepted({ ...SMALL, numbers: '1..100', tileSize: 50 });
      expect(await refusal({ ...SMALL, numbers: '1..101' })).toEqual([
        expect.stringMatching(
          /^analyses: cosine-matrix would compare 101 numbers, over the limit of 100; narrow the range, or raise MAX_MATRIX_NUMBERS$/,
        ),
      ]);
      expect(await refusal({ ...SMALL, tileSize: 101 })).toEqual([
        'tileSize: must be an integer from 1 to 100, got number 101',
      ]);
      await accepted({ ...SMALL, numbers: '1..101', analyses: ['tokens'] });
    });

    it('a worker with lower limits than the API refuses the chunk for good and the sweep fails with its reason', async () => {
      const [worker] = stack.services!.workers;
      expect(await worker.stop()).toEqual({ code: 0, signal: null });
      const strict = await startWorker(
        { ...stack.env, MAX_SWEEP_NUMBERS: '1000' },
        'worker with MAX_SWEEP_NUMBERS=1000',
      );
      extra.push(strict);
      const { id } = await api.submit({
        ...SMALL,
        numbers: '1..2000',
        analyses: ['tokens'],
        chunkSize: 1000,
      });
      const failed = await api.awaitStatus(id, 'failed', {
        timeoutMs: 30_000,
        context: () => `${stack.logs()}\n${strict.output.tail()}`,
      });
      expect(failed.error).toBe(
        `job data of sweep ${id}: numbers: the expression sweeps 2,000 numbers, over the limit of 1,000; narrow the range, or raise MAX_SWEEP_NUMBERS`,
      );
      const job = await Job.fromId(stack.queue('chunks'), `${id}-0`);
      expect(job?.attemptsMade ?? 1).toBe(1);
    });
  });
});
