import { FlowProducer, Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ChunkTask, SweepSpec } from '@tokensweep/analysis';
import { ChunkJobData, chunkJobId, FinalizeJobData, finalizeJobId, JobName, QueueName } from './queue-registry';

export interface QueuePolicy {
  attempts: number;
  keepCompleted: number;
  keepFailed: number;
  /** First retry delay; doubles on every attempt. */
  backoffMs?: number;
}

export type QueueCounts = Record<QueueName, Record<string, number>>;

/**
 * The one adapter over BullMQ on the producing side: enqueues a sweep as a flow (a finalize parent
 * whose children are the chunk jobs), removes pending chunks, and reads queue depths. Chunk results
 * never travel through Redis: jobs carry a spec and a task, and return a few counters.
 */
export class SweepQueue {
  readonly chunks: Queue<ChunkJobData>;
  readonly finalize: Queue<FinalizeJobData>;
  private readonly flows: FlowProducer;

  constructor(
    connection: Redis,
    prefix: string,
    private readonly policy: QueuePolicy,
  ) {
    this.chunks = new Queue(QueueName.Chunks, { connection, prefix });
    this.finalize = new Queue(QueueName.Finalize, { connection, prefix });
    this.flows = new FlowProducer({ connection, prefix });
  }

  /** Enqueues `tasks` of a sweep as the children of round `round`'s finalize job. */
  async enqueue(sweepId: string, spec: SweepSpec, specHash: string, tasks: ChunkTask[], round: number): Promise<void> {
    const keep = { removeOnComplete: { count: this.policy.keepCompleted }, removeOnFail: { count: this.policy.keepFailed } };
    await this.flows.add({
      name: JobName.FinalizeSweep,
      queueName: QueueName.Finalize,
      data: { sweepId } satisfies FinalizeJobData,
      opts: { jobId: finalizeJobId(sweepId, round), attempts: this.policy.attempts, backoff: this.backoff(), ...keep },
      children: tasks.map((task) => ({
        name: JobName.RunChunk,
        queueName: QueueName.Chunks,
        data: { sweepId, spec, specHash, task } satisfies ChunkJobData,
        opts: {
          jobId: chunkJobId(sweepId, task.index),
          attempts: this.policy.attempts,
          backoff: this.backoff(),
          failParentOnFailure: true,
          ...keep,
        },
      })),
    });
  }

  /**
   * Removes the chunk jobs of `indices` that are not running (waiting, delayed, failed or completed
   * records); returns the indices it could not remove because a worker holds them.
   */
  async removeChunks(sweepId: string, indices: Iterable<number>): Promise<number[]> {
    const locked: number[] = [];
    for (const index of indices) {
      const id = chunkJobId(sweepId, index);
      const job = await Job.fromId(this.chunks, id);
      if (!job) continue;
      const removed = await this.chunks.remove(id, { removeChildren: false });
      if (removed === 0) locked.push(index);
    }
    return locked;
  }

  async counts(): Promise<QueueCounts> {
    const states = ['waiting', 'active', 'delayed', 'completed', 'failed', 'waiting-children', 'prioritized'] as const;
    return {
      [QueueName.Chunks]: await this.chunks.getJobCounts(...states),
      [QueueName.Finalize]: await this.finalize.getJobCounts(...states),
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.chunks.close(), this.finalize.close(), this.flows.close()]);
  }

  private backoff() {
    return { type: 'exponential' as const, delay: this.policy.backoffMs ?? 1_000 };
  }
}
