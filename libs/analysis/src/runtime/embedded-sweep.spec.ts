import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChunkJob, PartFile } from '../run-chunk';
import { parseSweepSpec } from '../spec/sweep-spec';
import { ChunkExecutor } from './chunk-executor';
import { openSweep, runEmbeddedSweep } from './embedded-sweep';

/** An executor that writes nothing, fails the chunks of `failing` indices, and records what happened. */
class StandInExecutor implements ChunkExecutor {
  readonly ran: number[] = [];
  closedBeforeManifest: boolean | null = null;

  constructor(
    private readonly sweepDir: string,
    private readonly failing = new Set<number>(),
  ) {}

  async run(job: ChunkJob): Promise<PartFile[]> {
    this.ran.push(job.task.index);
    if (this.failing.has(job.task.index)) throw new Error(`chunk ${job.task.index} broke`);
    return [];
  }

  async close(): Promise<void> {
    const manifest = await readFile(path.join(this.sweepDir, 'manifest.json')).catch(() => null);
    this.closedBeforeManifest ??= manifest === null;
  }
}

describe(runEmbeddedSweep.name, () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tokensweep-embedded-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const { spec, numbers } = parseSweepSpec({ numbers: '0..99', analyses: ['tokens'], chunkSize: 25 });

  it('runs every task once, reports each, closes the executor, then writes the manifest', async () => {
    const opened = openSweep(spec, numbers);
    expect(opened.record).toMatchObject({ status: 'queued', startedAt: null, spec });
    const executor = new StandInExecutor(dir);
    const reported: number[] = [];
    const { record, manifest } = await runEmbeddedSweep(opened, dir, executor, (task) =>
      reported.push(task.index),
    );
    expect(executor.ran.sort()).toEqual([0, 1, 2, 3]);
    expect(reported.sort()).toEqual([0, 1, 2, 3]);
    expect(executor.closedBeforeManifest).toBe(true);
    expect(record).toMatchObject({ id: opened.record.id, status: 'completed', error: null });
    expect(record.startedAt).not.toBeNull();
    expect(record.finishedAt).not.toBeNull();
    expect(manifest).toMatchObject({ id: opened.record.id, status: 'completed' });
    expect(JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'))).toEqual(manifest);
  });

  it('fails the sweep with the failing chunk’s message, and still writes its manifest', async () => {
    const executor = new StandInExecutor(dir, new Set([2]));
    const { record, manifest } = await runEmbeddedSweep(openSweep(spec, numbers), dir, executor);
    expect(record).toMatchObject({ status: 'failed', error: 'chunk 2 broke' });
    expect(manifest).toMatchObject({ status: 'failed', error: 'chunk 2 broke' });
    expect(executor.closedBeforeManifest).toBe(true);
  });
});
