import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DistributedStack } from './helpers/distributed-stack';
import { DuckDb } from './helpers/duckdb';
import { sampleResidentMemory, tokenRowCounts } from './helpers/faults';

/**
 * A worker that tokenizes 8,000,000 numbers in a row keeps its resident memory bounded: nothing it
 * caches grows with the count of numbers (models are cached per name, number sets per expression,
 * decoded pieces per token id, and the tokenizer's own BPE cache is an LRU). Its RSS, sampled from
 * /proc during the whole sweep, is compared between the second and the last quarter of the run: the
 * first is the start-up ramp, the heap growing to its working size over the first few hundred chunks
 * (about a quarter of the run's 8 s here, since tokenizing got fast).
 */
const COUNT = 8_000_000;
const SPEC = {
  models: ['demo-a'],
  numbers: `0..${COUNT - 1}`,
  formats: ['plain'],
  analyses: ['tokens'],
  chunkSize: 25_000,
};
const MB = 1024 * 1024;
/**
 * Growth allowed between the second and the last quarter of the run. A cache keeping even 64 bytes
 * per number would add ~256 MB between the quarters' middles (4,000,000 numbers apart); with one
 * chunk thread the garbage collector's slack on a stable heap stays within ~20 MB.
 */
const MAX_MEDIAN_GROWTH_BYTES = 40 * MB;
const MAX_PEAK_GROWTH_BYTES = 64 * MB;

describe(`worker memory over ${COUNT.toLocaleString('en-US')} numbers`, () => {
  let stack: DistributedStack;
  let db: DuckDb;

  DistributedStack.logsOnFailure(() => stack);

  beforeAll(async () => {
    stack = await DistributedStack.start({
      label: 'worker-memory',
      workers: 1,
      env: {
        WORKER_CONCURRENCY: '1',
        KEEP_COMPLETED_JOBS: '1000',
        // The same heap sizing on every Node.js: Node 24's V8 lets garbage pile up ~100 MB before
        // collecting it where Node 20's does not, which reads as growth. With the heap capped, memory
        // still held per number makes the worker run out (the test fails) instead of hiding in slack.
        NODE_OPTIONS: '--max-old-space-size=160 --max-semi-space-size=8',
      },
    });
    db = await DuckDb.open();
  }, 120_000);

  afterAll(async () => {
    db?.close();
    await stack?.close();
  });

  it(
    'keeps resident memory bounded from the second quarter of the run to the last',
    { timeout: 600_000 },
    async () => {
      const worker = stack.services!.workers[0];
      const sampler = sampleResidentMemory(worker.pid, 25);
      const started = Date.now();
      let samples: { at: number; bytes: number }[];
      try {
        const { id, chunks } = await stack.api.submit(SPEC);
        const sweep = await stack.api.awaitStatus(id, 'completed', {
          timeoutMs: 540_000,
          context: stack.logs,
        });
        expect(sweep.progress).toMatchObject({ done: chunks, total: chunks, running: 0, queued: 0 });
        expect(await tokenRowCounts(db, stack.sweepDir(id))).toEqual({
          rows: COUNT,
          distinct: COUNT,
          min: 0,
          max: COUNT - 1,
          listedRows: COUNT,
        });
      } finally {
        samples = await sampler.stop();
      }
      const elapsedMs = Date.now() - started;
      // the window in which chunks ran (finalizing reads every part back for the summary: another matter)
      const jobs = await stack.queue('chunks').getJobs(['completed'], 0, -1);
      const from = Math.min(...jobs.map((j) => j.processedOn!));
      const end = Math.max(...jobs.map((j) => j.finishedOn!));
      samples = samples.filter((s) => s.at >= from && s.at <= end);
      expect(samples.length).toBeGreaterThan(40);
      const span = end - from;
      const quarter = (q: number) =>
        samples.filter((s) => s.at >= from + (q * span) / 4 && s.at < from + ((q + 1) * span) / 4);
      const stats = (list: { bytes: number }[]) => {
        const sorted = list.map((s) => s.bytes).sort((a, b) => a - b);
        return { median: sorted[sorted.length >> 1], max: sorted[sorted.length - 1] };
      };
      const first = stats(quarter(1));
      const last = stats(quarter(3));
      const growth = last.max - first.max;
      const mb = (n: number) => Math.round((n / MB) * 10) / 10;
      console.log(
        `worker RSS over ${COUNT.toLocaleString('en-US')} numbers in ${Math.round(elapsedMs / 1000)} s (${samples.length} samples): ` +
          `second quarter median ${mb(first.median)} MB, max ${mb(first.max)} MB; last quarter median ${mb(last.median)} MB, max ${mb(last.max)} MB; ` +
          `growth of the peak ${mb(growth)} MB (${Math.round((growth / first.max) * 1000) / 10}%), overall peak ${mb(Math.max(...samples.map((s) => s.bytes)))} MB`,
      );
      const tenths = Array.from({ length: 10 }, (_, k) => {
        const part = samples.filter(
          (x) => x.at >= from + (k * span) / 10 && x.at < from + ((k + 1) * span) / 10,
        );
        return mb(stats(part).median);
      });
      console.log(`worker RSS medians by tenth of the run (MB): ${tenths.join(', ')}`);
      expect(last.median - first.median).toBeLessThan(MAX_MEDIAN_GROWTH_BYTES);
      expect(growth).toBeLessThan(MAX_PEAK_GROWTH_BYTES);
    },
  );
});
