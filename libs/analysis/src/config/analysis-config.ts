import path from 'node:path';
import { ModelLocations } from '../models/model-locations';
import { DEFAULT_LIMITS, SweepLimits } from '../spec/limits';
import { defaultHfHome, EnvReader } from './env-reader';

/** The configuration every tokensweep process shares: sweep limits and where models come from. */
export interface AnalysisConfig {
  limits: SweepLimits;
  models: ModelLocations;
}

/** Reads the shared part of the configuration; bad values are added to `reader.problems`. */
export function readAnalysisConfig(
  reader: EnvReader,
  env: Record<string, string | undefined>,
): AnalysisConfig {
  const modelsDir = reader.string('MODELS_DIR');
  return {
    limits: {
      maxSweepNumbers: reader.integer('MAX_SWEEP_NUMBERS', DEFAULT_LIMITS.maxSweepNumbers, 1),
      maxMatrixNumbers: reader.integer('MAX_MATRIX_NUMBERS', DEFAULT_LIMITS.maxMatrixNumbers, 1),
      maxFourierNumbers: reader.integer('MAX_FOURIER_NUMBERS', DEFAULT_LIMITS.maxFourierNumbers, 2),
      maxPcaNumbers: reader.integer('MAX_PCA_NUMBERS', DEFAULT_LIMITS.maxPcaNumbers, 1),
      maxNeighborNumbers: reader.integer('MAX_NEIGHBOR_NUMBERS', DEFAULT_LIMITS.maxNeighborNumbers, 1),
      maxSweepChunks: reader.integer('MAX_SWEEP_CHUNKS', DEFAULT_LIMITS.maxSweepChunks, 1),
    },
    models: {
      modelsDir: modelsDir ? path.resolve(modelsDir) : undefined,
      hfHome: defaultHfHome(env),
      hfEndpoint: reader.url('HF_ENDPOINT', 'https://huggingface.co'),
      hfToken: reader.string('HF_TOKEN'),
      offline: reader.boolean('HF_HUB_OFFLINE'),
    },
  };
}
