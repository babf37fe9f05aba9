import { CONFIG, EnvReader } from '@tokensweep/analysis';
import { QueuePolicy, readServiceSettings, ServiceConfig } from '@tokensweep/queue';

/** The API's configuration: the shared service settings, HTTP, and how its jobs are enqueued. */
export interface ApiConfig extends ServiceConfig {
  port: number;
  apiKey?: string;
  rateLimitPerMinute: number;
  maxBodyBytes: number;
  /** Attempts and retention of the jobs the API enqueues (the jobs carry them to the workers). */
  queuePolicy: QueuePolicy;
}

export const API_CONFIG = Symbol('API_CONFIG');

/** Reads and validates the API's configuration; throws a ConfigError listing every bad variable. */
export function readApiConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  const reader = new EnvReader(env);
  const config: ApiConfig = {
    ...readServiceSettings(reader),
    port: reader.read(CONFIG.port),
    apiKey: reader.read(CONFIG.apiKey),
    rateLimitPerMinute: reader.read(CONFIG.rateLimitPerMinute),
    maxBodyBytes: reader.read(CONFIG.maxBodyBytes),
    queuePolicy: {
      attempts: reader.read(CONFIG.chunkAttempts),
      keepCompleted: reader.read(CONFIG.keepCompletedJobs),
      keepFailed: reader.read(CONFIG.keepFailedJobs),
    },
  };
  reader.check();
  return config;
}
