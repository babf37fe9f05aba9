import os from 'node:os';
import {
  AnalysisConfig,
  CONFIG,
  EnvReader,
  readAnalysisConfig,
  readS3Connection,
  S3Connection,
} from '@tokensweep/analysis';

/** The CLI's configuration, read once from the environment. */
export interface CliConfig extends AnalysisConfig {
  defaultThreads: number;
  api?: string;
  apiKey?: string;
  /** How `--out s3://…` reaches its store (AWS_ENDPOINT_URL_S3/AWS_ENDPOINT_URL, AWS_REGION). */
  s3: S3Connection;
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
    s3: readS3Connection(reader),
  };
  return { config, problems: reader.problems };
}
