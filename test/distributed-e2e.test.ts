import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { tableFromIPC } from '#arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODELS, DistributedStack } from './helpers/distributed-stack';
import { analysisTable, DuckDb } from './helpers/duckdb';
import { runCliOk } from './helpers/run-cli';
import { ServiceProcess, startApi } from './helpers/services';
import { SweepApi } from './helpers/sweep-api';
import type { ManifestFile } from '@tokensweep/analysis';

/**
 * The system as users run it: the API and two worker processes over a real redis-server, a sweep
 * submitted over HTTP, cut small so that both workers take chunks; its rows, summary and files must
 * be exactly those of the embedded `tokensweep run` of the same spec.
 */
const ANALYSES = ['tokens', 'sign-symmetry', 'successive-cosine', 'cosine-matrix'] as const;
const MODELS = Object.keys(DEMO_MODELS);
const FORMATS = ['plain', 'space'];
const SPEC = {
  models: MODELS,
  numbers: '-30..30, 95..105, 990..1000',
  formats: FORMATS,
  analyses: [...ANALYSES],
  chunkSize: 12,
  tileSize: 30,
};
// 83 numbers: 7 slices of 12 + 3×3 tiles of 30, for each of 2 models × 2 formats
const CHUNKS = 4 * (7 + 9);

describe('distributed sweep end to end', () => {
  let stack: DistributedStack;
  let db: DuckDb;
  let id: string;
  let sweepDir: string;
  let embeddedDir: string;
  let manifest: { status: string; files: ManifestFile[] };
  const restartedApis: ServiceProcess[] = [];
  let restartedUrl: string;
  const timings: Record<string, number> = {};

  DistributedStack.logsOnFailure(() => stack);

  beforeAll(async () => {
    let started = Date.now();
    stack = await DistributedStack.start({
      label: 'e2e',
      workers: 2,
      env: { WORKER_CONCURRENCY: '1', KEEP_COMPLETED_JOBS: '10000' },
    });
    timings.startMs = Date.now() - started;
    db = await DuckDb.open();

    started = Date.now();
    const created = await stack.api.submit(SPEC);
    expect(created).toEqual({ id: expect.any(String), status: 'queued', chunks: CHUNKS });
    id = created.id;
    await stack.api.awaitStatus(id, 'completed', { timeoutMs: 40_000, context: stack.logs });
    timings.distributedMs = Date.now() - started;
    sweepDir = stack.sweepDir(id);
    manifest = JSON.parse(await readFile(path.join(sweepDir, 'manifest.json'), 'utf8'));

    started = Date.now();
    embeddedDir = stack.workspace.out('embedded');
    const flags = [
      ...MODELS.flatMap((m) => ['--model', m]),
      '--numbers',
      SPEC.numbers,
      ...FORMATS.flatMap((f) => ['--format', f]),
      ...ANALYSES.flatMap((a) => ['--analysis', a]),
      '--chunk-size',
      String(SPEC.chunkSize),
      '--tile-size',
      String(SPEC.tileSize),
    ];
    await runCliOk(['run', ...flags, '--out', embeddedDir], {
      MODELS_DIR: stack.modelsDir,
      HF_HOME: stack.env.HF_HOME,
    });
    timings.embeddedMs = Date.now() - started;
  });

  afterAll(async () => {
    db?.close();
    await Promise.all(restartedApis.map((p) => p.stop()));
    await stack?.close();
    console.log(`e2e timings: ${JSON.stringify(timings)}`);
  });

  it('answers completed with every chunk done', async () => {
    const sweep = await stack.api.sweep(id);
    expect(sweep).toMatchObject({
      status: 'completed',
      progress: { done: CHUNKS, total: CHUNKS },
      error: null,
    });
    expect(manifest.status).toBe('completed');
  });

  it('had both workers process chunks (processedBy of the completed jobs)', async () => {
    const jobs = await stack.queue('chunks').getJobs(['completed'], 0, -1);
    const byWorker = new Map<string, number>();
    for (const job of jobs.filter((j) => j.id!.startsWith(`${id}-`))) {
      byWorker.set(job.processedBy ?? '?', (byWorker.get(job.processedBy ?? '?') ?? 0) + 1);
    }
    const names = stack.services!.workers.map((w) => expect.stringMatching(new RegExp(`-${w.pid}$`)));
    expect([...byWorker.keys()].sort()).toEqual(expect.arrayContaining(names));
    expect(byWorker.size).toBe(2);
    expect([...byWorker.values()].reduce((a, b) => a + b)).toBe(CHUNKS);
    timings.chunksPerWorker = Math.min(...byWorker.values());
    console.log(`chunks per worker: ${JSON.stringify(Object.fromEntries(byWorker))}`);
  });

  it.each(ANALYSES)(
    '%s: exactly the rows of the embedded run (model and format included)',
    async (analysis) => {
      const distributed = analysisTable(sweepDir, analysis);
      const embedded = analysisTable(embeddedDir, analysis);
      const count = async (sql: string) => Number(await db.value(`select count(*) from (${sql})`));
      const rows = await count(`select * from ${embedded}`);
      expect(rows).toBeGreaterThan(0);
      expect(await count(`select * from ${distributed}`)).toBe(rows);
      expect(await count(`select * from ${distributed} except all select * from ${embedded}`)).toBe(0);
      expect(await count(`select * from ${embedded} except all select * from ${distributed}`)).toBe(0);
      const partitions = await db.rows(`select distinct model, format from ${distributed} order by all`);
      expect(partitions).toEqual(MODELS.flatMap((model) => FORMATS.map((format) => ({ model, format }))));
    },
  );

  it('writes the same summary.json as the embedded run', async () => {
    const distributed = await readFile(path.join(sweepDir, 'summary.json'), 'utf8');
    const embedded = await readFile(path.join(embeddedDir, 'summary.json'), 'utf8');
    expect(JSON.parse(distributed)).toEqual(JSON.parse(embedded));
    expect(distributed).toBe(embedded);
  });

  it.each(ANALYSES)('GET /data/%s streams as many rows as the manifest lists', async (analysis) => {
    const answer = await stack.api.get(`/sweeps/${id}/data/${analysis}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/vnd\.apache\.arrow\.stream/);
    const table = tableFromIPC(answer.bytes);
    const listed = manifest.files.filter((f) => f.analysis === analysis);
    expect(table.numRows).toBe(listed.reduce((sum, f) => sum + f.rows, 0));
    expect(table.schema.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['model', 'format']));
    const filtered = tableFromIPC(
      (await stack.api.get(`/sweeps/${id}/data/${analysis}?model=demo-b&format=space`)).bytes,
    );
    const wanted = listed.filter((f) => f.model === 'demo-b' && f.format === 'space');
    expect(filtered.numRows).toBe(wanted.reduce((sum, f) => sum + f.rows, 0));
    expect(new Set(filtered.getChild('model')!.toArray())).toEqual(new Set(['demo-b']));
  });

  it('tokensweep fetch reproduces the sweep directory byte for byte', async () => {
    const out = stack.workspace.out('fetched');
    await runCliOk(['fetch', id, '--out', out, '--api', stack.services!.url]);
    const files = [...manifest.files.map((f) => f.path), 'manifest.json', 'summary.json', 'spec.json'];
    expect(manifest.files.length).toBeGreaterThanOrEqual(CHUNKS);
    for (const file of files) {
      const fetched = await readFile(path.join(out, file));
      const original = await readFile(path.join(sweepDir, file));
      expect(fetched.equals(original), `${file} differs`).toBe(true);
    }
  });

  it('loses nothing when the API restarts: a new API process answers for the sweep', async () => {
    const exit = await stack.services!.api.stop();
    expect(exit.signal ?? exit.code).toBeTruthy();
    const started = await startApi(stack.env);
    restartedApis.push(started.process);
    restartedUrl = started.url;
    const api = new SweepApi(started.url);
    expect(await api.sweep(id)).toMatchObject({
      status: 'completed',
      progress: { done: CHUNKS, total: CHUNKS },
    });
    expect((await api.get(`/sweeps/${id}/manifest`)).json).toEqual(manifest);
  });

  it('finishes a sweep on the other worker when one is stopped with SIGTERM mid-sweep (it exits 0)', async () => {
    const api = new SweepApi(restartedUrl);
    const { id: second } = await api.submit(SPEC);
    await api.awaitSweep(second, (s) => s.progress.done >= 1, { what: 'started', context: stack.logs });
    const [leaving, staying] = stack.services!.workers;
    expect(await leaving.stop()).toEqual({ code: 0, signal: null });
    await api.awaitStatus(second, 'completed', { timeoutMs: 40_000, context: stack.logs });
    expect(leaving.output.text()).toMatch(/SIGTERM: no new jobs/);
    // its running chunk finished on its threads: no attempt failed, nothing had to be handed back
    expect(leaving.output.text()).not.toMatch(/failed \(attempt|handed back/);
    expect(staying.exited).toBe(false);
    const count = async (sql: string) => Number(await db.value(`select count(*) from (${sql})`));
    for (const analysis of ANALYSES) {
      const a = analysisTable(stack.sweepDir(second), analysis);
      const b = analysisTable(embeddedDir, analysis);
      expect(await count(`select * from ${a} except all select * from ${b}`), analysis).toBe(0);
      expect(await count(`select * from ${b} except all select * from ${a}`), analysis).toBe(0);
    }
  });
});
