import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DistributedStack } from './helpers/distributed-stack';
import { filesUnder, pollUntil, readManifest } from './helpers/faults';
import { writeMatrixModel } from './helpers/matrix-models';
import { ServiceProcess, startWorker } from './helpers/services';
import { SweepView } from './helpers/sweep-api';
import { TEST_MODELS } from './helpers/test-model';

/**
 * Chunks that cannot succeed. A part that cannot be written is a failure retrying might cure (a full
 * disk, a glitch of a network file system): the chunk is retried with exponential backoff from 1 s,
 * and after CHUNK_ATTEMPTS the sweep fails with the chunk's message, which names the path; no partial
 * file stays behind. A model that cannot be loaded will not load on a retry either: the sweep fails at
 * once, naming the model and what to do, without burning attempts. (Tests run as root, for whom
 * `chmod 000` changes nothing: the write is broken by a plain file where a folder must go, or by a
 * file-size limit on the worker process.)
 */
const ATTEMPTS = 3;

describe('chunks that fail', { timeout: 120_000 }, () => {
  let stack: DistributedStack;
  let chunks: Queue;
  const workers: { stop: () => Promise<unknown>; output: { tail: (n?: number) => string } }[] = [];
  const figures: Record<string, unknown> = {};

  DistributedStack.logsOnFailure(() => stack);

  beforeAll(async () => {
    stack = await DistributedStack.start({
      label: 'failures',
      workers: 0,
      env: {
        WORKER_CONCURRENCY: '1',
        CHUNK_ATTEMPTS: String(ATTEMPTS),
        KEEP_FAILED_JOBS: '10000',
        RATE_LIMIT_PER_MINUTE: '0',
      },
    });
    chunks = stack.queue('chunks');
  }, 120_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await stack?.close();
    console.log(`chunk failure figures: ${JSON.stringify(figures)}`);
  });

  const logs = () => [stack.logs(), ...workers.map((w) => w.output.tail(30))].join('\n');

  async function normalWorker(): Promise<ServiceProcess> {
    const worker = await startWorker(stack.env, `worker ${workers.length + 1}`);
    workers.push(worker);
    return worker;
  }

  /** Submits `spec` with the chunks queue paused, runs `prepare(id)`, then lets the workers go. */
  async function submitPaused(
    spec: Record<string, unknown>,
    prepare: (id: string) => Promise<void>,
  ): Promise<{ id: string; resumedAt: number }> {
    await chunks.pause();
    try {
      const { id } = await stack.api.submit(spec);
      await prepare(id);
      return { id, resumedAt: Date.now() };
    } finally {
      await chunks.resume();
    }
  }

  function awaitFailed(id: string, timeoutMs = 60_000): Promise<SweepView> {
    return stack.api.awaitStatus(id, 'failed', { timeoutMs, context: logs });
  }

  async function failedJobs(id: string): Promise<Job[]> {
    return (await chunks.getJobs(['failed'], 0, -1)).filter((j) => j.id!.startsWith(`${id}-`));
  }

  /** Awaits the worker's log of each failed attempt of `jobId` in turn; returns when each was seen. */
  async function attemptTimes(
    worker: { output: ServiceProcess['output'] },
    jobId: string,
  ): Promise<number[]> {
    const times: number[] = [];
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      await worker.output.waitFor(new RegExp(`chunks job ${jobId} failed \\(attempt ${attempt}\\)`), 30_000);
      times.push(Date.now());
    }
    return times;
  }

  /** The chunk failed CHUNK_ATTEMPTS times, with exponential backoff between attempts (1 s, then 2 s). */
  function expectBackoff(times: number[]): number[] {
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    // the delays are 1 s and 2 s; a line may be seen a little late, never early (allow timer slack)
    expect(gaps[0]).toBeGreaterThanOrEqual(900);
    expect(gaps[1]).toBeGreaterThanOrEqual(1_900);
    return gaps;
  }

  describe('a part that cannot be written', () => {
    const SPEC = {
      models: ['demo-a'],
      numbers: '0..9999',
      formats: ['plain'],
      analyses: ['tokens'],
      chunkSize: 10_000,
    };
    const PART = 'tokens/model=demo-a/format=plain/part-00000.parquet';

    it('a plain file where the partition folder must go: retried with backoff, then the sweep fails naming the path', async () => {
      const worker = await normalWorker();
      const { id } = await submitPaused(SPEC, async (sweepId) => {
        await mkdir(path.join(stack.sweepDir(sweepId), 'tokens'), { recursive: true });
        await writeFile(
          path.join(stack.sweepDir(sweepId), 'tokens', 'model=demo-a'),
          'a file, not a folder\n',
        );
      });
      const times = await attemptTimes(worker, `${id}-0`);
      const sweep = await awaitFailed(id);
      const target = path.join(stack.sweepDir(id), PART);
      expect(sweep.error).toContain(`cannot write ${target}`);
      expect(sweep.error).toMatch(
        /^chunk 0 \(numbers 0\.\.9999 of the sweep, model demo-a, format plain\) failed: cannot write .*: (ENOTDIR|EEXIST)/,
      );
      const [job] = await failedJobs(id);
      expect(job.attemptsMade).toBe(ATTEMPTS);
      expect(job.failedReason).toBe(sweep.error);
      const gaps = expectBackoff(times);

      // the failed sweep has a manifest with its message and no parts, and no partial file anywhere
      const manifest = await readManifest(stack.sweepDir(id));
      expect(manifest).toMatchObject({ status: 'failed', error: sweep.error, files: [] });
      expect(await filesUnder(stack.sweepDir(id))).toEqual([
        'manifest.json',
        'spec.json',
        'summary.json',
        'tokens/model=demo-a',
      ]);
      figures.folderIsAFile = { attempts: job.attemptsMade, gapsMs: gaps };
      await worker.stop();
      workers.splice(workers.indexOf(worker), 1);
    });

    it('a worker under a file-size limit (ulimit -f): the write fails midway, the partial temp file is removed, the sweep fails naming the path', async () => {
      // 16 KiB: the manifest and summary fit, a part of 10,000 numbers (about 50 KB) does not
      const worker = await startWorker(stack.env, 'worker under ulimit -f 16', "trap '' XFSZ; ulimit -f 16");
      workers.push(worker);
      const { id } = await submitPaused(SPEC, async () => undefined);
      const times = await attemptTimes(worker, `${id}-0`);
      const sweep = await awaitFailed(id);
      const target = path.join(stack.sweepDir(id), PART);
      expect(sweep.error).toContain(`cannot write ${target}: EFBIG`);
      const [job] = await failedJobs(id);
      expect(job.attemptsMade).toBe(ATTEMPTS);
      const gaps = expectBackoff(times);
      const manifest = await readManifest(stack.sweepDir(id));
      expect(manifest).toMatchObject({ status: 'failed', error: sweep.error, files: [] });
      // the part's folders were made, but neither the part nor its 16 KiB temporary copy is left
      expect(await filesUnder(stack.sweepDir(id))).toEqual(['manifest.json', 'spec.json', 'summary.json']);
      figures.fileSizeLimit = { attempts: job.attemptsMade, gapsMs: gaps };
      await worker.stop();
      workers.splice(workers.indexOf(worker), 1);
    });
  });

  describe('a model that cannot be loaded', () => {
    beforeAll(async () => {
      await TEST_MODELS.noEmbedding.build(path.join(stack.modelsDir, 'no-embedding'));
      await TEST_MODELS.tokenizerOnly.build(path.join(stack.modelsDir, 'tokenizer-only'));
      await writeMatrixModel(stack.modelsDir, 'llama3', { withoutOutput: true });
      await normalWorker();
    });

    const CASES: [string, string, string[], RegExp, Record<string, unknown>?][] = [
      [
        'a Hub id neither in MODELS_DIR nor in the cache, offline',
        'acme/not-here',
        ['tokens'],
        /model acme\/not-here: HF_HUB_OFFLINE=1 and the Hugging Face cache lacks tokenizer\.json.*download it once online, or unset HF_HUB_OFFLINE/,
      ],
      [
        'a model whose safetensors hold no embedding tensor, for a cosine',
        'no-embedding',
        ['tokens', 'successive-cosine'],
        /model no-embedding: .*model\.safetensors holds no token-embedding tensor \(found ln_f\.weight\); expected e\.g\. wte\.weight/,
      ],
      [
        'a model with a tokenizer only, for a cosine',
        'tokenizer-only',
        ['successive-cosine'],
        /model tokenizer-only: MODELS_DIR \(.*\) lacks model\.safetensors \(successive-cosine, cosine-matrix, fourier, pca and neighbors need the embedding matrix\)/,
      ],
      [
        'an untied model without its output matrix, for matrix output',
        'llama3-bf16-no-head',
        ['neighbors'],
        /model llama3-bf16-no-head: the output matrix is not tied .*tie_word_embeddings false.*lm_head\.weight, embed_out\.weight/,
        { matrix: 'output' },
      ],
    ];
    it.each(CASES)(
      '%s: the sweep fails at once with the model and what to do, one attempt per chunk',
      async (label, model, analyses, message, extra = {}) => {
        const started = Date.now();
        const { id, chunks: total } = await stack.api.submit({
          models: [model],
          numbers: '0..99',
          analyses,
          chunkSize: 25,
          ...extra,
        });
        const sweep = await awaitFailed(id);
        const elapsedMs = Date.now() - started;
        expect(sweep.error).toMatch(message);
        // no attempt is waiting for a retry, and the chunks not yet run were dropped
        // (the last failing chunk may still be moving from active to failed when the status flips)
        await pollUntil(
          async () =>
            (await chunks.getJobs(['delayed', 'waiting', 'prioritized', 'active'], 0, -1))
              .filter((j) => j.id!.startsWith(`${id}-`))
              .map((j) => j.id),
          (pending) => pending.length === 0,
          { timeoutMs: 10_000, what: 'no chunk of the failed sweep pending' },
        );
        const failed = await failedJobs(id);
        expect(failed.length).toBeGreaterThanOrEqual(1);
        for (const job of failed) expect(job.attemptsMade, `job ${job.id}`).toBe(1);
        expect(await readManifest(stack.sweepDir(id))).toMatchObject({
          status: 'failed',
          error: sweep.error,
        });
        figures[label] = {
          chunks: total,
          failedJobs: failed.length,
          attempts: failed.map((j) => j.attemptsMade),
          elapsedMs,
        };
      },
    );
  });
});
