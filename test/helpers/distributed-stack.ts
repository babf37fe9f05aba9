import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach } from 'vitest';
import { writeDemoModel } from '@tokensweep/analysis/demo/demo-model';
import { RedisServer } from './redis-server';
import { Services } from './services';
import { SweepApi } from './sweep-api';
import { TestWorkspace } from './test-model';

/** The Hub ids the stack's MODELS_DIR answers (GPT-2's tokenizer, different seeded embeddings). */
export const DEMO_MODELS = { 'demo-a': 11, 'demo-b': 22 } as const;

export interface StackOptions {
  label: string;
  workers: number;
  /** Extra environment of the API and the workers (WORKER_CONCURRENCY, API_KEY, …). */
  env?: Record<string, string>;
  appendonly?: boolean;
}

/**
 * One test file's distributed tokensweep: its own redis-server on a free port, a fresh QUEUE_PREFIX,
 * a temp RESULTS_DIR and MODELS_DIR (with the DEMO_MODELS), the API and `workers` worker processes.
 * `close()` stops all of it and removes the temp root; call it in afterAll (it tolerates a half start).
 */
export class DistributedStack {
  redis?: RedisServer;
  services?: Services;
  private inspector?: Redis;
  private readonly queues: Queue[] = [];

  private constructor(
    readonly workspace: TestWorkspace,
    readonly env: Record<string, string>,
  ) {}

  /** Builds the stack step by step; on a failure everything already started is stopped. */
  static async start(options: StackOptions): Promise<DistributedStack> {
    const workspace = await TestWorkspace.create(options.label);
    // results in a bucket (RESULTS_URL in env) rule out a RESULTS_DIR: the services refuse both
    const resultsDir: Record<string, string> = options.env?.RESULTS_URL
      ? {}
      : { RESULTS_DIR: path.join(workspace.root, 'results') };
    const stack = new DistributedStack(workspace, {
      QUEUE_PREFIX: `ts-${options.label}-${randomBytes(4).toString('hex')}`,
      ...resultsDir,
      MODELS_DIR: path.join(workspace.root, 'models-dir'),
      HF_HOME: path.join(workspace.root, 'hf'),
      HF_HUB_OFFLINE: '1',
      // a worker that cannot finish its jobs (Redis gone in a failing test) must not hold up afterAll
      SHUTDOWN_TIMEOUT_MS: '5000',
      ...options.env,
    });
    try {
      await Promise.all(
        Object.entries(DEMO_MODELS).map(([name, seed]) =>
          writeDemoModel(path.join(stack.modelsDir, name), { seed }),
        ),
      );
      if (stack.resultsDir) await mkdir(stack.resultsDir, { recursive: true });
      stack.redis = await RedisServer.start({ appendonly: options.appendonly });
      stack.env.REDIS_URL = stack.redis.url;
      stack.services = await Services.start(stack.env, options.workers);
    } catch (error) {
      await stack.close();
      throw error;
    }
    return stack;
  }

  get resultsDir(): string {
    return this.env.RESULTS_DIR;
  }

  get modelsDir(): string {
    return this.env.MODELS_DIR;
  }

  get prefix(): string {
    return this.env.QUEUE_PREFIX;
  }

  get api(): SweepApi {
    return new SweepApi(this.services!.url);
  }

  sweepDir(id: string): string {
    return path.join(this.resultsDir, id);
  }

  /** The services' and Redis's output, for a failure message. */
  logs = (): string =>
    [this.services?.logs() ?? '', this.redis ? this.redis.log().slice(-2_000) : ''].join('\n');

  /** Registers an afterEach that prints the services' output when a test of the file failed. */
  static logsOnFailure(stack: () => DistributedStack | undefined): void {
    afterEach(({ task }) => {
      if (task.result?.state === 'fail')
        console.error(`${task.name}: the services said\n${stack()?.logs() ?? ''}`);
    });
  }

  /** A BullMQ handle on one of the sweep queues (read-only use: counts, jobs, processedBy). */
  queue(name: 'chunks' | 'finalize'): Queue {
    this.inspector ??= new Redis(this.redis!.url, { maxRetriesPerRequest: null });
    const queue = new Queue(name, { connection: this.inspector, prefix: this.prefix });
    this.queues.push(queue);
    return queue;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.queues.map((q) => q.close()));
    this.inspector?.disconnect();
    await this.services?.stop().catch(() => undefined);
    await this.redis?.close().catch(() => undefined);
    await this.workspace.cleanup();
  }
}
