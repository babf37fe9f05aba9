import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../package.json';
import { analysisTable, DuckDb, sqlString } from './helpers/duckdb';
import { runCliOk } from './helpers/run-cli';
import { readReferenceEmbedding } from './helpers/safetensors-reference';
import { TEST_MODELS, TestWorkspace } from './helpers/test-model';
import { findParts, summarize } from '@tokensweep/analysis';
import type { ManifestFile, NumberFormat } from '@tokensweep/analysis';

/** The README's column table (the contract; see docs/architecture.md), in DuckDB's names for the Parquet types. */
const COLUMNS: Record<string, [string, string][]> = {
  tokens: [
    ['number', 'BIGINT'],
    ['text', 'VARCHAR'],
    ['token_count', 'INTEGER'],
    ['token_ids', 'INTEGER[]'],
    ['tokens', 'VARCHAR[]'],
  ],
  'sign-symmetry': [
    ['number', 'BIGINT'],
    ['count_match', 'BOOLEAN'],
    ['ids_match', 'BOOLEAN'],
  ],
  'successive-cosine': [
    ['number', 'BIGINT'],
    ['previous', 'BIGINT'],
    ['cosine', 'FLOAT'],
  ],
  'cosine-matrix': [
    ['row', 'BIGINT'],
    ['col', 'BIGINT'],
    ['cosine', 'FLOAT'],
  ],
  fourier: [
    ['period', 'DOUBLE'],
    ['power', 'DOUBLE'],
    ['normalized_power', 'DOUBLE'],
  ],
};
const ANALYSES = Object.keys(COLUMNS);
/** The columns that order a part's rows (fourier's order is by frequency, not a key column). */
const ORDER_KEYS: Record<string, string[]> = {
  tokens: ['number'],
  'sign-symmetry': ['number'],
  'successive-cosine': ['number'],
  'cosine-matrix': ['row', 'col'],
};

interface Sweep {
  dir: string;
  manifest: {
    schemaVersion: number;
    status: string;
    tool: { name: string; version: string };
    spec: Record<string, unknown>;
    specHash: string;
    models: Record<string, unknown>[];
    files: ManifestFile[];
    createdAt: string;
    startedAt: string;
    finishedAt: string;
  };
}

describe('the sweep directory and its Parquet files', () => {
  let workspace: TestWorkspace;
  let db: DuckDb;
  let modelDir: string;
  /** Every analysis, two formats, several parts each. */
  let full: Sweep;
  /** Only negative numbers: sign-symmetry, cosine-matrix (pooling none) and fourier have no rows. */
  let empty: Sweep;

  const run = async (name: string, args: string[]): Promise<Sweep> => {
    const dir = workspace.out(name);
    await runCliOk([
      'run',
      '--model',
      modelDir,
      ...ANALYSES.flatMap((a) => ['--analysis', a]),
      ...args,
      '--out',
      dir,
    ]);
    return { dir, manifest: JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) };
  };

  beforeAll(async () => {
    workspace = await TestWorkspace.create('layout');
    modelDir = await workspace.model('f32');
    db = await DuckDb.open();
    full = await run('full', [
      '--numbers',
      '-50..50, 990..1010',
      '--format',
      'plain',
      '--format',
      'comma',
      '--pooling',
      'mean',
      '--chunk-size',
      '30',
      '--tile-size',
      '40',
    ]);
    empty = await run('empty', ['--numbers', '-9..-1']);
  });

  afterAll(async () => {
    db?.close();
    await workspace?.cleanup();
  });

  const sweeps = () => [full, empty];
  const eachPart = async (check: (sweep: Sweep, file: ManifestFile, absolute: string) => Promise<void>) => {
    for (const sweep of sweeps())
      for (const file of sweep.manifest.files) await check(sweep, file, path.join(sweep.dir, file.path));
  };

  it('completes with a manifest that has the documented shape', () => {
    for (const { manifest } of sweeps()) {
      expect(manifest).toMatchObject({
        schemaVersion: 1,
        status: 'completed',
        tool: { name: 'tokensweep', version: packageJson.version },
      });
      expect(manifest.createdAt <= manifest.startedAt && manifest.startedAt <= manifest.finishedAt).toBe(
        true,
      );
    }
  });

  it('writes at least one part for every analysis of the spec, empty ones included', () => {
    for (const { manifest } of sweeps())
      expect(new Set(manifest.files.map((f) => f.analysis))).toEqual(new Set(ANALYSES));
    const rowsOf = (analysis: string) =>
      empty.manifest.files.filter((f) => f.analysis === analysis).reduce((sum, f) => sum + f.rows, 0);
    expect([rowsOf('sign-symmetry'), rowsOf('cosine-matrix'), rowsOf('fourier')]).toEqual([0, 0, 0]);
    expect([rowsOf('tokens'), rowsOf('successive-cosine')]).toEqual([9, 8]);
  });

  it('gives every part file the documented column names and types', async () => {
    await eachPart(async (_sweep, file, absolute) => {
      const columns = await db.rows<{ column_name: string; column_type: string }>(
        `describe select * from read_parquet(${sqlString(absolute)}, hive_partitioning = false)`,
      );
      expect([file.path, columns.map((c) => [c.column_name, c.column_type])]).toEqual([
        file.path,
        COLUMNS[file.analysis],
      ]);
    });
  });

  it.each(ANALYSES)('%s: hive partitioning yields model and format', async (analysis) => {
    const partitions = await db.rows(
      `select distinct model, format from ${analysisTable(full.dir, analysis)} order by format`,
    );
    expect(partitions).toEqual([
      { model: TEST_MODELS.f32.slug, format: 'comma' },
      { model: TEST_MODELS.f32.slug, format: 'plain' },
    ]);
  });

  it('orders the rows within each part by number (matrix: row, col)', async () => {
    await eachPart(async (_sweep, file, absolute) => {
      const keys = ORDER_KEYS[file.analysis];
      if (!keys) return;
      const rows = await db.rows<Record<string, bigint>>(
        `select ${keys.map((k) => `"${k}"`).join(', ')} from read_parquet(${sqlString(absolute)}, file_row_number = true) order by file_row_number`,
      );
      const unordered = rows.findIndex(
        (row, i) =>
          i > 0 &&
          !lexicographicallyAfter(
            keys.map((k) => row[k]),
            keys.map((k) => rows[i - 1][k]),
          ),
      );
      expect([file.path, unordered]).toEqual([file.path, -1]);
    });
  });

  it('lists every part file on disk in the manifest, with its true row count and size', async () => {
    for (const sweep of sweeps()) {
      const onDisk = (await filesBelow(sweep.dir)).filter((f) => f.endsWith('.parquet'));
      expect(sweep.manifest.files.map((f) => f.path).sort()).toEqual(onDisk);
      for (const file of sweep.manifest.files) {
        const absolute = path.join(sweep.dir, file.path);
        expect(file.path).toMatch(
          new RegExp(
            `^${file.analysis}/model=${TEST_MODELS.f32.slug}/format=${file.format}/part-\\d{5}\\.parquet$`,
          ),
        );
        expect(file.model).toBe(modelDir);
        expect(file.rows).toBe(
          Number(await db.value(`select count(*) from read_parquet(${sqlString(absolute)})`)),
        );
        expect(file.bytes).toBe((await stat(absolute)).size);
      }
    }
  });

  it('numbers the parts of each analysis and format from 0 without holes', () => {
    const parts = new Map<string, number[]>();
    for (const file of full.manifest.files) {
      const key = `${file.analysis}/${file.format}`;
      parts.set(key, [...(parts.get(key) ?? []), Number(/part-(\d+)/.exec(file.path)![1])]);
    }
    expect(parts.size).toBe(ANALYSES.length * 2);
    for (const [key, numbers] of parts)
      expect([key, numbers.sort((a, b) => a - b)]).toEqual([key, numbers.map((_, i) => i)]);
    expect(parts.get('successive-cosine/plain')).toHaveLength(5); // 122 numbers in chunks of 30
    expect(parts.get('cosine-matrix/plain')).toHaveLength(16); // 4 × 4 tiles of 40
  });

  it('leaves no temporary files: only spec.json, summary.json, manifest.json and the parts', async () => {
    for (const sweep of sweeps()) {
      const others = (await filesBelow(sweep.dir)).filter(
        (f) => !/^[a-z-]+\/model=[^/]+\/format=[a-z]+\/part-\d{5}\.parquet$/.test(f),
      );
      expect(others).toEqual(['manifest.json', 'spec.json', 'summary.json']);
    }
  });

  it('records the model provenance in the manifest from the model files themselves', async () => {
    const tokenizerSha256 = sha256(await readFile(path.join(modelDir, 'tokenizer.json')));
    const embeddingSha256 = sha256(readReferenceEmbedding(modelDir).bytes);
    for (const { dir, manifest } of sweeps()) {
      expect(manifest.models).toEqual([
        {
          id: modelDir,
          slug: TEST_MODELS.f32.slug,
          revision: null,
          tokenizerSha256,
          tokenizer: { path: 'exact-bpe', reason: null },
          embeddingSha256,
          // GPT-2 ties its output matrix to the input embedding, which the default matrix input reads
          matrix: { kind: 'input', tensor: 'wte.weight', sha256: embeddingSha256, tied: true },
        },
      ]);
      expect(JSON.parse(await readFile(path.join(dir, 'spec.json'), 'utf8'))).toEqual(manifest.spec);
    }
  });

  it("writes the same provenance into every part's key-value metadata", async () => {
    await eachPart(async ({ manifest }, file, absolute) => {
      const entries = await db.rows<{ key: Uint8Array; value: Uint8Array }>(
        `select key, value from parquet_kv_metadata(${sqlString(absolute)})`,
      );
      const metadata = Object.fromEntries(
        entries.map((e) => [Buffer.from(e.key).toString(), Buffer.from(e.value).toString()]),
      );
      const model = manifest.models[0];
      expect(metadata).toMatchObject({
        'tokensweep.version': manifest.tool.version,
        'tokensweep.analysis': file.analysis,
        'tokensweep.format': file.format,
        'tokensweep.pooling': manifest.spec.pooling,
        'tokensweep.spec_sha256': manifest.specHash,
        'tokensweep.model': model.id,
        'tokensweep.model_slug': model.slug,
        'tokensweep.model_revision': '',
        'tokensweep.tokenizer_sha256': model.tokenizerSha256,
        'tokensweep.tokenizer_path': 'exact-bpe',
        'tokensweep.embedding_sha256': model.embeddingSha256,
        'tokensweep.matrix': JSON.stringify(model.matrix),
      });
    });
  });
});

describe("each part's own summary", () => {
  let workspace: TestWorkspace;

  beforeAll(async () => {
    workspace = await TestWorkspace.create('part-summary');
  });

  afterAll(async () => {
    await workspace?.cleanup();
  });

  it('is in the footer of every tokens, sign-symmetry, successive-cosine and cosine-matrix part, and summary.json is what the rows themselves give', async () => {
    const modelDir = await workspace.model('f32');
    const dir = workspace.out('sweep');
    await runCliOk([
      'run',
      '--model',
      modelDir,
      ...ANALYSES.flatMap((a) => ['--analysis', a]),
      ...['--numbers', '-60..60, 990..1010', '--format', 'plain', '--format', 'space'],
      ...['--pooling', 'mean', '--chunk-size', '17', '--tile-size', '50', '--out', dir],
    ]);
    const manifest: Sweep['manifest'] = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    const parts = await findParts(dir);
    expect(parts.length).toBe(manifest.files.length);
    for (const part of parts) {
      const summarized = ['tokens', 'sign-symmetry', 'successive-cosine', 'cosine-matrix'].includes(
        part.analysis,
      );
      expect(part.summary?.analysis ?? null, part.path).toBe(summarized ? part.analysis : null);
    }
    const models = manifest.models.map((m) => ({ id: m.id as string, slug: m.slug as string }));
    const formats = manifest.spec.formats as NumberFormat[];
    const fromRows = await summarize(
      dir,
      parts.map((part) => ({ ...part, summary: null })),
      models,
      formats,
    );
    const written = JSON.parse(await readFile(path.join(dir, 'summary.json'), 'utf8'));
    expect(written).toEqual(JSON.parse(JSON.stringify(fromRows)));
    expect(written.entries.map((e: { format: string }) => e.format)).toEqual(['plain', 'space']);
  });
});

function lexicographicallyAfter(a: bigint[], b: bigint[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return false;
}

/** Every file below `dir` (hidden ones included), relative, sorted. */
async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
