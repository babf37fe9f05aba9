import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CosineKernel } from './compute/cosine-kernel';
import { writeDemoModel } from './demo/demo-model';
import { ModelCache } from './models/model-cache';
import { planSweep } from './plan/plan-sweep';
import { ChunkJob, runChunk } from './run-chunk';
import { NumberSet } from './spec/number-set';
import { parseSweepSpec, specHash } from './spec/sweep-spec';
import { SweepStorage } from './storage/sweep-storage';

/** A storage whose writes end when the test says so, each of them failing or not. */
class HeldStorage implements SweepStorage {
  readonly location = 'memory://held';
  readonly started: string[] = [];
  readonly ended: string[] = [];
  private readonly releases = new Map<string, () => void>();
  private onStart: (() => void) | undefined;

  constructor(private readonly failing: string) {}

  /** Resolves once `count` writes have started. */
  whenStarted(count: number): Promise<void> {
    return new Promise((resolve) => {
      this.onStart = () => this.started.length >= count && resolve();
      this.onStart();
    });
  }

  write(relative: string, bytes: Uint8Array | string): Promise<number> {
    this.started.push(relative);
    this.onStart?.();
    return new Promise((resolve, reject) =>
      this.releases.set(relative, () => {
        this.ended.push(relative);
        if (relative.startsWith(this.failing)) reject(new Error(`cannot write ${relative}: disk full`));
        else resolve(bytes.length);
      }),
    );
  }

  /** Ends the write of the part of `analysis`. */
  release(analysis: string): void {
    for (const [relative, release] of this.releases) if (relative.startsWith(analysis)) release();
  }

  read = () => Promise.resolve(null);
  size = () => Promise.resolve(null);
  readRange = () => Promise.reject(new Error('not stored'));
  list = () => Promise.resolve([]);
  removeLeftovers = () => Promise.resolve(0);
  removeAll = () => Promise.resolve();
}

/** Lets every promise callback already queued run (a turn of the event loop). */
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe(runChunk.name, () => {
  let dir: string;
  let job: ChunkJob;
  let numbers: NumberSet;
  const locations = { hfHome: '/nowhere', hfEndpoint: 'http://127.0.0.1:9', offline: true };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'run-chunk-'));
    await writeDemoModel(path.join(dir, 'gpt2'), { dim: 8, seed: 1 });
    const parsed = parseSweepSpec(
      { models: [path.join(dir, 'gpt2')], numbers: '-50..50', analyses: ['tokens', 'sign-symmetry'] },
      { allowLocalModels: true },
    );
    numbers = parsed.numbers;
    const [task] = planSweep(parsed.spec, numbers);
    job = { spec: parsed.spec, specHash: specHash(parsed.spec), task };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it(
    'fails with a write error only once every write of the chunk has ended',
    { timeout: 10_000 },
    async () => {
      const storage = new HeldStorage('tokens');
      const context = { storage, models: new ModelCache(locations), numbers, kernel: new CosineKernel(1) };
      let outcome: unknown = 'pending';
      const running = runChunk(job, context).then(
        () => (outcome = 'resolved'),
        (error: Error) => (outcome = error),
      );
      await storage.whenStarted(2);
      // both parts are being written at once; the first fails, the second is still under way
      expect(storage.started.map((p) => p.split('/')[0])).toEqual(['tokens', 'sign-symmetry']);
      storage.release('tokens');
      await turn();
      await turn();
      expect(outcome).toBe('pending');
      storage.release('sign-symmetry');
      await running;
      expect((outcome as Error).message).toMatch(/cannot write tokens\/.*: disk full/);
      expect(storage.ended).toHaveLength(2);
    },
  );

  it(
    'says when every part is handed to the disk, before any write has ended',
    { timeout: 10_000 },
    async () => {
      const storage = new HeldStorage('none');
      let encodedAfter: number | undefined;
      const context = {
        storage,
        models: new ModelCache(locations),
        numbers,
        kernel: new CosineKernel(1),
        onEncoded: () => (encodedAfter = storage.started.length),
      };
      const running = runChunk(job, context);
      await storage.whenStarted(2);
      await turn();
      expect(encodedAfter).toBe(2);
      expect(storage.ended).toEqual([]);
      storage.release('tokens');
      storage.release('sign-symmetry');
      expect((await running).map((file) => file.analysis)).toEqual(['tokens', 'sign-symmetry']);
    },
  );
});
