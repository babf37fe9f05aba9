import { CONFIG, EnvReader } from '@tokensweep/analysis';
import { readServiceSettings, ServiceConfig } from '@tokensweep/queue';

/** A worker's configuration: the shared service settings and how it takes and holds jobs. */
export interface WorkerConfig extends ServiceConfig {
  workerConcurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  shutdownTimeoutMs: number;
}

export const WORKER_CONFIG = Symbol('WORKER_CONFIG');

/** Reads and validates a worker's configuration; throws a ConfigError listing every bad variable. */
export function readWorkerConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  const reader = new EnvReader(env);
  const config: WorkerConfig = {
    ...readServiceSettings(reader),
    workerConcurrency: reader.read(CONFIG.workerConcurrency),
    lockDurationMs: reader.read(CONFIG.lockDurationMs),
    stalledIntervalMs: reader.read(CONFIG.stalledIntervalMs),
    shutdownTimeoutMs: reader.read(CONFIG.shutdownTimeoutMs),
  };
  reader.check();
  return config;
}
