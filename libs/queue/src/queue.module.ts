import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { createRedis } from './redis-connection';
import { ServiceConfig } from './service-config';
import { SweepDirectories } from './sweep-directories';
import { SweepLifecycle } from './sweep-lifecycle';
import { QueuePolicy, SweepQueue } from './sweep-queue';
import { SweepStore } from './sweep-store';

export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
export const REDIS = Symbol('REDIS');

/** Closes the shared Redis connection and queues when the application stops. */
@Injectable()
class QueueShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly queue: SweepQueue,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * Sweep state and queues over one Redis connection, for the API (fail fast) or a worker (retry
 * forever). Only a process that enqueues (the API) gives a queue policy.
 */
@Global()
@Module({})
export class QueueModule {
  static forRoot(config: ServiceConfig, role: 'api' | 'worker', policy?: QueuePolicy): DynamicModule {
    return {
      module: QueueModule,
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: REDIS, useFactory: () => createRedis(config.redisUrl, role) },
        {
          provide: SweepStore,
          inject: [REDIS],
          useFactory: (redis: Redis) => new SweepStore(redis, config.queuePrefix),
        },
        {
          provide: SweepQueue,
          inject: [REDIS],
          useFactory: (redis: Redis) => new SweepQueue(redis, config.queuePrefix, policy),
        },
        {
          provide: SweepLifecycle,
          inject: [SweepStore, SweepQueue],
          useFactory: (store: SweepStore, queue: SweepQueue) =>
            new SweepLifecycle(store, queue, new SweepDirectories(config.resultsDir)),
        },
        QueueShutdown,
      ],
      exports: [SERVICE_CONFIG, REDIS, SweepStore, SweepQueue, SweepLifecycle],
    };
  }
}
