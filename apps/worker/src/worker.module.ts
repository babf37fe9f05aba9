import { Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ChunkExecutor, createExecutor } from '@tokensweep/analysis';
import { JobName, QueueModule } from '@tokensweep/queue';
import { WORKER_CONFIG, WorkerConfig } from './config/worker-config';
import { ChunkProcessor } from './processors/chunk.processor';
import { FinalizeProcessor } from './processors/finalize.processor';
import { QueueWorkersRepository } from './repositories/queue-workers.repository';
import { CHUNK_EXECUTOR } from './tokens';

/** Wires the job registry to the processors once everything is built, and stops the thread pool last. */
@Injectable()
class WorkerStartup implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly workers: QueueWorkersRepository,
    private readonly chunks: ChunkProcessor,
    private readonly finalize: FinalizeProcessor,
    @Inject(CHUNK_EXECUTOR) private readonly executor: ChunkExecutor,
  ) {}

  onApplicationBootstrap(): void {
    this.workers.start(
      {
        [JobName.RunChunk]: (job) => this.chunks.process(job),
        [JobName.FinalizeSweep]: (job) => this.finalize.process(job),
      },
      {
        abandoned: {
          [JobName.RunChunk]: (job, reason) => this.chunks.abandoned(job, reason),
          [JobName.FinalizeSweep]: (job, reason) => this.finalize.abandoned(job, reason),
        },
        // chunks run on the executor's threads: closing it ends them (finalize jobs run to their end)
        stopRunning: () => this.executor.close(),
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    // Nest runs the shutdown hooks of one module side by side: the workers must have stopped (their
    // active chunks finished, or handed back and stopped) before the threads are terminated for good
    await this.workers.close();
    await this.executor.close();
  }
}

@Module({})
export class WorkerModule {
  static forConfig(config: WorkerConfig) {
    return {
      module: WorkerModule,
      imports: [QueueModule.forRoot(config, 'worker')],
      providers: [
        { provide: WORKER_CONFIG, useValue: config },
        {
          provide: CHUNK_EXECUTOR,
          inject: [WORKER_CONFIG],
          useFactory: (c: WorkerConfig): ChunkExecutor => {
            // Chunks run on threads so that this event loop stays free to renew job locks.
            return createExecutor(c.workerConcurrency, { locations: c.models, allowLocalModels: false });
          },
        },
        QueueWorkersRepository,
        ChunkProcessor,
        FinalizeProcessor,
        WorkerStartup,
      ],
    };
  }
}
