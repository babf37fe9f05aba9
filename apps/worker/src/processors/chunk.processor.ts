import { Inject, Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import {
  ChunkExecutor,
  ChunkTask,
  ExecutorClosedError,
  isSweepId,
  ModelUnavailableError,
  SpecError,
  StorageAccessError,
} from '@tokensweep/analysis';
import {
  ChunkResult,
  JobName,
  JobOf,
  SERVICE_CONFIG,
  ServiceConfig,
  SweepLifecycle,
  SweepStore,
} from '@tokensweep/queue';
import { CHUNK_EXECUTOR } from '../tokens';
import { needsNumberList, parseChunkJobData } from './chunk-job-data';

type ChunkJob = JobOf<JobName.RunChunk>;

/** Lists of numbers kept by a worker: the sweeps it runs chunks of at once are few. */
const RECENT_LISTS = 4;

/**
 * Runs one chunk job: checks its data, asks the lifecycle whether it may run (its sweep may have
 * ended, or moved to a later round), computes it on the thread pool (off this event loop, so locks
 * keep being renewed), and reports it done. A failure that retrying cannot fix, or the last
 * attempt's, fails the whole sweep. Every rule about the sweep's status is the lifecycle's.
 */
@Injectable()
export class ChunkProcessor {
  private readonly lists = new Map<string, Promise<number[] | null>>();

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(CHUNK_EXECUTOR) private readonly executor: ChunkExecutor,
    private readonly store: SweepStore,
    private readonly lifecycle: SweepLifecycle,
  ) {}

  async process(job: ChunkJob): Promise<ChunkResult> {
    const started = Date.now();
    const { sweepId, round, job: chunk } = await this.parse(job);
    const index = chunk.task.index;
    const skipped = await this.lifecycle.startChunk(sweepId, round, index);
    if (skipped) return { skipped, files: 0, rows: 0, durationMs: 0 };
    let files;
    try {
      files = await this.executor.run(chunk, this.lifecycle.sweepTarget(sweepId));
    } catch (error) {
      await this.lifecycle.chunkStopped(sweepId, index);
      // stopped by a shutdown after the job was handed back: another worker runs it, nothing failed
      if (error instanceof ExecutorClosedError) throw error;
      // so is a store that refuses this worker (its credentials, the bucket): every attempt would fail alike
      const unrecoverable =
        error instanceof ModelUnavailableError ||
        error instanceof SpecError ||
        error instanceof StorageAccessError;
      const message = `chunk ${index} (${describe(chunk.task)}) failed: ${(error as Error).message}`;
      if (unrecoverable || job.attemptsMade + 1 >= (job.opts.attempts ?? 1))
        await this.lifecycle.fail(sweepId, message, round);
      throw unrecoverable ? new UnrecoverableError(message) : new Error(message);
    }
    // the sweep's progress lives in its own record (chunkDone counts it); the job's is not kept up
    await this.lifecycle.chunkDone(sweepId, index);
    return {
      files: files.length,
      rows: files.reduce((sum, f) => sum + f.rows, 0),
      durationMs: Date.now() - started,
    };
  }

  /** BullMQ gave the chunk up without running it again (its workers were lost with it too often): the sweep fails. */
  async abandoned(job: ChunkJob, reason: string): Promise<void> {
    const {
      sweepId,
      round,
      job: chunk,
    } = parseChunkJobData(job.data, this.config.limits, await this.numberList(job.data));
    const why = `a worker was lost while running it ${job.stalledCounter} times (killed, out of memory, or stuck past LOCK_DURATION_MS)`;
    await this.lifecycle.fail(
      sweepId,
      `chunk ${chunk.task.index} (${describe(chunk.task)}) failed: ${reason}; ${why}`,
      round,
    );
  }

  /**
   * Job data this worker refuses (malformed, or over its own limits) is refused for good; its sweep
   * fails with the reason, since a sweep whose chunk never runs would otherwise stay queued forever.
   */
  private async parse(job: ChunkJob): Promise<ReturnType<typeof parseChunkJobData>> {
    try {
      return parseChunkJobData(job.data, this.config.limits, await this.numberList(job.data));
    } catch (error) {
      const data: unknown = job.data;
      const sweepId = typeof data === 'object' && data !== null && 'sweepId' in data ? data.sweepId : null;
      const round = typeof data === 'object' && data !== null && 'round' in data ? data.round : undefined;
      if (typeof sweepId === 'string' && isSweepId(sweepId))
        await this.lifecycle.fail(
          sweepId,
          (error as Error).message,
          typeof round === 'number' && Number.isSafeInteger(round) ? round : undefined,
        );
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
