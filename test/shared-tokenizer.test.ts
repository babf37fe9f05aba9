import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChunkJob,
  ExecutorOptions,
  InProcessExecutor,
  ModelUnavailableError,
  openSweep,
  parseSweepSpec,
  readParquetInfo,
  readParquetTable,
  StorageTarget,
  ThreadPoolExecutor,
} from '@tokensweep/analysis';
import { TestWorkspace } from './helpers/test-model';

/**
 * A pool's threads load a model's tokenizer once for all: the thread that first needs it reads,
 * hashes and parses tokenizer.json, and the others build theirs from what it hands over. Seen from
 * outside: once the first thread has it, tokenizer.json can be damaged and the other thread still
 * writes the parts the main thread writes from the intact file: the same rows, the same provenance.
 */
const CHUNK_THREAD = path.resolve(__dirname, '../dist/libs/analysis/src/runtime/chunk-thread.js');

/** Values as plain arrays, whatever the typed arrays and Arrow vectors holding them. */
function plain(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<unknown>, plain);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object' && 'toArray' in value)
    return plain((value as { toArray(): unknown }).toArray());
  return value;
}

/** Every part under a sweep directory: its rows, column by column, and its footer's metadata. */
async function partsUnder(dir: string): Promise<Map<string, { rows: unknown; metadata: unknown }>> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
  const parts = new Map<string, { rows: unknown; metadata: unknown }>();
  for (const file of files) {
    const full = path.join(file.parentPath, file.name);
    const table = await readParquetTable(full);
    const rows = table.schema.fields.map((field) => [
      field.name,
      String(field.type),
      plain(table.getChild(field.name)!.toArray()),
    ]);
    parts.set(path.relative(dir, full), { rows, metadata: (await readParquetInfo(full)).metadata });
  }
  return parts;
}

/** A model of its own and the jobs of the default analyses over it, cut into several chunks and tiles. */
interface ChunkedSweep {
  workspace: TestWorkspace;
  model: string;
  jobs: ChunkJob[];
  options: ExecutorOptions;
  target(name: string): StorageTarget;
}

async function chunkedSweep(label: string): Promise<ChunkedSweep> {
  const workspace = await TestWorkspace.create(label);
  const model = await workspace.model('f32');
  const { spec, numbers } = parseSweepSpec(
    { models: [model], numbers: '-100..100', chunkSize: 40, tileSize: 80 },
    { allowLocalModels: true },
  );
  const { record, tasks } = openSweep(spec, numbers);
  return {
    workspace,
    model,
    jobs: tasks.map((task) => ({ spec, specHash: record.specHash, task })),
    options: {
      locations: { hfHome: workspace.root, hfEndpoint: 'http://127.0.0.1:9', offline: true },
      allowLocalModels: true,
    },
    target: (name) => ({ kind: 'file', dir: workspace.out(name) }),
  };
}

/** Overwrites a model's `file` with bytes that are not what it should hold: any read of it fails. */
async function damage(model: string, file: 'tokenizer.json' | 'model.safetensors'): Promise<void> {
  await writeFile(
    path.join(model, file),
    file === 'tokenizer.json' ? '{ "not": "a tokenizer" ' : 'not safetensors',
  );
}

/** The sweep's jobs run on the main thread, into `name`: the parts a pool must write too. */
async function runInline(sweep: ChunkedSweep, name: string): Promise<void> {
  const inline = new InProcessExecutor(sweep.options);
  for (const job of sweep.jobs) await inline.run(job, sweep.target(name));
}

/** The parts under `actual` are those under `expected`: the same files, rows and footers. */
async function expectSameParts(sweep: ChunkedSweep, expected: string, actual: string): Promise<void> {
  const [want, got] = await Promise.all([
    partsUnder(sweep.workspace.out(expected)),
    partsUnder(sweep.workspace.out(actual)),
  ]);
  expect(want.size).toBeGreaterThanOrEqual(sweep.jobs.length);
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  // footers hold the same keys and values (parquet-wasm writes them in no fixed order)
  for (const [name, part] of want) expect(got.get(name), name).toEqual(part);
}

describe('a thread pool sharing a tokenizer', () => {
  let sweep: ChunkedSweep;
  beforeAll(async () => {
    sweep = await chunkedSweep('shared-tokenizer');
  });
  afterAll(() => sweep?.workspace.cleanup());

  it('parses tokenizer.json in one thread of two, and the parts are those of the main thread', async () => {
    const { jobs, model, options, target } = sweep;
    expect(jobs.length).toBeGreaterThanOrEqual(3);
    await runInline(sweep, 'main-thread');

    const pool = new ThreadPoolExecutor(2, options, CHUNK_THREAD);
    try {
      await pool.run(jobs[0], target('pool')); // the first thread loads the model
      await damage(model, 'tokenizer.json');
      // both threads are idle: each is handed one of these at once, so the second thread runs one
      await Promise.all(jobs.slice(1).map((job) => pool.run(job, target('pool'))));
      // and any thread that still read the file would fail on it
      const fresh = new InProcessExecutor(options);
      await expect(fresh.run(jobs[0], target('damaged'))).rejects.toBeInstanceOf(ModelUnavailableError);
    } finally {
      await pool.close();
    }
    await expectSameParts(sweep, 'main-thread', 'pool');
  });
});

describe('a thread pool that loads the model while its threads start', () => {
  let sweep: ChunkedSweep;
  beforeAll(async () => {
    sweep = await chunkedSweep('preload');
  });
  afterAll(() => sweep?.workspace.cleanup());

  it('hands its threads the tokenizer and matrix it loaded: they read neither file', async () => {
    const { jobs, model, options, target } = sweep;
    await runInline(sweep, 'main-thread');

    const pool = new ThreadPoolExecutor(2, options, CHUNK_THREAD);
    try {
      await pool.preload(model, true, 'input');
      await damage(model, 'tokenizer.json');
      await damage(model, 'model.safetensors');
      await Promise.all(jobs.map((job) => pool.run(job, target('pool'))));
      const fresh = new InProcessExecutor(options);
      await expect(fresh.run(jobs[0], target('damaged'))).rejects.toBeInstanceOf(ModelUnavailableError);
    } finally {
      await pool.close();
    }
    await expectSameParts(sweep, 'main-thread', 'pool');
  });

  it('loads the tokenizer when the matrix fails before a byte of it is read', async () => {
    const { jobs, options, target, workspace } = sweep;
    const model = await workspace.model('f32');
    await damage(model, 'model.safetensors');
    const pool = new ThreadPoolExecutor(2, options, CHUNK_THREAD);
    try {
      await pool.preload(model, true, 'input'); // ends: the tokenizer does not wait for reads that never start
      await damage(model, 'tokenizer.json');
      const failed = await pool.run(jobs[0], target('no-matrix')).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(ModelUnavailableError);
      // the tokenizer came from the preload: the chunk fails on the matrix alone
      expect((failed as Error).message).toContain('model.safetensors');
      expect((failed as Error).message).not.toContain('tokenizer');
    } finally {
      await pool.close();
    }
  });

  it('leaves what it cannot load to the threads, whose chunks say why', async () => {
    const { jobs, options, target, workspace } = sweep;
    const model = await workspace.model('f32');
    await damage(model, 'tokenizer.json');
    const pool = new ThreadPoolExecutor(2, options, CHUNK_THREAD);
    try {
      await pool.preload(model, true, 'input');
      const failed = await pool.run(jobs[0], target('failed')).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(ModelUnavailableError);
      expect((failed as Error).message).toContain(model);
      // a model that does not resolve at all is the threads' to report too
      await pool.preload(path.join(workspace.root, 'no-such-model'), true, 'input');
    } finally {
      await pool.close();
    }
  });
});
