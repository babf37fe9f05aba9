import { Inject, Injectable } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import {
  ChunkExecutor,
  ChunkTask,
  ExecutorClosedError,
  isSweepId,
  ModelUnavailableError,
  SpecError,
} from '@tokensweep/analysis';
import { SERVICE_CONFIG, ServiceConfig, SweepLifecycle, SweepStore } from '@tokensweep/queue';
import { CHUNK_EXECUTOR } from '../tokens';
import { needsNumberList, parseChunkJobData } from './chunk-job-data';

/** What a chunk job returns: counters only, never rows (results live in the sweep directory). */
export interface ChunkOutcome {
  skipped?: string;
  files: number;
  rows: number;
  durationMs: number;
}

/**
 * Runs one chunk job: checks its data, skips it if its sweep was cancelled or failed meanwhile,
 * computes it on the thread pool (off this event loop, so locks keep being renewed), and records it
 * as done. A failure that retrying cannot fix, or the last attempt's, fails the whole sweep.
 */
/** Lists of numbers kept by a worker: the sweeps it runs chunks of at once are few. */
const RECENT_LISTS = 4;

@Injectable()
export class ChunkProcessor {
  private readonly lists = new Map<string, Promise<number[] | null>>();

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(CHUNK_EXECUTOR) private readonly executor: ChunkExecutor,
    private readonly store: SweepStore,
    private readonly lifecycle: SweepLifecycle,
  ) {}

  async process(job: Job): Promise<ChunkOutcome> {
    const started = Date.now();
    const { sweepId, job: chunk } = await this.parse(job);
    const state = await this.store.status(sweepId);
    if (!state || state.status === 'cancelled' || state.status === 'failed') {
      return {
        skipped: state ? `sweep is ${state.status}` : 'sweep is gone',
        files: 0,
        rows: 0,
        durationMs: 0,
      };
    }
    await this.store.markStarted(sweepId, new Date(started).toISOString());
    let files;
    try {
      files = await this.executor.run(chunk, this.lifecycle.sweepDir(sweepId));
    } catch (error) {
      // stopped by a shutdown after the job was handed back: another worker runs it, nothing failed
      if (error instanceof ExecutorClosedError) throw error;
      const unrecoverable = error instanceof ModelUnavailableError || error instanceof SpecError;
      const message = `chunk ${chunk.task.index} (${describe(chunk.task)}) failed: ${(error as Error).message}`;
      if (unrecoverable || job.attemptsMade + 1 >= (job.opts.attempts ?? 1))
        await this.lifecycle.fail(sweepId, message);
      throw unrecoverable ? new UnrecoverableError(message) : new Error(message);
    }
    const done = await this.store.markChunkDone(sweepId, chunk.task.index);
    await job.updateProgress({ done, total: state.total });
    const after = await this.store.status(sweepId);
    // A chunk that finishes after its sweep was cancelled or failed still lands in the manifest.
    if (after && (after.status === 'cancelled' || after.status === 'failed'))
      await this.lifecycle.writeManifest(sweepId);
    return {
      files: files.length,
      rows: files.reduce((sum, f) => sum + f.rows, 0),
      durationMs: Date.now() - started,
    };
  }

  /** BullMQ gave the chunk up without running it again (its workers were lost with it too often): the sweep fails. */
  async abandoned(job: Job, reason: string): Promise<void> {
    const { sweepId, job: chunk } = parseChunkJobData(
      job.data,
      this.config.limits,
      await this.numberList(job.data),
    );
    const why = `a worker was lost while running it ${job.stalledCounter} times (killed, out of memory, or stuck past LOCK_DURATION_MS)`;
    await this.lifecycle.fail(
      sweepId,
      `chunk ${chunk.task.index} (${describe(chunk.task)}) failed: ${reason}; ${why}`,
    );
  }

  /**
   * Job data this worker refuses (malformed, or over its own limits) is refused for good; its sweep
   * fails with the reason, since a sweep whose chunk never runs would otherwise stay queued forever.
   */
  private async parse(job: Job): Promise<ReturnType<typeof parseChunkJobData>> {
    try {
      return parseChunkJobData(job.data, this.config.limits, await this.numberList(job.data));
    } catch (error) {
      const sweepId = (job.data as { sweepId?: unknown } | null)?.sweepId;
      if (typeof sweepId === 'string' && isSweepId(sweepId))
        await this.lifecycle.fail(sweepId, (error as Error).message);
      throw error;
    }
  }

  /** The sweep's stored list when the job refers to one; the last few lists read are kept. */
  private async numberList(data: unknown): Promise<number[] | null> {
    const sweepId = (data as { sweepId?: unknown } | null)?.sweepId;
    if (!needsNumberList(data) || typeof sweepId !== 'string' || !isSweepId(sweepId)) return null;
    let list = this.lists.get(sweepId);
    if (!list) {
      list = this.store.numberList(sweepId);
      if (this.lists.size >= RECENT_LISTS) this.lists.delete(this.lists.keys().next().value!);
      this.lists.set(sweepId, list);
      list.catch(() => this.lists.delete(sweepId));
    }
    return list;
  }
}

function describe(task: ChunkTask): string {
  const where = `model ${task.model}, format ${task.format}`;
  switch (task.kind) {
    case 'numbers':
      return `numbers ${task.from}..${task.to - 1} of the sweep, ${where}`;
    case 'matrix-tile':
      return `cosine-matrix tile rows ${task.rows[0]}..${task.rows[1] - 1} × cols ${task.cols[0]}..${task.cols[1] - 1}, ${where}`;
    case 'fourier':
      return `fourier, ${where}`;
    case 'pca':
      return `pca, ${where}`;
    case 'neighbors':
      return `neighbors of numbers ${task.from}..${task.to - 1} of the sweep, ${where}`;
  }
}
