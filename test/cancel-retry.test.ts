import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Job, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { writeDemoModel } from '@tokensweep/analysis/demo/demo-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DistributedStack } from './helpers/distributed-stack';
import { analysisTable, DuckDb } from './helpers/duckdb';
import { runCli, runCliOk } from './helpers/run-cli';
import { ServiceProcess, startApi } from './helpers/services';
import { SweepView } from './helpers/sweep-api';

/**
 * Cancelling a running sweep stops it for good (only the chunk running at that moment still finishes);
 * retrying it runs only what is missing, and the result is every row exactly once, as the embedded
 * run has it. One worker taking one chunk at a time, so that the cancel lands in the middle.
 */
const ANALYSES = ['tokens', 'sign-symmetry', 'successive-cosine', 'cosine-matrix'];
const SPEC = {
  models: ['demo-a'],
  numbers: '-40..40',
  formats: ['plain', 'space'],
  analyses: ANALYSES,
  chunkSize: 3,
  tileSize: 20,
};
// 81 numbers: 27 slices of 3 + 5×5 tiles of 20, for each of 2 formats
const CHUNKS = 2 * (27 + 25);
const API_KEY = 'cli-key-abcdef';

describe('cancel and retry', () => {
  let stack: DistributedStack;
  let events: QueueEvents;
  let eventsConnection: Redis;
  let db: DuckDb;
  let id: string;
  /** When the DELETE was sent, and when its answer came back. */
  let cancel: { asked: number; answered: number };
  let atCancel: {
    sweep: SweepView;
    parts: string[];
    manifest: { status: string; files: { path: string }[] };
  };

  DistributedStack.logsOnFailure(() => stack);

  beforeAll(async () => {
    stack = await DistributedStack.start({
      label: 'cancel',
      workers: 1,
      env: { WORKER_CONCURRENCY: '1', KEEP_COMPLETED_JOBS: '10000' },
    });
    eventsConnection = new Redis(stack.redis!.url, { maxRetriesPerRequest: null });
    events = new QueueEvents('chunks', { connection: eventsConnection, prefix: stack.prefix });
    await events.waitUntilReady();
    db = await DuckDb.open();
  });

  afterAll(async () => {
    db?.close();
    await events?.close();
    eventsConnection?.disconnect();
    await stack?.close();
  });

  /** Part files on disk under the sweep directory, relative, sorted. */
  async function partsOnDisk(sweepId: string): Promise<string[]> {
    const entries = await readdir(stack.sweepDir(sweepId), { recursive: true });
    return entries.filter((e) => e.endsWith('.parquet')).sort();
  }

  /** Awaits the chunks queue holding no job that a worker could still take or is running. */
  async function awaitQueueIdle(): Promise<void> {
    const queue = stack.queue('chunks');
    const deadline = Date.now() + 15_000;
    for (;;) {
      const counts = await queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized');
      if (Object.values(counts).every((n) => n === 0)) return;
      if (Date.now() > deadline)
        throw new Error(`chunks queue still busy: ${JSON.stringify(counts)}\n${stack.logs()}`);
      await delay(50);
    }
  }

  it('cancelling a running sweep leaves it cancelled, with a manifest of the finished parts only', async () => {
    const firstChunkDone = new Promise<void>((resolve) => {
      const listener = ({ jobId }: { jobId: string }) => {
        if (!jobId.startsWith(`${id}-`)) return;
        events.off('completed', listener);
        resolve();
      };
      events.on('completed', listener);
    });
    id = (await stack.api.submit(SPEC)).id;
    await firstChunkDone;

    const asked = Date.now();
    const answer = await stack.api.request('DELETE', `/sweeps/${id}`);
    cancel = { asked, answered: Date.now() };
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ id, status: 'cancelled', finishedAt: expect.any(String) });

    // the chunk that was running when the cancel came may still finish; nothing after it
    await awaitQueueIdle();
    const sweep = await stack.api.sweep(id);
    expect(sweep.status).toBe('cancelled');
    expect(sweep.progress.done).toBeGreaterThanOrEqual(1);
    expect(sweep.progress.done).toBeLessThan(CHUNKS / 2);
    const manifest = (await stack.api.get(`/sweeps/${id}/manifest`)).json;
    expect(manifest.status).toBe('cancelled');
    const parts = await partsOnDisk(id);
    expect(manifest.files.map((f: { path: string }) => f.path).sort()).toEqual(parts);
    expect(parts.length).toBeGreaterThan(0);
    atCancel = { sweep, parts, manifest };
    console.log(`cancelled after ${sweep.progress.done} of ${CHUNKS} chunks (${parts.length} parts)`);
  });

  it('processes no chunk of the cancelled sweep afterwards', async () => {
    // no job of it is left to take
    const queue = stack.queue('chunks');
    const pending = await queue.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'waiting-children']);
    expect(pending.filter((j) => j.id!.startsWith(`${id}-`))).toEqual([]);
    // every chunk that did work had started by the time the cancel was answered (one at a time, so at
    // most one of them while it was being handled); the others were removed, or skipped if already taken
    const completed = (await queue.getJobs(['completed'], 0, -1)).filter((j) => j.id!.startsWith(`${id}-`));
    const worked = completed.filter((j: Job) => !(j.returnvalue as { skipped?: string })?.skipped);
    expect(worked.length).toBe(atCancel.sweep.progress.done);
    for (const job of worked) expect(job.processedOn!, `job ${job.id}`).toBeLessThanOrEqual(cancel.answered);
    expect(worked.filter((job) => job.processedOn! > cancel.asked).length).toBeLessThanOrEqual(1);

    // a later sweep runs to the end on the same (only) worker; the cancelled one has not moved meanwhile
    const later = await stack.api.submit({ ...SPEC, numbers: '1..3', analyses: ['tokens'] });
    await stack.api.awaitStatus(later.id, 'completed', { context: stack.logs });
    expect(await stack.api.sweep(id)).toMatchObject({
      status: 'cancelled',
      progress: atCancel.sweep.progress,
    });
    expect(await partsOnDisk(id)).toEqual(atCancel.parts);
  });

  it('refuses to cancel the cancelled sweep again (409)', async () => {
    const answer = await stack.api.request('DELETE', `/sweeps/${id}`);
    expect(answer.status).toBe(409);
    expect(answer.json.message).toMatch(/already cancelled/);
  });

  it('retrying re-enqueues only the unfinished chunks and completes with every row exactly once', async () => {
    const answer = await stack.api.request('POST', `/sweeps/${id}/retry`);
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({ id, status: 'queued', chunks: CHUNKS - atCancel.sweep.progress.done });
    const sweep = await stack.api.awaitStatus(id, 'completed', { context: stack.logs });
    expect(sweep.progress).toMatchObject({ done: CHUNKS, total: CHUNKS });
    expect(sweep.error).toBeNull();

    const dir = stack.sweepDir(id);
    const tokens = analysisTable(dir, 'tokens');
    const perPartition = await db.rows<{ model: string; format: string; n: bigint; distinct_n: bigint }>(
      `select model, format, count(*) as n, count(distinct number) as distinct_n from ${tokens} group by all order by all`,
    );
    expect(perPartition.map((r) => ({ ...r, n: Number(r.n), distinct_n: Number(r.distinct_n) }))).toEqual(
      SPEC.formats.map((format) => ({ model: 'demo-a', format, n: 81, distinct_n: 81 })),
    );
    const matrix = analysisTable(dir, 'cosine-matrix');
    expect(Number(await db.value(`select count(*) from ${matrix}`))).toBe(
      Number(await db.value(`select count(*) from (select distinct format, row, col from ${matrix})`)),
    );
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.status).toBe('completed');
    expect(manifest.files.map((f: { path: string }) => f.path).sort()).toEqual(await partsOnDisk(id));
    expect(new Set(manifest.files.map((f: { path: string }) => f.path)).size).toBe(manifest.files.length);
    for (const part of atCancel.parts)
      expect(manifest.files.map((f: { path: string }) => f.path)).toContain(part);
  });

  it('the retried sweep has exactly the rows of an embedded run', async () => {
    const out = stack.workspace.out('embedded');
    await runCliOk(
      [
        'run',
        '--model',
        'demo-a',
        '--numbers',
        SPEC.numbers,
        ...SPEC.formats.flatMap((f) => ['--format', f]),
        ...ANALYSES.flatMap((a) => ['--analysis', a]),
        // the same tiles: ONNX Runtime's float32 matmul may round differently for other tile shapes
        '--chunk-size',
        String(SPEC.chunkSize),
        '--tile-size',
        String(SPEC.tileSize),
        '--out',
        out,
      ],
      { MODELS_DIR: stack.modelsDir, HF_HOME: stack.env.HF_HOME },
    );
    const count = async (sql: string) => Number(await db.value(`select count(*) from (${sql})`));
    for (const analysis of ANALYSES) {
      const a = analysisTable(stack.sweepDir(id), analysis);
      const b = analysisTable(out, analysis);
      expect(await count(`select * from ${b}`), analysis).toBeGreaterThan(0);
      expect(await count(`select * from ${a} except all select * from ${b}`), analysis).toBe(0);
      expect(await count(`select * from ${b} except all select * from ${a}`), analysis).toBe(0);
    }
    const summary = async (dir: string) => JSON.parse(await readFile(path.join(dir, 'summary.json'), 'utf8'));
    expect(await summary(stack.sweepDir(id))).toEqual(await summary(out));
  });

  it('refuses to retry or cancel a completed sweep (409), and purges it with ?purge=true', async () => {
    const retry = await stack.api.request('POST', `/sweeps/${id}/retry`);
    expect(retry.status).toBe(409);
    expect(retry.json).toMatchObject({
      statusCode: 409,
      error: 'Conflict',
      message: expect.stringMatching(/completed/),
    });
    expect((await stack.api.request('DELETE', `/sweeps/${id}`)).status).toBe(409);

    expect(existsSync(stack.sweepDir(id))).toBe(true);
    const purge = await stack.api.request('DELETE', `/sweeps/${id}?purge=true`);
    expect(purge.status).toBe(200);
    expect(existsSync(stack.sweepDir(id))).toBe(false);
    expect((await stack.api.get(`/sweeps/${id}`)).status).toBe(404);
    expect((await stack.api.get(`/sweeps/${id}/manifest`)).status).toBe(404);
  });

  it('a sweep over a model MODELS_DIR lacks fails at once naming it; once the model is there, retry completes it', async () => {
    const spec = {
      models: ['demo-late'],
      numbers: '-10..10',
      analyses: ['tokens', 'successive-cosine'],
      chunkSize: 7,
    };
    const { id: lateId, chunks } = await stack.api.submit(spec);
    const failed = await stack.api.awaitSweep(lateId, (s) => s.status === 'failed', {
      what: 'failed',
      context: stack.logs,
    });
    expect(failed.error).toMatch(/demo-late/);
    expect(failed.progress.done).toBe(0);
    const manifest = (await stack.api.get(`/sweeps/${lateId}/manifest`)).json;
    expect(manifest).toMatchObject({ status: 'failed', error: failed.error, files: [] });
    // refused for good, not retried with backoff: one attempt per chunk that ran
    const failedJobs = (await stack.queue('chunks').getJobs(['failed'], 0, -1)).filter((j) =>
      j.id!.startsWith(`${lateId}-`),
    );
    expect(failedJobs.length).toBeGreaterThanOrEqual(1);
    for (const job of failedJobs) expect(job.attemptsMade).toBe(1);

    await writeDemoModel(path.join(stack.modelsDir, 'demo-late'), { seed: 33 });
    const retry = await stack.api.request('POST', `/sweeps/${lateId}/retry`);
    expect(retry.status).toBe(202);
    expect(retry.json.chunks).toBe(chunks);
    const completed = await stack.api.awaitStatus(lateId, 'completed', { context: stack.logs });
    expect(completed).toMatchObject({ error: null, progress: { done: chunks, total: chunks } });
  });

  it('cancels a sweep of 3,000 queued chunks in one request: every job of it removed, its parent too', async () => {
    const chunks = stack.queue('chunks');
    await chunks.pause();
    try {
      const big = await stack.api.submit({
        models: ['demo-a'],
        numbers: '0..2999',
        analyses: ['tokens'],
        chunkSize: 1,
      });
      expect(big.chunks).toBe(3000);
      // chunks wait as prioritized jobs (sweeps share the workers by priority)
      const pending = await chunks.getJobCounts('waiting', 'prioritized');
      expect(pending.waiting + pending.prioritized).toBeGreaterThanOrEqual(3000);
      expect((await stack.api.request('DELETE', `/sweeps/${big.id}`)).status).toBe(200);
      const left = await chunks.getJobs(
        ['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed'],
        0,
        -1,
      );
      expect(left.filter((j) => j.id!.startsWith(`${big.id}-`))).toEqual([]);
      const parents = await stack
        .queue('finalize')
        .getJobs(['waiting-children', 'waiting', 'delayed'], 0, -1);
      expect(parents.filter((j) => j.id!.startsWith(`${big.id}-`))).toEqual([]);
      expect(await stack.api.sweep(big.id)).toMatchObject({
        status: 'cancelled',
        progress: { done: 0, total: 3000 },
      });
    } finally {
      await chunks.resume();
    }
  });

  describe('the CLI against the running API', () => {
    const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, env);

    it('submit prints the id, status follows it to completed (exit 0), list shows it, fetch writes it', async () => {
      const submitted = await cli([
        'submit',
        '--api',
        stack.services!.url,
        '--model',
        'demo-b',
        '--numbers',
        '-20..20',
        '--format',
        'space',
        '--chunk-size',
        '10',
      ]);
      expect(submitted.code, submitted.stderr).toBe(0);
      const sweepId = submitted.stdout.trim();
      expect(sweepId).toMatch(/^\S+$/);
      expect((await stack.api.sweep(sweepId)).spec).toMatchObject({
        models: ['demo-b'],
        numbers: '-20..20',
        formats: ['space'],
      });

      const status = await cli(['status', sweepId], { TOKENSWEEP_API: stack.services!.url });
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toMatch(new RegExp(`^${sweepId}\\s+completed\\s+(\\d+)/\\1 chunks`));

      const list = await cli(['list', '--api', stack.services!.url, '--limit', '3']);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout.split('\n')[0]).toMatch(new RegExp(`^${sweepId}\\s+completed`));

      const out = stack.workspace.out('cli-fetch');
      const fetched = await cli(['fetch', sweepId, '--api', stack.services!.url, '--out', out]);
      expect(fetched.code, fetched.stderr).toBe(0);
      const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8'));
      expect(manifest).toMatchObject({ id: sweepId, status: 'completed' });
      for (const file of manifest.files) expect(existsSync(path.join(out, file.path)), file.path).toBe(true);
      // fetch refuses a non-empty --out without --force
      const again = await cli(['fetch', sweepId, '--api', stack.services!.url, '--out', out]);
      expect(again.code, again.stderr).toBe(2);
      expect(again.stderr).toMatch(/--force/);
    });

    /** Runs `body` with the chunks queue paused, so that a sweep submitted meanwhile stays queued. */
    async function whilePaused(body: () => Promise<void>): Promise<void> {
      const queue = stack.queue('chunks');
      await queue.pause();
      try {
        await body();
      } finally {
        await queue.resume();
      }
    }

    it('cancel cancels a sweep, and status then exits 1; cancel --purge removes it', async () => {
      let sweepId = '';
      await whilePaused(async () => {
        const submitted = await runCliOk(
          ['submit', '--model', 'demo-a', '--numbers', '-20..20', '--analysis', 'tokens'],
          {
            TOKENSWEEP_API: stack.services!.url,
          },
        );
        sweepId = submitted.stdout.trim();
        const cancelled = await cli(['cancel', sweepId, '--api', stack.services!.url]);
        expect(cancelled.code, cancelled.stderr).toBe(0);
        expect(cancelled.stdout).toMatch(new RegExp(`^${sweepId}\\s+cancelled`));
      });

      const waited = await cli(['status', sweepId, '--api', stack.services!.url]);
      expect(waited.code, waited.stderr).toBe(1);
      expect(waited.stdout).toMatch(new RegExp(`^${sweepId}\\s+cancelled\\s+0/1 chunks`));
      const once = await cli(['status', sweepId, '--no-wait', '--api', stack.services!.url]);
      expect(once.code, once.stderr).toBe(1);

      const purged = await cli(['cancel', sweepId, '--purge', '--api', stack.services!.url]);
      expect(purged.code, purged.stderr).toBe(0);
      expect(existsSync(stack.sweepDir(sweepId))).toBe(false);
      expect((await stack.api.get(`/sweeps/${sweepId}`)).status).toBe(404);
      // cancelling it once more: there is nothing left to cancel
      const gone = await cli(['cancel', sweepId, '--api', stack.services!.url]);
      expect(gone.code, gone.stderr).toBe(2);
      expect(gone.stderr).toMatch(/HTTP 404/);
    });

    it('status --no-wait prints one line and exits 0 for a sweep not yet finished', async () => {
      await whilePaused(async () => {
        const { id: sweepId, chunks } = await stack.api.submit({ ...SPEC, analyses: ['tokens'] });
        const once = await cli(['status', sweepId, '--no-wait', '--api', stack.services!.url]);
        expect(once.code, once.stderr).toBe(0);
        expect(once.stdout.trim().split('\n')).toHaveLength(1);
        expect(once.stdout).toMatch(new RegExp(`^${sweepId}\\s+queued\\s+0/${chunks} chunks`));
        expect((await stack.api.request('DELETE', `/sweeps/${sweepId}`)).status).toBe(200);
      });
    });

    it('submit --priority sends it beside the spec; status shows it with the queue; a bad one exits 2', async () => {
      await whilePaused(async () => {
        const args = ['submit', '--api', stack.services!.url, '--model', 'demo-a', '--numbers', '0..9'];
        const submitted = await runCliOk([...args, '--analysis', 'tokens', '--priority', 'high']);
        const sweepId = submitted.stdout.trim();
        const sweep = await stack.api.sweep(sweepId);
        expect(sweep.priority).toBe('high');
        expect(sweep.spec).not.toHaveProperty('priority');
        const once = await cli(['status', sweepId, '--no-wait', '--api', stack.services!.url]);
        expect(once.stdout).toMatch(
          new RegExp(`^${sweepId}\\s+queued\\s+0/1 chunks, 0 running, 1 queued, priority high$`, 'm'),
        );
        expect((await stack.api.request('DELETE', `/sweeps/${sweepId}`)).status).toBe(200);
      });
      const bad = await cli(['submit', '--api', stack.services!.url, '--priority', 'urgent']);
      expect(bad.code, bad.stderr).toBe(2);
      expect(bad.stderr).toMatch(/--priority: unknown priority "urgent"; expected one of low, normal, high/);
    });

    it('exits 2 with the API’s own message for a bad spec, an unknown id, or no API at all', async () => {
      const bad = await cli([
        'submit',
        '--api',
        stack.services!.url,
        '--model',
        'demo-a',
        '--numbers',
        '5..1',
      ]);
      expect(bad.code, bad.stderr).toBe(2);
      expect(bad.stderr).toMatch(/HTTP 400: numbers: /);
      const unknown = await cli(['status', '20200101-000000000-abcdef', '--api', stack.services!.url]);
      expect(unknown.code, unknown.stderr).toBe(2);
      expect(unknown.stderr).toMatch(/HTTP 404/);
      const nowhere = await cli(['list']);
      expect(nowhere.code, nowhere.stderr).toBe(2);
      expect(nowhere.stderr).toMatch(/--api URL or set TOKENSWEEP_API/);
    });

    it('sends the key from --api-key or TOKENSWEEP_API_KEY to an API that wants one', async () => {
      let keyed: ServiceProcess | undefined;
      try {
        const started = await startApi({ ...stack.env, API_KEY });
        keyed = started.process;
        const without = await cli(['list', '--api', started.url]);
        expect(without.code, without.stderr).toBe(2);
        expect(without.stderr).toMatch(/HTTP 401/);
        const flag = await cli(['list', '--api', started.url, '--api-key', API_KEY]);
        expect(flag.code, flag.stderr).toBe(0);
        const env = await cli(['list'], { TOKENSWEEP_API: started.url, TOKENSWEEP_API_KEY: API_KEY });
        expect(env.code, env.stderr).toBe(0);
        expect(env.stdout).toBe(flag.stdout);
      } finally {
        await keyed?.stop();
      }
    });
  });
});
