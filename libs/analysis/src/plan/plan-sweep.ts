import { NumberSet } from '../spec/number-set';
import type { SweepSpec } from '../spec/sweep-spec';
import { Analysis, EMBEDDING_ANALYSES, PER_NUMBER_ANALYSES, PerNumberAnalysis } from '../spec/vocabulary';
import { ChunkTask } from './chunk-task';

/**
 * Splits a sweep into chunk tasks, per model × format: slices of `chunkSize` numbers for the
 * per-number analyses (all of them in one pass, so each number is tokenized once), square tiles of
 * `tileSize` for the cosine matrix, slices of `chunkSize` for the nearest tokens (each a product with
 * the whole vocabulary, so apart from the cheap per-number pass), and one task each for the Fourier
 * spectrum and the principal components. Deterministic: the same
 * spec always yields the same tasks, so a re-run rewrites the same parts.
 */
export function planSweep(spec: SweepSpec, numbers: NumberSet): ChunkTask[] {
  const tasks: ChunkTask[] = [];
  const add = (task: DistributiveOmit<ChunkTask, 'index'>) =>
    tasks.push({ ...task, index: tasks.length } as ChunkTask);
  const perNumber = PER_NUMBER_ANALYSES.filter((a) => spec.analyses.includes(a)) as PerNumberAnalysis[];
  for (const model of spec.models) {
    for (const format of spec.formats) {
      if (perNumber.length > 0) {
        for (let from = 0, part = 0; from < numbers.size; from += spec.chunkSize, part++) {
          add({
            kind: 'numbers',
            model,
            format,
            part,
            analyses: perNumber,
            from,
            to: Math.min(from + spec.chunkSize, numbers.size),
          });
        }
      }
      if (spec.analyses.includes('cosine-matrix')) {
        const edges = tileEdges(numbers.size, spec.tileSize);
        let part = 0;
        for (const rows of edges)
          for (const cols of edges) add({ kind: 'matrix-tile', model, format, part: part++, rows, cols });
      }
      if (spec.analyses.includes('fourier')) add({ kind: 'fourier', model, format, part: 0 });
      if (spec.analyses.includes('pca')) add({ kind: 'pca', model, format, part: 0 });
      if (spec.analyses.includes('neighbors')) {
        for (let from = 0, part = 0; from < numbers.size; from += spec.chunkSize, part++) {
          const to = Math.min(from + spec.chunkSize, numbers.size);
          add({ kind: 'neighbors', model, format, part, from, to });
        }
      }
    }
  }
  return tasks;
}

/** How many tasks `planSweep` makes for a sweep of `size` numbers, without making them. */
export function countTasks(
  spec: SweepSpec,
  size: number,
): { numbers: number; tiles: number; fourier: number; pca: number; neighbors: number; total: number } {
  const runs = spec.models.length * spec.formats.length;
  const perNumber = PER_NUMBER_ANALYSES.some((a) => spec.analyses.includes(a));
  const edges = Math.ceil(size / spec.tileSize);
  const numbers = perNumber ? runs * Math.ceil(size / spec.chunkSize) : 0;
  const tiles = spec.analyses.includes('cosine-matrix') ? runs * edges * edges : 0;
  const fourier = spec.analyses.includes('fourier') ? runs : 0;
  const pca = spec.analyses.includes('pca') ? runs : 0;
  const neighbors = spec.analyses.includes('neighbors') ? runs * Math.ceil(size / spec.chunkSize) : 0;
  return { numbers, tiles, fourier, pca, neighbors, total: numbers + tiles + fourier + pca + neighbors };
}

/** Whether a sweep reads the embedding matrix at all (if not, no safetensors are needed). */
export function needsEmbedding(analyses: readonly Analysis[]): boolean {
  return analyses.some((a) => EMBEDDING_ANALYSES.includes(a));
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

function tileEdges(size: number, tile: number): [number, number][] {
  const edges: [number, number][] = [];
  for (let from = 0; from < size; from += tile) edges.push([from, Math.min(from + tile, size)]);
  return edges;
}
