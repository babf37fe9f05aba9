import os from 'node:os';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Job, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createRedis, JobName, QUEUE_OF, QueueName, SERVICE_CONFIG, ServiceConfig } from '@tokensweep/queue';

export type JobHandler = (job: Job) => Promise<unknown>;

/** Told of a job BullMQ failed without running its handler: one that stalled too often (its workers died or hung with it). */
export type AbandonedHandler = (job: Job, reason: string) => Promise<void>;

/**
 * The one adapter over BullMQ workers: one Worker per queue, built from validated configuration
 * (concurrency, lock duration, stalled interval), dispatching each job to the handler of its name.
 * On shutdown it stops taking jobs, lets active ones finish within SHUTDOWN_TIMEOUT_MS, and hands
 * back the rest to the queue so another worker picks them up at once.
 */
@Injectable()
export class QueueWorkersRepository implements OnApplicationShutdown {
  private readonly logger = new Logger('QueueWorkers');
  private readonly workers: Worker[] = [];
  private readonly connections: Redis[] = [];
  private readonly active = new Map<string, { job: Job; token: string }>();

  constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {}

  /** Starts the workers; refuses to start when a job name has no handler. */
  start(handlers: Record<JobName, JobHandler>, abandoned: AbandonedHandler): void {
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
        if (job.deferredFailure) abandoned(job, job.deferredFailure).catch((e: Error) => this.logger.warn(`${queue} job ${job.id}: ${e.message}`));
      });
      this.workers.push(worker);
    }
    this.logger.log(`processing ${Object.values(QueueName).join(', ')} with concurrency ${this.config.workerConcurrency}`);
  }

  private closing?: Promise<void>;

  /** Stops taking jobs and lets active ones finish (or hands them back); once, however often it is called. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all(this.workers.map((worker) => this.closeWorker(worker)));
      await Promise.all(this.connections.map((c) => c.quit().catch(() => c.disconnect())));
    })();
    return this.closing;
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  private async dispatch(queue: QueueName, handlers: Record<JobName, JobHandler>, job: Job, token: string): Promise<unknown> {
    const name = job.name as JobName;
    if (QUEUE_OF[name] !== queue) throw new UnrecoverableError(`job ${job.id} has name "${job.name}", which the ${queue} queue does not run`);
    this.active.set(job.id!, { job, token });
    try {
      return await handlers[name](job);
    } finally {
      this.active.delete(job.id!);
    }
  }

  private async closeWorker(worker: Worker): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.config.shutdownTimeoutMs)));
    const outcome = await Promise.race([worker.close().then(() => 'closed' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'closed') return;
    const mine = [...this.active.values()].filter(({ job }) => job.queueName === worker.name);
    for (const { job, token } of mine) {
      await job.moveToWait(token).catch((error: Error) => this.logger.warn(`could not hand back job ${job.id}: ${error.message}`));
    }
    this.logger.warn(`${worker.name}: ${mine.length} job(s) still running after ${this.config.shutdownTimeoutMs} ms were handed back to the queue`);
    await worker.close(true);
  }
}
