import { FlowProducer, Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ChunkTask, referToList, SweepSpec } from '@tokensweep/analysis';
import {
  ChunkJobData,
  chunkJobId,
  FinalizeJobData,
  finalizeJobId,
  JobName,
  QueueName,
} from './queue-registry';
import { reportRedisOutages } from './redis-outage';

export interface QueuePolicy {
  attempts: number;
  keepCompleted: number;
  keepFailed: number;
  /** First retry delay; doubles on every attempt. */
  backoffMs?: number;
}

/** Chunk removals sent to Redis at once by `removeChunks`. */
const REMOVALS_IN_FLIGHT = 64;

export type QueueCounts = Record<QueueName, Record<string, number>>;

/**
 * The one adapter over BullMQ on the producing side: enqueues a sweep as a flow (a finalize parent
 * whose children are the chunk jobs), removes pending chunks, and reads queue depths. Chunk results
 * never travel through Redis: jobs carry a spec and a task, and return a few counters. A method that
 * fails because Redis cannot be reached rejects with a RedisUnavailableError.
 */
export class SweepQueue {
  readonly chunks: Queue<ChunkJobData>;
  readonly finalize: Queue<FinalizeJobData>;
  private readonly flows: FlowProducer;

  constructor(
    connection: Redis,
    prefix: string,
    private readonly policy?: QueuePolicy,
  ) {
    this.chunks = new Queue(QueueName.Chunks, { connection, prefix });
    this.finalize = new Queue(QueueName.Finalize, { connection, prefix });
    this.flows = new FlowProducer({ connection, prefix });
    reportRedisOutages(this, connection);
  }

  /** Enqueues `tasks` of a sweep as the children of round `round`'s finalize job. */
  async enqueue(
    sweepId: string,
    spec: SweepSpec,
    specHash: string,
    tasks: ChunkTask[],
    round: number,
  ): Promise<void> {
    const policy = this.policy;
    if (!policy) throw new Error('this process enqueues no jobs: its queue was built without a policy');
    const jobSpec = referToList(spec);
    const keep = {
      removeOnComplete: { count: policy.keepCompleted },
      removeOnFail: { count: policy.keepFailed },
    };
    await this.flows.add({
      name: JobName.FinalizeSweep,
      queueName: QueueName.Finalize,
      data: { sweepId } satisfies FinalizeJobData,
      opts: {
        jobId: finalizeJobId(sweepId, round),
        attempts: policy.attempts,
        backoff: this.backoff(),
        ...keep,
      },
      children: tasks.map((task) => ({
        name: JobName.RunChunk,
        queueName: QueueName.Chunks,
        data: { sweepId, spec: jobSpec, specHash, task } satisfies ChunkJobData,
        opts: {
          jobId: chunkJobId(sweepId, task.index),
          attempts: policy.attempts,
          backoff: this.backoff(),
          failParentOnFailure: true,
          ...keep,
        },
      })),
    });
  }

  /**
   * Removes the chunk jobs of `indices` that are not running (waiting, delayed, failed or completed
   * records); returns the indices it could not remove because a worker holds them. With
   * `keepFailed`, failed records stay: they say why those chunks failed.
   */
  async removeChunks(
    sweepId: string,
    indices: Iterable<number>,
    { keepFailed = false } = {},
  ): Promise<number[]> {
    const locked: number[] = [];
    const removeOne = async (index: number) => {
      const id = chunkJobId(sweepId, index);
      const job = await Job.fromId(this.chunks, id);
      if (!job) return;
      if (keepFailed && (await job.isFailed())) return;
      const removed = await this.chunks.remove(id, { removeChildren: false });
      if (removed === 0) locked.push(index);
    };
    // One job after the other costs two round trips each (22 s for 20,000 chunks); many in flight
    // share the round trips on the one connection. Last index first: BullMQ pushes a flow's children
    // onto the head of the wait list in order, and finds each job it removes by a scan from the head
    // (from the first index on, removing 20,000 took 7 s of scanning in Redis).
    const all = [...indices].reverse();
    let next = 0;
    const drain = async () => {
      while (next < all.length) await removeOne(all[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(REMOVALS_IN_FLIGHT, all.length) }, drain));
    return locked.sort((a, b) => a - b);
  }

  async counts(): Promise<QueueCounts> {
    const states = [
      'waiting',
      'active',
      'delayed',
      'completed',
      'failed',
      'waiting-children',
      'prioritized',
    ] as const;
    return {
      [QueueName.Chunks]: await this.chunks.getJobCounts(...states),
      [QueueName.Finalize]: await this.finalize.getJobCounts(...states),
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.chunks.close(), this.finalize.close(), this.flows.close()]);
  }

  private backoff() {
    return { type: 'exponential' as const, delay: this.policy?.backoffMs ?? 1_000 };
  }
}
