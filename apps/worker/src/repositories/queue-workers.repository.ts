import os from 'node:os';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Job, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  createRedis,
  isJobNamed,
  JobHandlers,
  JobName,
  JobOf,
  JobResult,
  QUEUE_OF,
  QueueName,
} from '@tokensweep/queue';
import { WORKER_CONFIG, WorkerConfig } from '../config/worker-config';

/** Told of a job BullMQ failed without running its handler: one that stalled too often (its workers died or hung with it). */
export type AbandonedHandlers = { [N in JobName]: (job: JobOf<N>, reason: string) => Promise<void> };

export interface WorkerHooks {
  abandoned: AbandonedHandlers;
  /** Ends the handlers still running at shutdown once their jobs were handed back (their results are now another worker's to write). */
  stopRunning: () => Promise<void>;
}

/**
 * The one adapter over BullMQ workers: one Worker per queue, built from validated configuration
 * (concurrency, lock duration, stalled interval), dispatching each job to the handler of its name.
 * On shutdown it stops taking jobs, lets active ones finish within SHUTDOWN_TIMEOUT_MS, hands back
 * the rest to the queue so another worker picks them up at once, and stops them here.
 */
@Injectable()
export class QueueWorkersRepository implements OnApplicationShutdown {
  private readonly logger = new Logger('QueueWorkers');
  private readonly workers: Worker[] = [];
  private readonly connections: Redis[] = [];
  private readonly active = new Map<string, { job: Job; token: string }>();
  private stopRunning: () => Promise<void> = async () => {};

  constructor(@Inject(WORKER_CONFIG) private readonly config: WorkerConfig) {}

  /** Starts the workers; refuses to start when a job name has no handler. */
  start(handlers: JobHandlers, { abandoned, stopRunning }: WorkerHooks): void {
    this.stopRunning = stopRunning;
    for (const name of Object.values(JobName)) {
      if (typeof handlers[name] !== 'function') throw new Error(`no handler registered for job ${name}`);
    }
    for (const queue of Object.values(QueueName)) {
      const connection = createRedis(this.config.redisUrl, 'worker');
      this.connections.push(connection);
      const worker = new Worker(queue, (job, token) => this.dispatch(queue, handlers, job, token ?? ''), {
        connection,
        prefix: this.config.queuePrefix,
        // recorded on each job as processedBy: which host and process ran it
        name: `${os.hostname()}-${process.pid}`,
        concurrency: queue === QueueName.Chunks ? this.config.workerConcurrency : 1,
        lockDuration: this.config.lockDurationMs,
        stalledInterval: this.config.stalledIntervalMs,
        maxStalledCount: 2,
      });
      worker.on('error', (error) => this.logger.warn(`${queue}: ${error.message}`));
      worker.on('failed', (job, error) => {
        if (!job) return;
        this.logger.warn(`${queue} job ${job.id} failed (attempt ${job.attemptsMade}): ${error.message}`);
        // A job that stalled more than maxStalledCount times is failed by the next worker to take it,
        // without its handler: its owner must hear of it, or the sweep would wait for it forever.
        if (job.deferredFailure)
          tellAbandoned(abandoned, job, job.deferredFailure).catch((e: Error) =>
            this.logger.warn(`${queue} job ${job.id}: ${e.message}`),
          );
      });
      this.workers.push(worker);
    }
    this.logger.log(
      `processing ${Object.values(QueueName).join(', ')} with concurrency ${this.config.workerConcurrency}`,
    );
  }

  private closing?: Promise<void>;

  /**
   * Stops taking jobs and lets active ones finish within SHUTDOWN_TIMEOUT_MS; those still running
   * then are handed back to the queue and ended here (`stopRunning`). Once, however often it is called.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const closed = Promise.all(this.workers.map((worker) => worker.close()));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>(
        (resolve) => (timer = setTimeout(() => resolve('timeout'), this.config.shutdownTimeoutMs)),
      );
      const outcome = await Promise.race([closed.then(() => 'closed' as const), timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        await this.handBack([...this.active.values()]);
        await this.stopRunning();
        // BullMQ's close waits for every running handler, forced or not (a second close returns the
        // first one's promise): it returns once stopRunning has ended them
        await closed;
      }
      await Promise.all(this.connections.map((c) => c.quit().catch(() => c.disconnect())));
    })();
    return this.closing;
  }

  /** Moves running jobs back to waiting, so that another worker takes them at once rather than after a stall. */
  private async handBack(running: { job: Job; token: string }[]): Promise<void> {
    for (const { job, token } of running) {
      await job
        .moveToWait(token)
        .catch((error: Error) => this.logger.warn(`could not hand back job ${job.id}: ${error.message}`));
    }
    for (const queue of new Set(running.map(({ job }) => job.queueName))) {
      const count = running.filter(({ job }) => job.queueName === queue).length;
      this.logger.warn(
        `${queue}: ${count} job(s) still running after ${this.config.shutdownTimeoutMs} ms were handed back to the queue`,
      );
    }
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  private async dispatch(
    queue: QueueName,
    handlers: JobHandlers,
    job: Job,
    token: string,
  ): Promise<JobResult<JobName>> {
    this.active.set(job.id!, { job, token });
    try {
      if (queue === QUEUE_OF[JobName.RunChunk] && isJobNamed(job, JobName.RunChunk))
        return await handlers[JobName.RunChunk](job);
      if (queue === QUEUE_OF[JobName.FinalizeSweep] && isJobNamed(job, JobName.FinalizeSweep))
        return await handlers[JobName.FinalizeSweep](job);
      throw new UnrecoverableError(
        `job ${job.id} has name "${job.name}", which the ${queue} queue does not run`,
      );
    } finally {
      this.active.delete(job.id!);
    }
  }
}

/** Hands an abandoned job to the hook of its name (one of another name is nobody's: ignored). */
async function tellAbandoned(abandoned: AbandonedHandlers, job: Job, reason: string): Promise<void> {
  if (isJobNamed(job, JobName.RunChunk)) await abandoned[JobName.RunChunk](job, reason);
  else if (isJobNamed(job, JobName.FinalizeSweep)) await abandoned[JobName.FinalizeSweep](job, reason);
}
