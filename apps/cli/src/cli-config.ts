import os from 'node:os';
import { AnalysisConfig, CONFIG, EnvReader, readAnalysisConfig } from '@tokensweep/analysis';

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
    ...readAnalysisConfig(reader),
    defaultThreads: os.availableParallelism(),
    api: reader.read(CONFIG.tokensweepApi),
    apiKey: reader.read(CONFIG.tokensweepApiKey),
  };
  return { config, problems: reader.problems };
}
