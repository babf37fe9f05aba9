import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../spec/limits';
import { SpecError } from '../spec/spec-error';
import { parseSweepSpec } from '../spec/sweep-spec';
import { parseChunkTask } from './chunk-task';
import { planSweep } from './plan-sweep';

const { spec, numbers } = parseSweepSpec(
  {
    models: ['gpt2', 'org/other'],
    numbers: '0..99',
    formats: ['plain', 'space'],
    analyses: ['tokens', 'successive-cosine', 'cosine-matrix', 'fourier'],
    chunkSize: 30,
    tileSize: 50,
  },
  { limits: DEFAULT_LIMITS },
);
const tokensOnly = parseSweepSpec({ numbers: '0..99', analyses: ['tokens'] }, { limits: DEFAULT_LIMITS });

const NUMBERS = {
  kind: 'numbers',
  index: 0,
  model: 'gpt2',
  format: 'plain',
  part: 0,
  analyses: ['tokens'],
  from: 0,
  to: 30,
};
const TILE = {
  kind: 'matrix-tile',
  index: 1,
  model: 'gpt2',
  format: 'plain',
  part: 0,
  rows: [0, 50],
  cols: [50, 100],
};

/** The problems parseChunkTask reports for `input` (none: it passed). */
function problems(input: unknown, against = spec): string[] {
  try {
    parseChunkTask(input, against, numbers);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return (error as SpecError).problems;
  }
}

describe(parseChunkTask.name, () => {
  it('accepts every task its spec plans, as it is', () => {
    const tasks = planSweep(spec, numbers);
    expect(new Set(tasks.map((t) => t.kind))).toEqual(new Set(['numbers', 'matrix-tile', 'fourier']));
    for (const task of tasks) expect(parseChunkTask(structuredClone(task), spec, numbers)).toEqual(task);
  });

  it.each([
    [
      'not an object',
      null,
      [
        'task.index: must be a non-negative integer',
        'task.part: must be a non-negative integer',
        'task.model: not a model of the spec',
        'task.format: not a format of the spec',
        'task.kind: must be numbers, matrix-tile, fourier, pca or neighbors',
      ],
    ],
    ['a negative index', { ...NUMBERS, index: -1 }, ['task.index: must be a non-negative integer']],
    ['a fractional part', { ...NUMBERS, part: 0.5 }, ['task.part: must be a non-negative integer']],
    ['a model the spec lacks', { ...NUMBERS, model: 'llama' }, ['task.model: not a model of the spec']],
    ['a format the spec lacks', { ...NUMBERS, format: 'comma' }, ['task.format: not a format of the spec']],
    [
      'an unknown kind',
      { ...NUMBERS, kind: 'everything' },
      ['task.kind: must be numbers, matrix-tile, fourier, pca or neighbors'],
    ],
    [
      'no analyses',
      { ...NUMBERS, analyses: [] },
      ['task.analyses: must list per-number analyses of the spec'],
    ],
    [
      'an analysis the spec lacks',
      { ...NUMBERS, analyses: ['sign-symmetry'] },
      ['task.analyses: must list per-number analyses of the spec'],
    ],
    [
      'a whole-sweep analysis as per-number',
      { ...NUMBERS, analyses: ['fourier'] },
      ['task.analyses: must list per-number analyses of the spec'],
    ],
    ['a range past the numbers', { ...NUMBERS, to: 101 }, ['task.from/to: must be a range within 0..100']],
    ['an empty range', { ...NUMBERS, from: 30, to: 30 }, ['task.from/to: must be a range within 0..100']],
    [
      'a tile with a reversed edge',
      { ...TILE, cols: [100, 50] },
      ['task.rows/cols: must be ranges within 0..100'],
    ],
    [
      'a tile without its cols',
      { ...TILE, cols: undefined },
      ['task.rows/cols: must be ranges within 0..100'],
    ],
  ])('refuses %s, naming each problem', (_, input, expected) => {
    expect(problems(input)).toEqual(expected);
  });

  it('refuses a matrix tile or Fourier task of a spec that has neither', () => {
    expect(problems(TILE, tokensOnly.spec)).toEqual(['task.kind: the spec has no cosine-matrix']);
    expect(problems({ ...TILE, kind: 'fourier' }, tokensOnly.spec)).toEqual([
      'task.kind: the spec has no fourier',
    ]);
  });

  it('accepts the pca and neighbors tasks of a spec that has them, and refuses them otherwise', () => {
    const withBoth = parseSweepSpec(
      { numbers: '0..99', analyses: ['pca', 'neighbors'], chunkSize: 30 },
      { limits: DEFAULT_LIMITS },
    );
    const tasks = planSweep(withBoth.spec, withBoth.numbers);
    expect(tasks.map((t) => t.kind)).toEqual(['pca', 'neighbors', 'neighbors', 'neighbors', 'neighbors']);
    for (const task of tasks)
      expect(parseChunkTask(structuredClone(task), withBoth.spec, withBoth.numbers)).toEqual(task);
    const neighbors = { ...NUMBERS, kind: 'neighbors', analyses: undefined };
    expect(problems({ ...neighbors, to: 101 }, withBoth.spec)).toEqual([
      'task.from/to: must be a range within 0..100',
    ]);
    expect(problems(neighbors, tokensOnly.spec)).toEqual(['task.kind: the spec has no neighbors']);
    expect(problems({ ...TILE, kind: 'pca' }, tokensOnly.spec)).toEqual(['task.kind: the spec has no pca']);
  });
});
