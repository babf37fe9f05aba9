import { ModelLocations } from '../models/model-locations';
import { DEFAULT_LIMITS, SweepLimits } from '../spec/limits';
import { CONFIG, ConfigVariable } from './config-variables';
import { EnvReader } from './env-reader';

/** The configuration every tokensweep process shares: sweep limits and where models come from. */
export interface AnalysisConfig {
  limits: SweepLimits;
  models: ModelLocations;
}

/**
 * Each limit's entry of the table, under the limit's own name: a limit added to SweepLimits without
 * its entry in CONFIG does not compile, and one with it needs nothing more here.
 */
export const LIMIT_ENTRIES: Record<keyof SweepLimits, ConfigVariable<number>> = CONFIG;

/** Reads the shared part of the configuration; bad values are added to `reader.problems`. */
export function readAnalysisConfig(reader: EnvReader): AnalysisConfig {
  const keys = Object.keys(DEFAULT_LIMITS) as (keyof SweepLimits)[];
  return {
    limits: Object.fromEntries(
      keys.map((key) => [key, reader.read(LIMIT_ENTRIES[key])]),
    ) as unknown as SweepLimits,
    models: {
      modelsDir: reader.read(CONFIG.modelsDir),
      hfHome: reader.read(CONFIG.hfHome),
      hfEndpoint: reader.read(CONFIG.hfEndpoint),
      hfToken: reader.read(CONFIG.hfToken),
      offline: reader.read(CONFIG.hfHubOffline),
      cacheDir: reader.read(CONFIG.cacheDir),
    },
  };
}
