import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisTable, DuckDb } from './helpers/duckdb';
import { integers, referenceIds, referenceText } from './helpers/reference-bpe';
import { runCliOk } from './helpers/run-cli';
import {
  readReferenceEmbedding,
  referenceCosine,
  referenceVector,
  ReferenceMatrix,
} from './helpers/safetensors-reference';
import { TEST_MODELS, TestModelKind, TestWorkspace } from './helpers/test-model';

/**
 * successive-cosine and cosine-matrix against a float64 cosine computed here from the safetensors
 * bytes and OpenAI's GPT-2 BPE: for an F32 model, a BF16 sharded copy, and a model whose row for
 * "7" is zero, with pooling none and mean (all three models in one sweep per pooling).
 * The expression has gaps, a step and an unsorted, overlapping item; small chunks and tiles make
 * every predecessor and many matrix cells cross a part boundary.
 */
const EXPRESSION = '500..560:3, -30..30, 95..105, 0..10';
const SWEPT = [
  ...new Set([...integers(-30, 30), ...integers(95, 105), ...integers(0, 20).map((k) => 500 + 3 * k)]),
].sort((a, b) => a - b);
const KINDS: TestModelKind[] = ['f32', 'bf16Sharded', 'zeroSeven'];
const POOLINGS = ['none', 'mean'] as const;
const FORMATS = ['plain', 'space'] as const;
type Pooling = (typeof POOLINGS)[number];
type Format = (typeof FORMATS)[number];
const TOLERANCE = 1e-5;
const CHUNK_SIZE = 7;
const TILE_SIZE = 16;

interface SuccessiveRow {
  number: bigint;
  previous: bigint;
  cosine: number | null;
}

interface MatrixRow {
  row: bigint;
  col: bigint;
  cosine: number;
}

/** The reference embedding of each swept number, or null where it has none (several tokens with pooling none, or a zero vector). */
function referenceEmbeddings(
  matrix: ReferenceMatrix,
  format: Format,
  pooling: Pooling,
): (Float64Array | null)[] {
  return SWEPT.map((n) => {
    const ids = referenceIds(referenceText(n, format));
    if (pooling === 'none' && ids.length !== 1) return null;
    const vector = referenceVector(matrix, ids);
    return vector.some((v) => v !== 0) ? vector : null;
  });
}

/** The reference cosine of each swept number but the first with its predecessor, or null. */
function referenceSuccessive(embeddings: (Float64Array | null)[]): (number | null)[] {
  return SWEPT.slice(1).map((_, i) => {
    const [a, b] = [embeddings[i], embeddings[i + 1]];
    return a && b ? referenceCosine(b, a) : null;
  });
}

describe('cosines against a float64 reference from the safetensors bytes', () => {
  let workspace: TestWorkspace;
  let db: DuckDb;
  const models = new Map<TestModelKind, { dir: string; matrix: ReferenceMatrix }>();

  beforeAll(async () => {
    workspace = await TestWorkspace.create('cosine');
    for (const kind of KINDS) {
      const dir = await workspace.model(kind);
      models.set(kind, { dir, matrix: readReferenceEmbedding(dir) });
    }
    db = await DuckDb.open();
  });

  afterAll(async () => {
    db?.close();
    await workspace?.cleanup();
  });

  it('reads a BF16 copy that differs from the F32 model (so both cases test something)', () => {
    const f32 = models.get('f32')!.matrix;
    const bf16 = models.get('bf16Sharded')!.matrix;
    expect([bf16.rows, bf16.dim]).toEqual([f32.rows, f32.dim]);
    expect(bf16.data.some((v, i) => v !== f32.data[i])).toBe(true);
    expect(bf16.data.every((v, i) => Math.abs(v - f32.data[i]) <= Math.abs(f32.data[i]) / 128)).toBe(true);
  });

  describe.each(POOLINGS)('pooling %s', (pooling) => {
    let sweep: string;
    const query = <T>(
      analysis: string,
      columns: string,
      kind: TestModelKind,
      format: Format,
      order: string,
    ) =>
      db.rows<T>(
        `select ${columns} from ${analysisTable(sweep, analysis)} ` +
          `where model = '${TEST_MODELS[kind].slug}' and format = '${format}' order by ${order}`,
      );

    beforeAll(async () => {
      sweep = workspace.out(`pooling-${pooling}`);
      await runCliOk([
        'run',
        ...KINDS.flatMap((kind) => ['--model', models.get(kind)!.dir]),
        ...FORMATS.flatMap((format) => ['--format', format]),
        `--numbers=${EXPRESSION}`,
        '--analysis=successive-cosine',
        '--analysis=cosine-matrix',
        `--pooling=${pooling}`,
        `--chunk-size=${CHUNK_SIZE}`,
        `--tile-size=${TILE_SIZE}`,
        `--out=${sweep}`,
      ]);
    });

    it('splits the sweep over several parts per model and format', async () => {
      const manifest = JSON.parse(await readFile(path.join(sweep, 'manifest.json'), 'utf8'));
      const parts = (analysis: string) =>
        manifest.files.filter((f: { analysis: string }) => f.analysis === analysis).length;
      const combinations = KINDS.length * FORMATS.length;
      expect(parts('successive-cosine')).toBe(combinations * Math.ceil(SWEPT.length / CHUNK_SIZE));
      expect(parts('cosine-matrix')).toBe(combinations * Math.ceil(SWEPT.length / TILE_SIZE) ** 2);
    });

    describe.each(KINDS)('%s', (kind) => {
      it.each(FORMATS)(
        '%s: successive-cosine has every number but the first, its sorted predecessor, and the reference cosine',
        async (format) => {
          const embeddings = referenceEmbeddings(models.get(kind)!.matrix, format, pooling);
          const rows = await query<SuccessiveRow>(
            'successive-cosine',
            'number, previous, cosine',
            kind,
            format,
            'number',
          );
          expect(rows.map((r) => [Number(r.number), Number(r.previous)])).toEqual(
            SWEPT.slice(1).map((n, i) => [n, SWEPT[i]]),
          );
          const expected = referenceSuccessive(embeddings);
          expect(expected.some((c) => c !== null)).toBe(true);
          if (kind === 'zeroSeven' && format === 'plain') {
            // plain "7" is the zeroed token 22 (" 7" is another token): no cosine with 6 or 8
            expect([expected[SWEPT.indexOf(7) - 1], expected[SWEPT.indexOf(8) - 1]]).toEqual([null, null]);
          }
          expect(rows.map((r) => r.cosine === null)).toEqual(expected.map((c) => c === null));
          const worst = Math.max(
            0,
            ...rows.map((r, i) => (r.cosine === null ? 0 : Math.abs(r.cosine - expected[i]!))),
          );
          expect(worst).toBeLessThanOrEqual(TOLERANCE);
        },
      );

      it.each(FORMATS)('%s: summary.json reports the successive cosines', async (format) => {
        const summary = JSON.parse(await readFile(path.join(sweep, 'summary.json'), 'utf8'));
        const entry = summary.entries.find(
          (e: { slug: string; format: string }) => e.slug === TEST_MODELS[kind].slug && e.format === format,
        );
        const cosines = referenceSuccessive(
          referenceEmbeddings(models.get(kind)!.matrix, format, pooling),
        ).filter((c) => c !== null);
        expect(entry.successiveCosine).toEqual({
          rows: SWEPT.length - 1,
          withCosine: cosines.length,
          mean: expect.closeTo(cosines.reduce((sum, c) => sum + c, 0) / cosines.length, 5),
          min: expect.closeTo(Math.min(...cosines), 5),
          max: expect.closeTo(Math.max(...cosines), 5),
        });
      });

      it.each(FORMATS)(
        '%s: summary.json reports the matrix off its diagonal, over every tile',
        async (format) => {
          const summary = JSON.parse(await readFile(path.join(sweep, 'summary.json'), 'utf8'));
          const entry = summary.entries.find(
            (e: { slug: string; format: string }) => e.slug === TEST_MODELS[kind].slug && e.format === format,
          );
          const vectors = referenceEmbeddings(models.get(kind)!.matrix, format, pooling).filter(
            (v): v is Float64Array => v !== null,
          );
          const cosines = vectors.flatMap((a, i) =>
            vectors.flatMap((b, j) => (i === j ? [] : [referenceCosine(a, b)!])),
          );
          expect(entry.cosineMatrix).toEqual({
            numbers: vectors.length,
            mean: expect.closeTo(cosines.reduce((sum, c) => sum + c, 0) / cosines.length, 5),
            min: expect.closeTo(Math.min(...cosines), 5),
            max: expect.closeTo(Math.max(...cosines), 5),
          });
        },
      );

      it.each(FORMATS)(
        '%s: cosine-matrix has every ordered pair of the numbers with an embedding and the reference cosine',
        async (format) => {
          const embeddings = referenceEmbeddings(models.get(kind)!.matrix, format, pooling);
          const embedded = SWEPT.map((n, i) => ({ n, v: embeddings[i] })).filter(
            (e): e is { n: number; v: Float64Array } => e.v !== null,
          );
          const zeroed = kind === 'zeroSeven' && format === 'plain';
          if (pooling === 'mean') expect(embedded).toHaveLength(SWEPT.length - (zeroed ? 1 : 0));
          else expect(embedded.length).toBeLessThan(SWEPT.length);
          if (zeroed) expect(embedded.map((e) => e.n)).not.toContain(7);
          const rows = await query<MatrixRow>(
            'cosine-matrix',
            '"row", col, cosine',
            kind,
            format,
            '"row", col',
          );
          expect(rows.map((r) => [Number(r.row), Number(r.col)])).toEqual(
            embedded.flatMap((a) => embedded.map((b) => [a.n, b.n])),
          );
          let worst = 0;
          rows.forEach((r, k) => {
            const a = embedded[Math.floor(k / embedded.length)];
            const b = embedded[k % embedded.length];
            worst = Math.max(worst, Math.abs(r.cosine - referenceCosine(a.v, b.v)!));
          });
          expect(worst).toBeLessThanOrEqual(TOLERANCE);
        },
      );
    });
  });
});
