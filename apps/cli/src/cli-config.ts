import os from 'node:os';
import { AnalysisConfig, EnvReader, readAnalysisConfig } from '@tokensweep/analysis';

/** The CLI's configuration, read once from the environment. */
export interface CliConfig extends AnalysisConfig {
  defaultThreads: number;
  api?: string;
  apiKey?: string;
}

export function readCliConfig(env: Record<string, string | undefined> = process.env): {
  config: CliConfig;
  problems: string[];
} {
  const reader = new EnvReader(env);
  const config: CliConfig = {
    ...readAnalysisConfig(reader, env),
    defaultThreads: os.availableParallelism(),
    api: reader.string('TOKENSWEEP_API'),
    apiKey: reader.string('TOKENSWEEP_API_KEY'),
  };
  return { config, problems: reader.problems };
}
