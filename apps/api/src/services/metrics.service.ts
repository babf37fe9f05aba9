import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { SWEEP_STATUSES } from '@tokensweep/analysis';
import {
  createRedis,
  QueueName,
  readChunkResult,
  SERVICE_CONFIG,
  ServiceConfig,
  SweepQueue,
  SweepStore,
} from '@tokensweep/queue';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics under the `tokensweep_` prefix: chunk outcomes and durations from the queue's
 * events (wherever the worker ran), sweeps by status and queue depths read at scrape time.
 */
@Injectable()
export class MetricsService implements OnModuleInit, OnApplicationShutdown {
  readonly registry = new Registry();
  private events?: QueueEvents;
  private eventsConnection?: Redis;
  private readonly processed = new Counter({
    name: 'tokensweep_chunks_processed_total',
    help: 'Chunk jobs completed',
    registers: [this.registry],
  });
  private readonly failed = new Counter({
    name: 'tokensweep_chunks_failed_total',
    help: 'Chunk job attempts that failed',
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'tokensweep_chunk_duration_seconds',
    help: 'Time a worker spent on one chunk',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    store: SweepStore,
    queue: SweepQueue,
  ) {
    new Gauge({
      name: 'tokensweep_sweeps',
      help: 'Sweeps by status',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const counts = await store.countByStatus();
        for (const status of SWEEP_STATUSES) this.set({ status }, counts[status] ?? 0);
      },
    });
    new Gauge({
      name: 'tokensweep_queue_jobs',
      help: 'Jobs in each queue by state',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        const counts = await queue.counts();
        for (const [name, states] of Object.entries(counts))
          for (const [state, n] of Object.entries(states)) this.set({ queue: name, state }, n);
      },
    });
  }

  onModuleInit(): void {
    this.eventsConnection = createRedis(this.config.redisUrl, 'worker');
    this.events = new QueueEvents(QueueName.Chunks, {
      connection: this.eventsConnection,
      prefix: this.config.queuePrefix,
    });
    this.events.on('error', () => undefined);
    this.events.on('completed', ({ returnvalue }) => {
      const result = readChunkResult(returnvalue);
      if (result?.skipped) return;
      this.processed.inc();
      if (result) this.duration.observe(result.durationMs / 1000);
    });
    this.events.on('failed', () => this.failed.inc());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.events?.close().catch(() => undefined);
    this.eventsConnection?.disconnect();
  }

  async scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
