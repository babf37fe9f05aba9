import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { seededUniform } from '../libs/analysis/src/compute/seeded-random';
import { TOKENIZER_PACKAGES, TokenizerFamily } from '../libs/analysis/src/demo/demo-model';

/**
 * The exact number tokenizer against Hugging Face's Rust `tokenizers` (npm `tokenizers`, `encodeBatch`
 * in batches of 10,000), id for id: GPT-2, Llama 3 and Qwen 3, in every format, over all of
 * 0..999,999, their negatives, and numbers of every magnitude up to ±(2^53 − 1). The work is spread
 * over worker threads, one per core; each runs the built tokenizer through the chunk code path.
 */
const FAMILIES: TokenizerFamily[] = ['gpt2', 'llama3', 'qwen3'];
const FORMATS = ['plain', 'space', 'comma'] as const;
const DENSE = 1_000_000;
const JOB = 100_000;
const WORKER = path.join(__dirname, 'helpers/rust-reference-worker.cjs');

interface Job {
  dir: string;
  path: 'exact-bpe';
  format: (typeof FORMATS)[number];
  from?: number;
  to?: number;
  values?: number[];
}

interface Outcome {
  checked: number;
  mismatches: { text: string; ours: number[]; expected: number[] }[];
}

/** 400 numbers of each digit count 1..16 and each sign, powers of ten on both sides, the safe-integer bounds. */
function everyMagnitude(): number[] {
  const random = seededUniform(53);
  const values: number[] = [];
  for (let digits = 1; digits <= 16; digits++) {
    const low = 10 ** (digits - 1);
    const high = Math.min(10 ** digits - 1, Number.MAX_SAFE_INTEGER);
    for (let k = 0; k < 400; k++) {
      const value = Math.min(high, low + Math.floor(random() * (high - low + 1)));
      values.push(value, -value);
    }
    values.push(low, -low, high, -high, low + 1, -(low + 1));
  }
  for (let offset = 0; offset < 20; offset++)
    values.push(Number.MAX_SAFE_INTEGER - offset, -(Number.MAX_SAFE_INTEGER - offset));
  return [...new Set(values)];
}

function jobs(): { family: TokenizerFamily; job: Job }[] {
  const out: { family: TokenizerFamily; job: Job }[] = [];
  const magnitudes = everyMagnitude();
  for (const family of FAMILIES) {
    const file = createRequire(__filename).resolve(`${TOKENIZER_PACKAGES[family]}/models/tokenizer.json`);
    const dir = path.dirname(file);
    for (const format of FORMATS) {
      for (let from = 0; from < DENSE; from += JOB) {
        out.push({ family, job: { dir, path: 'exact-bpe', format, from, to: from + JOB } });
        out.push({ family, job: { dir, path: 'exact-bpe', format, from: -(from + JOB) + 1, to: -from + 1 } });
      }
      out.push({ family, job: { dir, path: 'exact-bpe', format, values: magnitudes } });
    }
  }
  return out;
}

/** Runs every job on a pool of worker threads; resolves with each job's outcome, in job order. */
async function runOnThreads(all: Job[], threads: number, pool: Worker[]): Promise<Outcome[]> {
  const outcomes = new Array<Outcome>(all.length);
  let next = 0;
  const drain = (worker: Worker): Promise<void> =>
    new Promise((resolve, reject) => {
      const take = () => {
        if (next >= all.length) return resolve();
        const index = next++;
        worker.once('message', (message: { result?: Outcome; error?: string }) => {
          if (message.error) return reject(new Error(message.error));
          outcomes[index] = message.result!;
          take();
        });
        worker.postMessage(all[index]);
      };
      worker.once('error', reject);
      take();
    });
  for (let t = 0; t < threads; t++) pool.push(new Worker(WORKER));
  await Promise.all(pool.map(drain));
  return outcomes;
}

describe('the exact number tokenizer against the Rust tokenizers', () => {
  const pool: Worker[] = [];
  afterAll(async () => {
    await Promise.all(pool.map((worker) => worker.terminate()));
  });

  it('gives the same ids for GPT-2, Llama 3 and Qwen 3 in every format, over ±0..999,999 and every magnitude to ±(2^53 − 1)', async () => {
    const planned = jobs();
    const outcomes = await runOnThreads(
      planned.map((p) => p.job),
      Math.max(1, Math.min(4, os.availableParallelism())),
      pool,
    );
    const checked = new Map<string, number>();
    const mismatches: (Outcome['mismatches'][number] & { family: string; format: string })[] = [];
    outcomes.forEach((outcome, i) => {
      const { family, job } = planned[i];
      const key = `${family}/${job.format}`;
      checked.set(key, (checked.get(key) ?? 0) + outcome.checked);
      for (const m of outcome.mismatches) mismatches.push({ family, format: job.format, ...m });
    });
    expect(mismatches.slice(0, 10)).toEqual([]);
    // 0..999,999, -999,999..0, and the magnitudes: nothing skipped
    const magnitudes = everyMagnitude().length;
    for (const family of FAMILIES)
      for (const format of FORMATS) expect(checked.get(`${family}/${format}`)).toBe(2 * DENSE + magnitudes);
  }, 600_000);
});
