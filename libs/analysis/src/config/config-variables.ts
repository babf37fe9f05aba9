import os from 'node:os';
import { DEFAULT_LIMITS } from '../spec/limits';
import {
  cacheDir,
  ConfigParser,
  directory,
  flag,
  hfHome,
  integer,
  optionalText,
  optionalUrl,
  text,
  url,
} from './config-parsers';

/** The processes that read configuration. */
export type ConfigProcess = 'api' | 'worker' | 'cli';

/** One environment variable: its name, how it is parsed, which processes read it, what it means. */
export interface ConfigVariable<T = unknown> {
  name: string;
  parser: ConfigParser<T>;
  processes: readonly ConfigProcess[];
  description: string;
  /** Other variables its parser consults (HF_HOME's default comes from XDG_CACHE_HOME). */
  alsoReads?: readonly string[];
  /** The API and the workers must agree on it (docker-compose.yml sets it once for both). */
  shared?: boolean;
}

const ALL = ['api', 'worker', 'cli'] as const;
const SERVICES = ['api', 'worker'] as const;
const API = ['api'] as const;
const WORKER = ['worker'] as const;
const CLI = ['cli'] as const;

function variable<T>(
  name: string,
  processes: readonly ConfigProcess[],
  parser: ConfigParser<T>,
  description: string,
  more: Pick<ConfigVariable, 'alsoReads' | 'shared'> = {},
): ConfigVariable<T> {
  return { name, parser, processes, description, ...more };
}

const SHARED = { shared: true };

/**
 * Every environment variable tokensweep reads, each once. The readers of each process read through
 * these entries only; the README's configuration table, docker-compose.yml and the tests are checked
 * against them. Adding a variable is adding an entry here (and its row in the README); a sweep
 * limit's entry goes under the limit's own key (see LIMIT_ENTRIES), and is then read with the others.
 */
export const CONFIG = {
  redisUrl: variable(
    'REDIS_URL',
    SERVICES,
    url('redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    'Redis',
    SHARED,
  ),
  queuePrefix: variable(
    'QUEUE_PREFIX',
    SERVICES,
    text('tokensweep', /^[A-Za-z0-9_.-]+$/, "use letters, digits, '.', '_' or '-'"),
    'prefix of every Redis key',
    SHARED,
  ),
  resultsDir: variable(
    'RESULTS_DIR',
    SERVICES,
    directory('./results'),
    'where sweep directories live (shared by all)',
    SHARED,
  ),
  resultsUrl: variable(
    'RESULTS_URL',
    SERVICES,
    optionalText(),
    'results in `file:///DIR` or `s3://BUCKET/PREFIX` instead (not with `RESULTS_DIR`)',
  ),
  awsEndpointUrlS3: variable(
    'AWS_ENDPOINT_URL_S3',
    ALL,
    optionalUrl(['http:', 'https:'], 'AWS S3'),
    'an S3-compatible store for results (path-style addressing)',
  ),
  awsEndpointUrl: variable(
    'AWS_ENDPOINT_URL',
    ALL,
    optionalUrl(['http:', 'https:'], 'AWS S3'),
    'the same, when `AWS_ENDPOINT_URL_S3` is unset',
  ),
  awsRegion: variable('AWS_REGION', ALL, optionalText('`us-east-1` with an endpoint'), "the bucket's region"),
  modelsDir: variable(
    'MODELS_DIR',
    ALL,
    directory(),
    'directory of models as `<id>/`, searched before the cache',
  ),
  hfHome: variable('HF_HOME', ALL, hfHome(), 'Hugging Face cache root (`$HF_HOME/hub`)', {
    alsoReads: ['XDG_CACHE_HOME'],
    shared: true,
  }),
  hfEndpoint: variable('HF_ENDPOINT', ALL, url('https://huggingface.co', ['http:', 'https:']), 'the Hub'),
  hfToken: variable('HF_TOKEN', ALL, optionalText(), 'token for gated or private models'),
  hfHubOffline: variable('HF_HUB_OFFLINE', ALL, flag(), '`1`: never download'),
  cacheDir: variable(
    'TOKENSWEEP_CACHE_DIR',
    ALL,
    cacheDir(),
    "where matrices' sha256 are kept between runs (by file identity); `off`: nowhere",
    { alsoReads: ['XDG_CACHE_HOME'] },
  ),
  port: variable('PORT', API, integer(3000, { max: 65535 }), 'HTTP port'),
  apiKey: variable('API_KEY', API, optionalText('— (open)'), 'require this bearer key'),
  rateLimitPerMinute: variable(
    'RATE_LIMIT_PER_MINUTE',
    API,
    integer(60),
    'submissions per client per minute; 0 = off',
  ),
  maxBodyBytes: variable(
    'MAX_BODY_BYTES',
    API,
    integer(65_536, { min: 256, max: 64 * 1024 * 1024 }),
    'request body limit (413 beyond)',
  ),
  maxSweepNumbers: variable(
    'MAX_SWEEP_NUMBERS',
    ALL,
    integer(DEFAULT_LIMITS.maxSweepNumbers, { min: 1 }),
    'numbers per sweep',
    SHARED,
  ),
  maxMatrixNumbers: variable(
    'MAX_MATRIX_NUMBERS',
    ALL,
    integer(DEFAULT_LIMITS.maxMatrixNumbers, { min: 1 }),
    'numbers of a sweep with `cosine-matrix`',
    SHARED,
  ),
  maxFourierNumbers: variable(
    'MAX_FOURIER_NUMBERS',
    ALL,
    integer(DEFAULT_LIMITS.maxFourierNumbers, { min: 2 }),
    'numbers of a sweep with `fourier`',
    SHARED,
  ),
  maxPcaNumbers: variable(
    'MAX_PCA_NUMBERS',
    ALL,
    integer(DEFAULT_LIMITS.maxPcaNumbers, { min: 1 }),
    'numbers of a sweep with `pca`',
    SHARED,
  ),
  maxNeighborNumbers: variable(
    'MAX_NEIGHBOR_NUMBERS',
    ALL,
    integer(DEFAULT_LIMITS.maxNeighborNumbers, { min: 1 }),
    'numbers of a sweep with `neighbors`',
    SHARED,
  ),
  maxSweepChunks: variable(
    'MAX_SWEEP_CHUNKS',
    ALL,
    integer(DEFAULT_LIMITS.maxSweepChunks, { min: 1 }),
    'chunks (jobs, part files) per sweep',
    SHARED,
  ),
  workerConcurrency: variable(
    'WORKER_CONCURRENCY',
    WORKER,
    integer(() => os.availableParallelism(), { min: 1, max: 256, shown: 'cores' }),
    'chunks at a time (one thread each)',
  ),
  chunkAttempts: variable(
    'CHUNK_ATTEMPTS',
    API,
    integer(3, { min: 1, max: 100 }),
    'attempts per chunk, exponential backoff from 1 s',
  ),
  lockDurationMs: variable('LOCK_DURATION_MS', WORKER, integer(30_000, { min: 1_000 }), 'BullMQ job lock'),
  stalledIntervalMs: variable(
    'STALLED_INTERVAL_MS',
    WORKER,
    integer(30_000, { min: 1_000 }),
    'BullMQ stalled-job check',
  ),
  shutdownTimeoutMs: variable(
    'SHUTDOWN_TIMEOUT_MS',
    WORKER,
    integer(30_000),
    'on SIGTERM, time active chunks get before they are handed back',
  ),
  keepCompletedJobs: variable(
    'KEEP_COMPLETED_JOBS',
    API,
    integer(1_000),
    'completed job records kept in Redis',
  ),
  keepFailedJobs: variable('KEEP_FAILED_JOBS', API, integer(5_000), 'failed job records kept in Redis'),
  tokensweepApi: variable('TOKENSWEEP_API', CLI, optionalText(), 'default of `--api`'),
  tokensweepApiKey: variable('TOKENSWEEP_API_KEY', CLI, optionalText(), 'default of `--api-key`'),
} satisfies Record<string, ConfigVariable>;

/** The table as a list, in declaration order (the README's order). */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = Object.values(CONFIG);

/** The variables `process` reads, including those their parsers consult. */
export function variablesReadBy(process: ConfigProcess): string[] {
  return CONFIG_VARIABLES.filter((v) => v.processes.includes(process)).flatMap((v) => [
    v.name,
    ...(v.alsoReads ?? []),
  ]);
}

/** How the README's "used by" column names a variable's processes. */
export function usedBy(variable: ConfigVariable): string {
  return variable.processes.length === ALL.length ? 'all' : variable.processes.join(', ');
}
