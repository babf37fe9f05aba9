import { Table } from '#arrow';
import { cosineMatrixTile } from './analyses/cosine-matrix';
import type { ChunkSteps } from './chunk-steps';
import { fourierTable, longestEmbeddedRun } from './analyses/fourier';
import { neighborsTable } from './analyses/neighbors';
import { pcaTable } from './analyses/pca';
import { signSymmetryTable } from './analyses/sign-symmetry';
import { successiveCosineTable } from './analyses/successive-cosine';
import { tokensTable } from './analyses/tokens';
import { CosineKernel } from './compute/cosine-kernel';
import { rawEmbeddings, unitVectors } from './compute/number-embeddings';
import { dropFirst, pick, tokenizeNumbers } from './compute/tokenize-numbers';
import { LoadedModel, ModelCache } from './models/model-cache';
import { encodeParquet } from './output/parquet-file';
import { isSummarized, PART_SUMMARY_KEY, summarizePart } from './output/part-summary';
import { partMetadata } from './output/provenance';
import { partPath } from './output/sweep-layout';
import {
  ChunkTask,
  FourierTask,
  MatrixTileTask,
  NeighborsTask,
  NumbersTask,
  PcaTask,
} from './plan/chunk-task';
import { needsEmbedding } from './plan/plan-sweep';
import { NumberSet } from './spec/number-set';
import { SweepSpec } from './spec/sweep-spec';
import { Analysis } from './spec/vocabulary';
import { SweepStorage } from './storage/sweep-storage';

/** A chunk as a job carries it: the spec it belongs to (validated), and the task. */
export interface ChunkJob {
  spec: SweepSpec;
  specHash: string;
  task: ChunkTask;
}

/** What a process provides to run chunks: where the sweep is written, its models, number sets and cosine kernel. */
export interface ChunkContext {
  storage: SweepStorage;
  models: ModelCache;
  numbers: NumberSet;
  kernel: CosineKernel;
  /** Times each step when given (the bench). */
  steps?: ChunkSteps;
  /** Called once every part is encoded and handed to the disk, before their writes end. */
  onEncoded?: () => void;
}

/** One part file a chunk wrote. */
export interface PartFile {
  path: string;
  analysis: Analysis;
  model: string;
  format: string;
  rows: number;
  bytes: number;
}

/**
 * Runs one chunk: loads the model from the process's cache, computes the task's rows column-wise,
 * and writes one part per analysis through the sweep's storage, each appearing only whole. Idempotent: running it again rewrites the same parts.
 */
export async function runChunk(job: ChunkJob, context: ChunkContext): Promise<PartFile[]> {
  const { spec, task } = job;
  const { steps } = context;
  steps?.restart();
  const model = await context.models.get(task.model, needsEmbedding(spec.analyses), spec.matrix);
  steps?.lap('model');
  const tables = await computeTables(task, spec, model, context);
  if (task.kind !== 'numbers') steps?.lap(task.kind); // a numbers task times its analyses one by one
  // Each part is written while the next is encoded: only the last part's write (and sync) is waited
  // for alone. The chunk ends once every write has ended, failed ones included, so that none of its
  // writes is still under way when its outcome is reported.
  const writes: Promise<PartFile>[] = [];
  for (const [analysis, table, footerSummary] of tables) {
    const relative = partPath(analysis, model.provenance.slug, task.format, task.part);
    const metadata = partMetadata(model.provenance, {
      analysis,
      format: task.format,
      pooling: spec.pooling,
      specHash: job.specHash,
    });
    if (isSummarized(analysis)) metadata[PART_SUMMARY_KEY] = JSON.stringify(summarizePart(analysis, table));
    else if (footerSummary !== undefined) metadata[PART_SUMMARY_KEY] = footerSummary;
    steps?.lap('part summary');
    const parquet = encodeParquet(table, metadata);
    steps?.lap('Parquet encode');
    const rows = table.numRows;
    writes.push(
      context.storage.write(relative, parquet).then((bytes) => ({
        path: relative,
        analysis,
        model: task.model,
        format: task.format,
        rows,
        bytes,
      })),
    );
  }
  context.onEncoded?.();
  const outcomes = await Promise.allSettled(writes);
  steps?.lap('file write');
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<PartFile>).value);
}

/** An analysis's rows, and for a part whose summary its rows cannot give, that summary as footer JSON. */
type ChunkTable = [Analysis, Table] | [Analysis, Table, string];

function computeTables(
  task: ChunkTask,
  spec: SweepSpec,
  model: LoadedModel,
  context: ChunkContext,
): Promise<ChunkTable[]> | ChunkTable[] {
  switch (task.kind) {
    case 'numbers':
      return numbersTables(task, spec, model, context);
    case 'matrix-tile':
      return matrixTileTables(task, spec, model, context);
    case 'fourier':
      return fourierTables(task, spec, model, context.numbers);
    case 'pca':
      return pcaTables(task, spec, model, context.numbers);
    case 'neighbors':
      return neighborsTables(task, spec, model, context);
  }
}

function numbersTables(
  task: NumbersTask,
  spec: SweepSpec,
  model: LoadedModel,
  { numbers, steps }: ChunkContext,
): [Analysis, Table][] {
  // Successive cosines need the number before the slice, which may live in the previous chunk.
  const lead = task.analyses.includes('successive-cosine') && task.from > 0 ? 1 : 0;
  const values = numbers.slice(task.from - lead, task.to);
  const tokens = tokenizeNumbers(model.tokenizer, values, task.format);
  const own = lead ? dropFirst(tokens) : tokens;
  steps?.lap('tokenize');
  const tables: [Analysis, Table][] = [];
  if (task.analyses.includes('tokens')) tables.push(['tokens', tokensTable(own, model.tokenizer)]);
  steps?.lap('tokens');
  if (task.analyses.includes('sign-symmetry')) {
    // the positives are tokenized already (the same text always gives the same ids); only -n is new
    const positives = pick(own, pairedPositions(own.values, numbers));
    const negatives = positives.values.map((v) => -v);
    tables.push([
      'sign-symmetry',
      signSymmetryTable(positives, tokenizeNumbers(model.tokenizer, negatives, task.format)),
    ]);
    steps?.lap('sign-symmetry');
  }
  if (task.analyses.includes('successive-cosine')) {
    // with no predecessor (the sweep's first number), the first value only anchors the next row
    tables.push(['successive-cosine', successiveCosineTable(tokens, requireEmbeddings(model), spec.pooling)]);
    steps?.lap('successive-cosine');
  }
  return tables;
}

/** The positions of the numbers n ≥ 1 whose negative -n the sweep also holds (a loop of its own, optimized once). */
function pairedPositions(values: Float64Array, numbers: NumberSet): Int32Array {
  const positions = new Int32Array(values.length);
  let count = 0;
  for (let i = 0; i < values.length; i++)
    if (values[i] >= 1 && numbers.has(-values[i])) positions[count++] = i;
  return positions.subarray(0, count);
}

async function matrixTileTables(
  task: MatrixTileTask,
  spec: SweepSpec,
  model: LoadedModel,
  { numbers, kernel }: ChunkContext,
): Promise<[Analysis, Table][]> {
  const matrix = requireEmbeddings(model);
  const edge = ([from, to]: [number, number]) => {
    const values = numbers.slice(from, to);
    return unitVectors(tokenizeNumbers(model.tokenizer, values, task.format), matrix, spec.pooling);
  };
  const rows = edge(task.rows);
  const cols = task.cols[0] === task.rows[0] && task.cols[1] === task.rows[1] ? rows : edge(task.cols);
  return [['cosine-matrix', await cosineMatrixTile(rows, cols, kernel)]];
}

function fourierTables(
  task: FourierTask,
  spec: SweepSpec,
  model: LoadedModel,
  numbers: NumberSet,
): [Analysis, Table][] {
  const values = numbers.slice(0, numbers.size);
  const embeddings = rawEmbeddings(
    tokenizeNumbers(model.tokenizer, values, task.format),
    requireEmbeddings(model),
    spec.pooling,
  );
  const run = longestEmbeddedRun(values, embeddings.present);
  return [['fourier', fourierTable(embeddings, run.from, run.to)]];
}

function pcaTables(task: PcaTask, spec: SweepSpec, model: LoadedModel, numbers: NumberSet): ChunkTable[] {
  const values = numbers.slice(0, numbers.size);
  const tokens = tokenizeNumbers(model.tokenizer, values, task.format);
  const { table, summary } = pcaTable(tokens, requireEmbeddings(model), spec.pooling);
  return [['pca', table, JSON.stringify(summary)]];
}

async function neighborsTables(
  task: NeighborsTask,
  spec: SweepSpec,
  model: LoadedModel,
  { numbers, kernel }: ChunkContext,
): Promise<ChunkTable[]> {
  const tokens = tokenizeNumbers(model.tokenizer, numbers.slice(task.from, task.to), task.format);
  const matrix = requireEmbeddings(model);
  const names = await model.tokenizer.vocabularyNames();
  return [['neighbors', await neighborsTable(tokens, matrix, spec.pooling, kernel, names)]];
}

function requireEmbeddings(model: LoadedModel) {
  if (!model.embeddings)
    throw new Error(`model ${model.resolved.name} was loaded without its embedding matrix`);
  return model.embeddings;
}
