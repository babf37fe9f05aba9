import { AnalysisConfig, CONFIG, ConfigError, EnvReader, readAnalysisConfig } from '@tokensweep/analysis';

/** What the API and the workers both read: the shared analysis settings, Redis and the results. */
export interface ServiceConfig extends AnalysisConfig {
  redisUrl: string;
  queuePrefix: string;
  resultsDir: string;
}

/** Reads the settings every service shares; bad values are added to `reader.problems`. */
export function readServiceSettings(reader: EnvReader): ServiceConfig {
  return {
    ...readAnalysisConfig(reader),
    redisUrl: reader.read(CONFIG.redisUrl),
    queuePrefix: reader.read(CONFIG.queuePrefix),
    resultsDir: reader.read(CONFIG.resultsDir),
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
