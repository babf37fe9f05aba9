import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../spec/limits';
import { parseSweepSpec } from '../spec/sweep-spec';
import { PER_NUMBER_ANALYSES } from '../spec/vocabulary';
import { ChunkTask, MatrixTileTask, NumbersTask } from './chunk-task';
import { countTasks, needsEmbedding, planSweep } from './plan-sweep';

const ALL = ['tokens', 'sign-symmetry', 'successive-cosine', 'cosine-matrix', 'fourier', 'pca', 'neighbors'];

const CASES = [
  { numbers: '-1000..1000', chunkSize: 25_000, tileSize: 1024, analyses: ALL },
  { numbers: '-100..100', chunkSize: 7, tileSize: 5, analyses: ALL },
  { numbers: '0..99', chunkSize: 10, tileSize: 10, analyses: ALL },
  { numbers: '0..99', chunkSize: 1, tileSize: 1, analyses: ['tokens', 'cosine-matrix'] },
  { numbers: '5', chunkSize: 3, tileSize: 3, analyses: ALL },
  { numbers: '-30..30, 95..105, 500..560:3', chunkSize: 7, tileSize: 16, analyses: ['successive-cosine'] },
  { numbers: '0..1000:10, 3..1003:7', chunkSize: 13, tileSize: 40, analyses: ['cosine-matrix', 'fourier'] },
];

// tiles of 1 over 100 numbers are over the default MAX_SWEEP_CHUNKS, and wanted here
const LIMITS = { ...DEFAULT_LIMITS, maxSweepChunks: 1_000_000 };

function plan(input: Record<string, unknown>) {
  const { spec, numbers } = parseSweepSpec(
    { models: ['gpt2', 'org/other@v2'], formats: ['plain', 'space', 'comma'], ...input },
    { limits: LIMITS },
  );
  return { spec, size: numbers.size, tasks: planSweep(spec, numbers) };
}

/** The tasks of one model × format, of one kind. */
function slice<K extends ChunkTask['kind']>(tasks: ChunkTask[], model: string, format: string, kind: K) {
  return tasks.filter(
    (t): t is Extract<ChunkTask, { kind: K }> => t.model === model && t.format === format && t.kind === kind,
  );
}

describe(planSweep.name, () => {
  it.each(CASES)('$numbers, chunks of $chunkSize, tiles of $tileSize, $analyses', (input) => {
    const { spec, size, tasks } = plan(input);
    expect(tasks.map((t) => t.index)).toEqual(tasks.map((_, i) => i));
    const perNumber = PER_NUMBER_ANALYSES.filter((a) => spec.analyses.includes(a));
    for (const model of spec.models) {
      for (const format of spec.formats) {
        const numbers = slice(tasks, model, format, 'numbers');
        if (perNumber.length === 0) expect(numbers).toEqual([]);
        else expectEveryNumberOnce(numbers, size, spec.chunkSize, perNumber);

        const tiles = slice(tasks, model, format, 'matrix-tile');
        if (spec.analyses.includes('cosine-matrix')) expectSquareCoveredOnce(tiles, size, spec.tileSize);
        else expect(tiles).toEqual([]);

        expect(slice(tasks, model, format, 'fourier')).toHaveLength(
          spec.analyses.includes('fourier') ? 1 : 0,
        );
      }
    }
    expect(tasks.every((t) => spec.models.includes(t.model) && spec.formats.includes(t.format))).toBe(true);
  });

  it.each(CASES)(
    'counts its tasks without making them: $numbers, chunks of $chunkSize, tiles of $tileSize',
    (input) => {
      const { spec, size, tasks } = plan(input);
      expect(countTasks(spec, size)).toEqual({
        numbers: tasks.filter((t) => t.kind === 'numbers').length,
        tiles: tasks.filter((t) => t.kind === 'matrix-tile').length,
        fourier: tasks.filter((t) => t.kind === 'fourier').length,
        pca: tasks.filter((t) => t.kind === 'pca').length,
        neighbors: tasks.filter((t) => t.kind === 'neighbors').length,
        total: tasks.length,
      });
    },
  );

  it('plans the same tasks for the same spec', () => {
    expect(plan(CASES[1]).tasks).toEqual(plan(CASES[1]).tasks);
  });
});

describe(needsEmbedding.name, () => {
  it.each([
    [['tokens'], false],
    [['tokens', 'sign-symmetry'], false],
    [['tokens', 'successive-cosine'], true],
    [['cosine-matrix'], true],
    [['fourier'], true],
  ] as const)('%j: %s', (analyses, expected) => {
    expect(needsEmbedding(analyses)).toBe(expected);
  });
});

/** Chunks partition positions 0..size in order, each at most `chunkSize`, parts numbered 0, 1, … */
function expectEveryNumberOnce(
  tasks: NumbersTask[],
  size: number,
  chunkSize: number,
  analyses: string[],
): void {
  const seen = new Uint8Array(size);
  for (const task of tasks) for (let i = task.from; i < task.to; i++) seen[i]++;
  expect(seen.every((count) => count === 1)).toBe(true);
  expect(tasks.filter((t) => t.to - t.from < 1 || t.to - t.from > chunkSize)).toEqual([]);
  expect(tasks.filter((t) => JSON.stringify(t.analyses) !== JSON.stringify(analyses))).toEqual([]);
  expect(tasks.map((t) => t.part)).toEqual(tasks.map((_, i) => i));
  expect(tasks.map((t) => t.from)).toEqual([...tasks.map((t) => t.from)].sort((a, b) => a - b));
}

/** Tiles cover every cell of the size × size square exactly once, each edge at most `tileSize`, parts unique. */
function expectSquareCoveredOnce(tiles: MatrixTileTask[], size: number, tileSize: number): void {
  const cells = new Uint8Array(size * size);
  for (const { rows, cols } of tiles) {
    for (let r = rows[0]; r < rows[1]; r++) for (let c = cols[0]; c < cols[1]; c++) cells[r * size + c]++;
  }
  expect(cells.every((count) => count === 1)).toBe(true);
  const badEdge = ([from, to]: [number, number]) =>
    from < 0 || to > size || to - from < 1 || to - from > tileSize;
  expect(tiles.filter((t) => badEdge(t.rows) || badEdge(t.cols))).toEqual([]);
  expect(tiles.map((t) => t.part)).toEqual(tiles.map((_, i) => i));
}
