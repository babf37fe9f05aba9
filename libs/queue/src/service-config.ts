import os from 'node:os';
import {
  AnalysisConfig,
  EnvReader,
  readAnalysisConfig,
  readResultsTarget,
  StorageTarget,
} from '@tokensweep/analysis';

/** Configuration of the API and worker processes, read once at start-up and validated. */
export interface ServiceConfig extends AnalysisConfig {
  redisUrl: string;
  queuePrefix: string;
  /** RESULTS_URL or RESULTS_DIR: a directory, or an S3 bucket prefix. */
  results: StorageTarget;
  port: number;
  apiKey?: string;
  rateLimitPerMinute: number;
  maxBodyBytes: number;
  workerConcurrency: number;
  chunkAttempts: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  shutdownTimeoutMs: number;
  keepCompletedJobs: number;
  keepFailedJobs: number;
}

/** A configuration that cannot start a process; the message lists every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export function readServiceConfig(env: Record<string, string | undefined> = process.env): ServiceConfig {
  const reader = new EnvReader(env);
  const config: ServiceConfig = {
    ...readAnalysisConfig(reader, env),
    redisUrl: reader.url('REDIS_URL', 'redis://127.0.0.1:6379'),
    queuePrefix: reader.string('QUEUE_PREFIX') ?? 'tokensweep',
    results: readResultsTarget(reader),
    port: reader.integer('PORT', 3000, 0, 65535),
    apiKey: reader.string('API_KEY'),
    rateLimitPerMinute: reader.integer('RATE_LIMIT_PER_MINUTE', 60),
    maxBodyBytes: reader.integer('MAX_BODY_BYTES', 65_536, 256, 64 * 1024 * 1024),
    workerConcurrency: reader.integer('WORKER_CONCURRENCY', os.availableParallelism(), 1, 256),
    chunkAttempts: reader.integer('CHUNK_ATTEMPTS', 3, 1, 100),
    lockDurationMs: reader.integer('LOCK_DURATION_MS', 30_000, 1_000),
    stalledIntervalMs: reader.integer('STALLED_INTERVAL_MS', 30_000, 1_000),
    shutdownTimeoutMs: reader.integer('SHUTDOWN_TIMEOUT_MS', 30_000, 0),
    keepCompletedJobs: reader.integer('KEEP_COMPLETED_JOBS', 1_000),
    keepFailedJobs: reader.integer('KEEP_FAILED_JOBS', 5_000),
  };
  if (config.queuePrefix.includes(':') || !/^[A-Za-z0-9_.-]+$/.test(config.queuePrefix)) {
    reader.problems.push(`QUEUE_PREFIX=${config.queuePrefix}: use letters, digits, '.', '_' or '-'`);
  }
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return config;
}

/** The configuration of a starting process; a bad one is reported (one line per variable) and exits 2. */
export function serviceConfigOrExit(
  report: (message: string) => void,
  env: Record<string, string | undefined> = process.env,
): ServiceConfig {
  try {
    return readServiceConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    report(error.message);
    process.exit(2);
  }
}
