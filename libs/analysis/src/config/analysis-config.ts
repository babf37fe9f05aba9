import { ModelLocations } from '../models/model-locations';
import { SweepLimits } from '../spec/limits';
import { CONFIG } from './config-variables';
import { EnvReader } from './env-reader';

/** The configuration every tokensweep process shares: sweep limits and where models come from. */
export interface AnalysisConfig {
  limits: SweepLimits;
  models: ModelLocations;
}

/** Reads the shared part of the configuration; bad values are added to `reader.problems`. */
export function readAnalysisConfig(reader: EnvReader): AnalysisConfig {
  return {
    limits: {
      maxSweepNumbers: reader.read(CONFIG.maxSweepNumbers),
      maxMatrixNumbers: reader.read(CONFIG.maxMatrixNumbers),
      maxFourierNumbers: reader.read(CONFIG.maxFourierNumbers),
      maxPcaNumbers: reader.read(CONFIG.maxPcaNumbers),
      maxNeighborNumbers: reader.read(CONFIG.maxNeighborNumbers),
      maxSweepChunks: reader.read(CONFIG.maxSweepChunks),
    },
    models: {
      modelsDir: reader.read(CONFIG.modelsDir),
      hfHome: reader.read(CONFIG.hfHome),
      hfEndpoint: reader.read(CONFIG.hfEndpoint),
      hfToken: reader.read(CONFIG.hfToken),
      offline: reader.read(CONFIG.hfHubOffline),
    },
  };
}
