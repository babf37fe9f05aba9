import { NumberSet } from '../spec/number-set';
import { SpecError } from '../spec/spec-error';
import { SweepSpec } from '../spec/sweep-spec';
import { NumberFormat, PER_NUMBER_ANALYSES, PerNumberAnalysis } from '../spec/vocabulary';

interface TaskBase {
  /** Position in the sweep's plan; a chunk job's id is `<sweep>-<index>`. */
  index: number;
  /** The model as the spec names it. */
  model: string;
  format: NumberFormat;
  /** The part number its files get. */
  part: number;
}

/** The per-number analyses of sorted positions `from` (inclusive) to `to` (exclusive). */
export interface NumbersTask extends TaskBase {
  kind: 'numbers';
  analyses: PerNumberAnalysis[];
  from: number;
  to: number;
}

/** One tile of the cosine matrix: sorted positions `rows[0]..rows[1]` against `cols[0]..cols[1]` (ends exclusive). */
export interface MatrixTileTask extends TaskBase {
  kind: 'matrix-tile';
  rows: [number, number];
  cols: [number, number];
}

/** The Fourier spectrum of the longest run of consecutive integers that have an embedding. */
export interface FourierTask extends TaskBase {
  kind: 'fourier';
}

/** The principal components of every swept number that has an embedding. */
export interface PcaTask extends TaskBase {
  kind: 'pca';
}

/** The nearest vocabulary rows of sorted positions `from` (inclusive) to `to` (exclusive). */
export interface NeighborsTask extends TaskBase {
  kind: 'neighbors';
  from: number;
  to: number;
}

/** One unit of work: what a chunk job carries and what `runChunk` executes. */
export type ChunkTask = NumbersTask | MatrixTileTask | FourierTask | PcaTask | NeighborsTask;

/**
 * Checks a chunk task read from outside (job data: Redis enforces nothing) against its spec, so a
 * malformed or foreign task is refused with a reason instead of computing garbage.
 */
export function parseChunkTask(input: unknown, spec: SweepSpec, numbers: NumberSet): ChunkTask {
  const problems: string[] = [];
  const task = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const isIndex = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  const isRange = (v: unknown) =>
    Array.isArray(v) &&
    v.length === 2 &&
    isIndex(v[0]) &&
    isIndex(v[1]) &&
    v[0] < v[1] &&
    v[1] <= numbers.size;
  if (!isIndex(task.index)) problems.push('task.index: must be a non-negative integer');
  if (!isIndex(task.part)) problems.push('task.part: must be a non-negative integer');
  if (typeof task.model !== 'string' || !spec.models.includes(task.model))
    problems.push('task.model: not a model of the spec');
  if (typeof task.format !== 'string' || !(spec.formats as string[]).includes(task.format))
    problems.push('task.format: not a format of the spec');
  switch (task.kind) {
    case 'numbers': {
      const analyses = task.analyses;
      if (
        !Array.isArray(analyses) ||
        analyses.length === 0 ||
        !analyses.every(
          (a) => (PER_NUMBER_ANALYSES as readonly string[]).includes(a) && spec.analyses.includes(a),
        )
      ) {
        problems.push('task.analyses: must list per-number analyses of the spec');
      }
      if (!isRange([task.from, task.to]))
        problems.push(`task.from/to: must be a range within 0..${numbers.size}`);
      break;
    }
    case 'matrix-tile':
      if (!spec.analyses.includes('cosine-matrix')) problems.push('task.kind: the spec has no cosine-matrix');
      if (!isRange(task.rows) || !isRange(task.cols))
        problems.push(`task.rows/cols: must be ranges within 0..${numbers.size}`);
      break;
    case 'fourier':
      if (!spec.analyses.includes('fourier')) problems.push('task.kind: the spec has no fourier');
      break;
    case 'pca':
      if (!spec.analyses.includes('pca')) problems.push('task.kind: the spec has no pca');
      break;
    case 'neighbors':
      if (!spec.analyses.includes('neighbors')) problems.push('task.kind: the spec has no neighbors');
      if (!isRange([task.from, task.to]))
        problems.push(`task.from/to: must be a range within 0..${numbers.size}`);
      break;
    default:
      problems.push('task.kind: must be numbers, matrix-tile, fourier, pca or neighbors');
  }
  if (problems.length > 0) throw new SpecError(problems);
  return task as unknown as ChunkTask;
}
