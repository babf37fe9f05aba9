import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisTable, DuckDb } from './helpers/duckdb';
import { runCliOk } from './helpers/run-cli';
import { TestWorkspace } from './helpers/test-model';

/**
 * How a sweep is cut into chunks and tiles, and how many threads run them, must not change a
 * single row: the same spec run with tiny chunks and tiles, with the defaults, and on the main
 * thread yields the same rows and the same summary.
 */
const ANALYSES = ['tokens', 'sign-symmetry', 'successive-cosine', 'cosine-matrix', 'fourier'];
const SPEC = [
  '--numbers',
  '-40..40, 95..105, 500..560:3, 990..1010',
  '--format',
  'plain',
  '--format',
  'space',
  '--pooling',
  'mean',
  ...ANALYSES.flatMap((a) => ['--analysis', a]),
];
const VARIANTS = {
  defaults: [],
  'small chunks and tiles': ['--chunk-size', '7', '--tile-size', '5'],
  'the main thread': ['--threads', '0'],
} as const;
type Variant = keyof typeof VARIANTS;

describe('chunking and threads', () => {
  let workspace: TestWorkspace;
  let db: DuckDb;
  const sweeps = new Map<Variant, string>();

  beforeAll(async () => {
    workspace = await TestWorkspace.create('chunking');
    const model = await workspace.model('f32');
    for (const [variant, flags] of Object.entries(VARIANTS) as [Variant, readonly string[]][]) {
      const out = workspace.out(variant.replace(/ /g, '-'));
      await runCliOk(['run', '--model', model, ...SPEC, ...flags, '--out', out]);
      sweeps.set(variant, out);
    }
    db = await DuckDb.open();
  });

  afterAll(async () => {
    db?.close();
    await workspace?.cleanup();
  });

  const partCount = async (variant: Variant, analysis: string) =>
    JSON.parse(await readFile(path.join(sweeps.get(variant)!, 'manifest.json'), 'utf8')).files.filter(
      (f: { analysis: string }) => f.analysis === analysis,
    ).length;

  it('really cuts the small-chunk sweep finer than the default one', async () => {
    expect(await partCount('defaults', 'tokens')).toBe(2);
    expect(await partCount('small chunks and tiles', 'tokens')).toBe(2 * Math.ceil(134 / 7));
    expect(await partCount('small chunks and tiles', 'cosine-matrix')).toBe(2 * Math.ceil(134 / 5) ** 2);
  });

  it('gives the same matrix whatever the tile shape (a float32 GEMM called on the tiles as they are would not)', async () => {
    // pooling none over -40..40 is a case where a float32 product differed in 145 of 3,362 rows
    // between tiles of 20 and one tile; the kernel sums every cosine the same way, so it cannot
    const model = await workspace.model('f32');
    const cosines = [
      '--numbers=-40..40',
      '--format',
      'plain',
      '--format',
      'space',
      '--analysis',
      'cosine-matrix',
    ];
    const [twenty, whole] = [workspace.out('tiles-20'), workspace.out('tiles-whole')];
    await runCliOk(['run', '--model', model, ...cosines, '--tile-size', '20', '--out', twenty]);
    await runCliOk(['run', '--model', model, ...cosines, '--out', whole]);
    const [a, b] = [analysisTable(twenty, 'cosine-matrix'), analysisTable(whole, 'cosine-matrix')];
    expect(Number(await db.value(`select count(*) from ${a}`))).toBe(2 * 41 * 41);
    expect(
      Number(await db.value(`select count(*) from (select * from ${a} except all select * from ${b})`)),
    ).toBe(0);
  });

  describe.each(['small chunks and tiles', 'the main thread'] as const)(
    '%s against the defaults',
    (variant) => {
      it.each(ANALYSES)('%s: the same rows', async (analysis) => {
        const a = analysisTable(sweeps.get(variant)!, analysis);
        const b = analysisTable(sweeps.get('defaults')!, analysis);
        const count = async (sql: string) => Number(await db.value(`select count(*) from (${sql})`));
        expect(await count(`select * from ${b}`)).toBeGreaterThan(0);
        expect(await count(`select * from ${a}`)).toBe(await count(`select * from ${b}`));
        expect(await count(`select * from ${a} except all select * from ${b}`)).toBe(0);
        expect(await count(`select * from ${b} except all select * from ${a}`)).toBe(0);
      });

      it('the same summary.json', async () => {
        const summary = async (v: Variant) =>
          JSON.parse(await readFile(path.join(sweeps.get(v)!, 'summary.json'), 'utf8'));
        expect(await summary(variant)).toEqual(await summary('defaults'));
      });
    },
  );
});
