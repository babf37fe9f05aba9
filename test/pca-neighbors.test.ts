import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Tokenizer } from 'tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisTable, DuckDb } from './helpers/duckdb';
import {
  GPT2_SEVEN_COPIES,
  MATRIX_MODELS,
  MatrixModel,
  QWEN_PADDING_THREE,
  writeMatrixModel,
} from './helpers/matrix-models';
import { numpyReference, NumpyReference } from './helpers/numpy-reference';
import { runCli, runCliOk } from './helpers/run-cli';
import { readReferenceEmbedding, ReferenceMatrix, referenceVector } from './helpers/safetensors-reference';
import { TestWorkspace } from './helpers/test-model';

/**
 * pca and neighbors through the whole CLI, on GPT-2 (F32, tied), Llama 3 (BF16, sharded, untied
 * lm_head) and Qwen 3 (F16, tied, padded matrix), against numpy: a float64 SVD of the centred
 * embeddings and a float64 cosine of every number against every row of the matrix read. Token ids
 * of the reference come from Hugging Face's Rust tokenizers, the matrix from the safetensors bytes.
 */
const NUMBERS = '-200..500';
const KINDS = Object.keys(MATRIX_MODELS) as MatrixModel[];
const SWEEPS = [
  { name: 'none-output', pooling: 'none', matrix: 'output', extra: ['--threads', '0', '--plots'] },
  { name: 'mean-output', pooling: 'mean', matrix: 'output', extra: ['--threads', '0'] },
  { name: 'mean-input', pooling: 'mean', matrix: 'input', extra: ['--threads', '0'] },
  // the same as mean-output cut differently: chunks of 97 numbers over two threads
  { name: 'mean-output-chunked', pooling: 'mean', matrix: 'output', extra: ['--threads', '2', '--chunk-size', '97'] },
] as const; // prettier-ignore
type Sweep = (typeof SWEEPS)[number];

interface PcaRow {
  number: bigint;
  [pc: `pc${number}`]: number | null;
}
interface NeighborRow {
  number: bigint;
  rank: number;
  token_id: number;
  token: string | null;
  cosine: number;
}
interface ManifestModel {
  slug: string;
  embeddingSha256: string | null;
  matrix: { kind: string; tensor: string; sha256: string; tied: boolean };
}
interface Manifest {
  models: ManifestModel[];
  summary: { entries: { slug: string; pca: { numbers: number; explainedVarianceRatio: number[] } }[] };
}

describe('pca and neighbors against numpy', () => {
  let workspace: TestWorkspace;
  let db: DuckDb;
  const dirs = new Map<MatrixModel, string>();
  const tokenizers = new Map<MatrixModel, Tokenizer>();
  const outs = new Map<Sweep['name'], { out: string; manifest: Manifest }>();

  beforeAll(async () => {
    workspace = await TestWorkspace.create('pca-neighbors');
    db = await DuckDb.open();
    for (const kind of KINDS) {
      const dir = await writeMatrixModel(path.join(workspace.root, 'models'), kind);
      dirs.set(kind, dir);
      tokenizers.set(kind, Tokenizer.fromFile(path.join(dir, 'tokenizer.json')));
    }
    for (const sweep of SWEEPS) {
      const out = workspace.out(sweep.name);
      const { stdout } = await runCliOk([
        'run', ...KINDS.flatMap((k) => ['--model', dirs.get(k)!]), '--numbers', NUMBERS,
        '--analysis', 'pca', '--analysis', 'neighbors', '--pooling', sweep.pooling,
        '--matrix', sweep.matrix, ...sweep.extra, '--json', '--out', out,
      ]); // prettier-ignore
      outs.set(sweep.name, { out, manifest: JSON.parse(stdout) as Manifest });
    }
  }, 240_000);

  afterAll(async () => {
    db?.close();
    await workspace?.cleanup();
  });

  /** The tensor a sweep of `matrix` must read, as the model's config decides. */
  const tensorRead = (kind: MatrixModel, matrix: string) =>
    matrix === 'output' && MATRIX_MODELS[kind].output
      ? MATRIX_MODELS[kind].output!
      : MATRIX_MODELS[kind].input;

  const slug = (kind: MatrixModel) => path.basename(dirs.get(kind)!);

  async function reference(kind: MatrixModel, sweep: Sweep) {
    const matrix = readReferenceEmbedding(dirs.get(kind)!, tensorRead(kind, sweep.matrix));
    const tokenizer = tokenizers.get(kind)!;
    const values: number[] = [];
    const embeddings: Float64Array[] = [];
    const ownIds: number[][] = [];
    for (let n = -200; n <= 500; n++) {
      const ids = (await tokenizer.encode(String(n), null, { addSpecialTokens: false })).getIds();
      if (sweep.pooling === 'none' && ids.length !== 1) continue;
      const vector = referenceVector(matrix, ids);
      if (vector.every((v) => v === 0)) continue;
      values.push(n);
      embeddings.push(vector);
      ownIds.push(ids);
    }
    return { values, matrix, numpy: await numpyReference({ embeddings, values, matrix, ownIds }) };
  }

  const rowsOf = <T>(sweep: Sweep['name'], analysis: string, kind: MatrixModel, order: string) =>
    db.rows<T>(
      `SELECT * EXCLUDE (model, format) FROM ${analysisTable(outs.get(sweep)!.out, analysis)} WHERE model = '${slug(kind)}' ORDER BY ${order}`,
    );

  describe.each(SWEEPS.filter((s) => s.name !== 'mean-output-chunked'))('$name', (sweep) => {
    describe.each(KINDS)('%s', (kind) => {
      let expected: { values: number[]; matrix: ReferenceMatrix; numpy: NumpyReference };
      beforeAll(async () => {
        expected = await reference(kind, sweep);
      }, 60_000);

      it('gives the principal coordinates and variance ratios of a float64 SVD', async () => {
        const { pca } = expected.numpy;
        const rows = await rowsOf<PcaRow>(sweep.name, 'pca', kind, 'number');
        expect(rows.map((r) => Number(r.number))).toEqual(expected.values);
        for (let j = 0; j < 10; j++) {
          const column = rows.map((r) => r[`pc${j + 1}`]);
          if (j >= pca.k) {
            expect(column.every((v) => v === null)).toBe(true);
            continue;
          }
          // relative to the component's spread: a coordinate near 0 has no relative precision of its own
          const scale = Math.max(...pca.scores[j].map(Math.abs));
          const worst = Math.max(...column.map((v, i) => Math.abs(v! - pca.scores[j][i])));
          expect(worst / scale, `pc${j + 1}`).toBeLessThan(1e-6);
        }
        const entry = outs.get(sweep.name)!.manifest.summary.entries.find((e) => e.slug === slug(kind))!;
        expect(entry.pca.numbers).toBe(expected.values.length);
        expect(entry.pca.explainedVarianceRatio).toHaveLength(pca.k);
        entry.pca.explainedVarianceRatio.forEach((ratio, j) =>
          expect(Math.abs(ratio - pca.ratios[j]) / pca.ratios[j]).toBeLessThan(1e-6),
        );
      });

      it('finds the ten nearest rows of a full float64 cosine, ties to the lower id', async () => {
        const rows = await rowsOf<NeighborRow>(sweep.name, 'neighbors', kind, 'number, rank');
        expect(rows).toHaveLength(expected.values.length * 10);
        const tokenizer = tokenizers.get(kind)!;
        for (let i = 0; i < expected.values.length; i++) {
          const mine = rows.slice(i * 10, (i + 1) * 10);
          const theirs = expected.numpy.neighbors[i];
          expect(mine.map((r) => [Number(r.number), r.rank])).toEqual(
            theirs.ids.map((_, r) => [expected.values[i], r + 1]),
          );
          expect(mine.map((r) => r.token_id)).toEqual(theirs.ids);
          mine.forEach((r, k) => expect(Math.abs(r.cosine - theirs.cosines[k])).toBeLessThan(1e-5));
          for (const r of mine) {
            const token = tokenizer.idToToken(r.token_id);
            expect(r.token).toBe(token === null ? null : await tokenizer.decode([r.token_id], false));
          }
        }
      });

      it('records the matrix it read in the manifest', async () => {
        const model = outs.get(sweep.name)!.manifest.models.find((m) => m.slug === slug(kind))!;
        const tensor = tensorRead(kind, sweep.matrix);
        const sha256 = createHash('sha256').update(expected.matrix.bytes).digest('hex');
        expect(model.matrix).toEqual({
          kind: sweep.matrix,
          tensor,
          sha256,
          tied: MATRIX_MODELS[kind].output === null,
        });
        expect(model.embeddingSha256).toBe(tensor === MATRIX_MODELS[kind].input ? sha256 : null);
      });
    });
  });

  it('plants: an exact tie goes to the lower id, a padding row has no token', async () => {
    const seven = await db.rows<NeighborRow>(
      `SELECT token_id, cosine FROM ${analysisTable(outs.get('none-output')!.out, 'neighbors')} WHERE model = '${slug('gpt2')}' AND number = 7 ORDER BY rank LIMIT 2`,
    );
    expect(seven.map((r) => r.token_id)).toEqual(GPT2_SEVEN_COPIES);
    expect(seven[0].cosine).toBe(seven[1].cosine);
    const three = await db.rows<NeighborRow>(
      `SELECT token_id, token FROM ${analysisTable(outs.get('none-output')!.out, 'neighbors')} WHERE model = '${slug('qwen3')}' AND number = 3 AND rank = 1`,
    );
    expect(three).toEqual([{ token_id: QWEN_PADDING_THREE, token: null }]);
  });

  it.each(['pca', 'neighbors'])(
    'writes the same %s rows whatever the chunk size and thread count',
    async (analysis) => {
      const order = analysis === 'pca' ? 'model, number' : 'model, number, rank';
      const read = (name: Sweep['name']) =>
        db.rows(`SELECT * FROM ${analysisTable(outs.get(name)!.out, analysis)} ORDER BY ${order}`);
      const [whole, chunked] = await Promise.all([read('mean-output'), read('mean-output-chunked')]);
      expect(chunked.length).toBeGreaterThan(0);
      expect(chunked).toEqual(whole);
    },
  );

  it('draws the pca and neighbors figures, a panel per model', async () => {
    const { out } = outs.get('none-output')!;
    const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as {
      plots: string[];
    };
    const figures = ['pca', 'pca-variance', 'neighbors', 'neighbors-share'];
    expect(manifest.plots).toEqual(figures.flatMap((f) => [`plots/${f}.png`, `plots/${f}.svg`]).sort());
    for (const figure of figures) {
      const svg = await readFile(path.join(out, 'plots', `${figure}.svg`), 'utf8');
      for (const kind of KINDS) expect(svg, `${figure} names ${kind}`).toContain(slug(kind));
    }
  });

  it("prints the first components' variance in the comparison of compare DIR", async () => {
    const { out, manifest } = outs.get('mean-output')!;
    const { stdout } = await runCliOk(['compare', out]);
    const [header, , ...lines] = stdout.trim().split('\n');
    expect(header).toContain('PCA variance PC1/2/3');
    for (const kind of KINDS) {
      const ratios = manifest.summary.entries.find((e) => e.slug === slug(kind))!.pca.explainedVarianceRatio;
      const cell = `${ratios
        .slice(0, 3)
        .map((r) => (r * 100).toFixed(1))
        .join('/')}%`;
      expect(lines.find((l) => l.startsWith(slug(kind)))).toMatch(
        new RegExp(`${cell.replace(/[./]/g, '\\$&')}$`),
      );
    }
  });

  it('has no components below two numbers: an empty part and no ratios', async () => {
    const out = workspace.out('one-number');
    const { stdout } = await runCliOk([
      'run', '--model', dirs.get('gpt2')!, '--numbers', '5', '--analysis', 'pca', '--json', '--out', out,
    ]); // prettier-ignore
    const manifest = JSON.parse(stdout) as Manifest;
    expect(manifest.summary.entries[0].pca).toEqual({ numbers: 1, explainedVarianceRatio: [] });
    const schema = await db.rows<{ column_name: string }>(
      `DESCRIBE SELECT * FROM ${analysisTable(out, 'pca')}`,
    );
    expect(schema.map((c) => c.column_name).slice(0, 11)).toEqual([
      'number',
      ...Array.from({ length: 10 }, (_, j) => `pc${j + 1}`),
    ]);
    expect(await db.value(`SELECT count(*) FROM ${analysisTable(out, 'pca')}`)).toBe(0n);
  });

  it('refuses at once an untied model whose files hold no output matrix, naming the tensors looked for', async () => {
    const dir = await writeMatrixModel(path.join(workspace.root, 'models'), 'llama3', {
      withoutOutput: true,
    });
    const result = await runCli([
      'run', '--model', dir, '--numbers', '0..9', '--analysis', 'neighbors', '--matrix', 'output',
      '--out', workspace.out('no-head'),
    ]); // prettier-ignore
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/tie_word_embeddings false.*lm_head\.weight, embed_out\.weight/);
    // with the input matrix the same model sweeps
    await runCliOk([
      'run', '--model', dir, '--numbers', '0..9', '--analysis', 'neighbors', '--out', workspace.out('no-head-input'),
    ]); // prettier-ignore
  });

  it.each([
    ['pca', 'MAX_PCA_NUMBERS'],
    ['neighbors', 'MAX_NEIGHBOR_NUMBERS'],
  ])('refuses %s over %s, naming the variable', async (analysis, variable) => {
    const result = await runCli(
      [
        'run',
        '--model',
        dirs.get('gpt2')!,
        '--numbers',
        '0..99',
        '--analysis',
        analysis,
        '--out',
        workspace.out(variable),
      ],
      { [variable]: '50' },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`${analysis}.*100 numbers.*limit of 50.*${variable}`));
  });
});
