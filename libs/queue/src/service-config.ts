import {
  AnalysisConfig,
  CONFIG,
  ConfigError,
  EnvReader,
  readAnalysisConfig,
  readResultsTarget,
  StorageTarget,
} from '@tokensweep/analysis';

/** What the API and the workers both read: the shared analysis settings, Redis and the results. */
export interface ServiceConfig extends AnalysisConfig {
  redisUrl: string;
  queuePrefix: string;
  /** RESULTS_URL or RESULTS_DIR: a directory, or an S3 bucket prefix. */
  results: StorageTarget;
}

/** Reads the settings every service shares; bad values are added to `reader.problems`. */
export function readServiceSettings(reader: EnvReader): ServiceConfig {
  return {
    ...readAnalysisConfig(reader),
    redisUrl: reader.read(CONFIG.redisUrl),
    queuePrefix: reader.read(CONFIG.queuePrefix),
    results: readResultsTarget(reader),
  };
}

/**
 * The configuration of a starting process, read by `read`; a bad one is reported (one line per
 * variable) and the process exits 2.
 */
export function configOrExit<T>(
  read: (env: Record<string, string | undefined>) => T,
  report: (message: string) => void,
  env: Record<string, string | undefined> = process.env,
): T {
  try {
    return read(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    report(error.message);
    process.exit(2);
  }
}
