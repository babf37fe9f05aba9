import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  checkModel,
  createExecutor,
  embeddedThreads,
  Manifest,
  ModelUnavailableError,
  needsEmbedding,
  openSweep,
  openSweepStorage,
  parseResultsUrl,
  parseSweepSpec,
  runEmbeddedSweep,
  SpecError,
  StorageTarget,
  SweepSpec,
} from '@tokensweep/analysis';
import { CliConfig } from '../cli-config';
import { CliError } from '../cli-error';
import { readNumbersFile } from '../number-file';
import { ProgressBar } from '../progress-bar';
import { formatSummaryTable } from '../summary-table';

export interface RunOptions {
  model?: string[];
  numbers?: string;
  format?: string[];
  analysis?: string[];
  matrix?: string;
  pooling?: string;
  plots?: boolean;
  chunkSize?: number;
  tileSize?: number;
  threads?: number;
  out?: string;
  force?: boolean;
  json?: boolean;
}

/** `tokensweep run`: validates, checks the models, then runs the sweep embedded (libs/analysis's runner) on local threads. */
export async function runCommand(options: RunOptions, config: CliConfig): Promise<Manifest> {
  const input = await specInput(options);
  let parsed;
  try {
    parsed = parseSweepSpec(input, { limits: config.limits, allowLocalModels: true });
  } catch (error) {
    if (error instanceof SpecError) throw new CliError(error.problems.join('\n'), 2);
    throw error;
  }
  const { spec, numbers } = parsed;
  const opened = openSweep(spec, numbers);
  const output = outTarget(options.out ?? path.join('results', opened.record.id), config);
  const sweepDir = openSweepStorage(output).location;

  // the threads start (a sixth of a second each), and the first chunk's model loads if it is on this
  // machine already, while the models are checked (and downloaded) and the output is cleared
  const threads = embeddedThreads(opened.tasks, options.threads, config.defaultThreads);
  const executor = createExecutor(threads, { locations: config.models, allowLocalModels: true });
  const first = opened.tasks[0];
  if (first) void executor.preload?.(first.model, needsEmbedding(spec.analyses), spec.matrix, false);
  try {
    await checkModels(spec, config);
    await prepareOut(output, options.force ?? false);
  } catch (error) {
    await executor.close();
    throw error;
  }
  const progress = new ProgressBar(process.stderr, opened.tasks.length);
  let done = 0;
  progress.update(0, true);
  let ended;
  try {
    ended = await runEmbeddedSweep(opened, output, executor, () => progress.update(++done));
  } finally {
    progress.finish();
  }
  const { record, manifest } = ended;
  if (record.status === 'failed')
    throw new CliError(`sweep failed: ${record.error} (partial results in ${sweepDir})`, 1);
  if (options.json) process.stdout.write(JSON.stringify(manifest, null, 2) + '\n');
  else
    process.stdout.write(
      `${formatSummaryTable(manifest.summary)}\n\n${manifest.files.length} part files in ${sweepDir}\n`,
    );
  return manifest;
}

/** Each model of the spec is there (downloaded now if it has to be) with what the analyses read. */
async function checkModels(spec: SweepSpec, config: CliConfig): Promise<void> {
  const embedding = needsEmbedding(spec.analyses);
  for (const model of spec.models) {
    try {
      await checkModel(model, config.models, embedding, true, spec.matrix);
    } catch (error) {
      throw new CliError((error as Error).message, error instanceof ModelUnavailableError ? 2 : 1);
    }
  }
}

/** The spec as the flags give it; `--numbers @FILE` reads the file's list. */
export async function specInput(options: RunOptions): Promise<Record<string, unknown>> {
  const input: Record<string, unknown> = {};
  if (options.model) input.models = options.model;
  if (options.numbers?.startsWith('@')) input.numbers = await readNumbersFile(options.numbers.slice(1));
  else if (options.numbers !== undefined) input.numbers = options.numbers;
  if (options.format) input.formats = options.format;
  if (options.analysis) input.analyses = options.analysis;
  if (options.matrix !== undefined) input.matrix = options.matrix;
  if (options.pooling !== undefined) input.pooling = options.pooling;
  if (options.plots) input.plots = true;
  if (options.chunkSize !== undefined) input.chunkSize = options.chunkSize;
  if (options.tileSize !== undefined) input.tileSize = options.tileSize;
  return input;
}

/** `--out`: a directory, `file:///DIR`, or `s3://BUCKET/PREFIX` (the prefix is the sweep's directory). */
function outTarget(out: string, config: CliConfig): StorageTarget {
  if (!/^[a-z0-9]+:\/\//.test(out)) return { kind: 'file', dir: path.resolve(out) };
  let target: StorageTarget;
  try {
    target = parseResultsUrl(out, config.s3, '--out');
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
  if (target.kind === 's3' && !target.prefix)
    throw new CliError(`--out ${out}: name a prefix for the sweep (s3://${target.bucket}/PREFIX)`, 2);
  return target;
}

/** A sweep goes only where nothing is: a non-empty --out is refused, or cleared with --force. */
async function prepareOut(target: StorageTarget, force: boolean): Promise<void> {
  if (target.kind === 'file') return prepareOutDir(target.dir, force);
  const storage = openSweepStorage(target);
  let objects;
  try {
    objects = await storage.list();
  } catch (error) {
    throw new CliError(`--out ${storage.location}: ${(error as Error).message}`, 2);
  }
  if (objects.length === 0) return;
  if (!force)
    throw new CliError(
      `--out ${storage.location} already holds ${objects.length} object(s); choose another prefix or pass --force to delete them first`,
      2,
    );
  await storage.removeAll();
}

async function prepareOutDir(dir: string, force: boolean): Promise<void> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw new CliError(`--out ${dir}: ${error.message}`, 2);
  });
  if (entries.length > 0) {
    if (!force)
      throw new CliError(
        `--out ${dir} is not empty; choose another directory or pass --force to replace its contents`,
        2,
      );
    await Promise.all(entries.map((entry) => rm(path.join(dir, entry), { recursive: true, force: true })));
  }
  await mkdir(dir, { recursive: true });
}
