import { FlowProducer, Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ChunkTask, referToList, SweepPriority, SweepSpec } from '@tokensweep/analysis';
import { chunkPriority, PRIORITY_BANDS, priorityOfScore } from './chunk-priority';
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

/** What a round enqueues: a sweep's tasks (all, or the unfinished ones), its round and its priority. */
export interface RoundToEnqueue {
  sweepId: string;
  spec: SweepSpec;
  specHash: string;
  tasks: ChunkTask[];
  round: number;
  priority: SweepPriority;
}

/**
 * The one adapter over BullMQ on the producing side: enqueues a sweep's round as a flow (a finalize
 * parent whose children are the chunk jobs, prioritized so that sweeps share the workers; see
 * chunk-priority.ts), removes pending chunks, and reads queue depths. Chunk results never travel
 * through Redis: jobs carry a spec and a task, and return a few counters. A method that fails
 * because Redis cannot be reached rejects with a RedisUnavailableError.
 */
export class SweepQueue {
  readonly chunks: Queue<ChunkJobData>;
  readonly finalize: Queue<FinalizeJobData>;
  private readonly flows: FlowProducer;

  constructor(
    private readonly connection: Redis,
    prefix: string,
    private readonly policy?: QueuePolicy,
  ) {
    this.chunks = new Queue(QueueName.Chunks, { connection, prefix });
    this.finalize = new Queue(QueueName.Finalize, { connection, prefix });
    this.flows = new FlowProducer({ connection, prefix });
    reportRedisOutages(this, connection);
  }

  /** Enqueues a round's tasks as the children of the round's finalize job. */
  async enqueue({ sweepId, spec, specHash, tasks, round, priority }: RoundToEnqueue): Promise<void> {
    const policy = this.policy;
    if (!policy) throw new Error('this process enqueues no jobs: its queue was built without a policy');
    const base = await this.nextWaitingPriority(priority);
    const jobSpec = referToList(spec);
    const keep = {
      removeOnComplete: { count: policy.keepCompleted },
      removeOnFail: { count: policy.keepFailed },
    };
    await this.flows.add({
      name: JobName.FinalizeSweep,
      queueName: QueueName.Finalize,
      data: { sweepId, round } satisfies FinalizeJobData,
      opts: {
        jobId: finalizeJobId(sweepId, round),
        attempts: policy.attempts,
        backoff: this.backoff(),
        ...keep,
      },
      children: tasks.map((task, ordinal) => ({
        name: JobName.RunChunk,
        queueName: QueueName.Chunks,
        data: { sweepId, spec: jobSpec, specHash, task, round } satisfies ChunkJobData,
        opts: {
          jobId: chunkJobId(sweepId, task.index),
          priority: chunkPriority(priority, base, ordinal),
          attempts: policy.attempts,
          backoff: this.backoff(),
          failParentOnFailure: true,
          ...keep,
        },
      })),
    });
  }

  /** The priority of the next chunk waiting in `priority`'s band, null when none waits there. */
  private async nextWaitingPriority(priority: SweepPriority): Promise<number | null> {
    const band = PRIORITY_BANDS[priority];
    const [, score] = await this.connection.zrangebyscore(
      this.chunks.keys.prioritized,
      band.first * 0x1_0000_0000,
      (band.last + 1) * 0x1_0000_0000 - 1,
      'WITHSCORES',
      'LIMIT',
      0,
      1,
    );
    return score === undefined ? null : priorityOfScore(Number(score));
  }

  /**
   * Removes the finalize job of an earlier round if it is waiting (its chunks were removed by a cancel
   * or a failure, so BullMQ made it ready to run). It would do nothing, being of an earlier round;
   * removing it keeps the queue clean. Returns whether it removed one.
   */
  async removeFinalize(sweepId: string, round: number): Promise<boolean> {
    const job = await Job.fromId(this.finalize, finalizeJobId(sweepId, round));
    if (!job || (await job.isActive())) return false;
    return (await this.finalize.remove(job.id!, { removeChildren: false })) === 1;
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
    // share the round trips on the one connection. Waiting chunks are prioritized jobs, which BullMQ
    // finds by id in a sorted set: no scan of a list.
    const all = [...indices];
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
