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

describe('a thread pool sharing a tokenizer', () => {
  let workspace: TestWorkspace;
  let model: string;
  let jobs: ChunkJob[];
  let options: ExecutorOptions;
  const target = (name: string): StorageTarget => ({ kind: 'file', dir: workspace.out(name) });

  beforeAll(async () => {
    workspace = await TestWorkspace.create('shared-tokenizer');
    model = await workspace.model('f32');
    // the default analyses, cut into several chunks and tiles
    const { spec, numbers } = parseSweepSpec(
      { models: [model], numbers: '-100..100', chunkSize: 40, tileSize: 80 },
      { allowLocalModels: true },
    );
    const { record, tasks } = openSweep(spec, numbers);
    jobs = tasks.map((task) => ({ spec, specHash: record.specHash, task }));
    options = {
      locations: { hfHome: workspace.root, hfEndpoint: 'http://127.0.0.1:9', offline: true },
      allowLocalModels: true,
    };
  });

  afterAll(() => workspace?.cleanup());

  it('parses tokenizer.json in one thread of two, and the parts are those of the main thread', async () => {
    expect(jobs.length).toBeGreaterThanOrEqual(3);
    const inline = new InProcessExecutor(options);
    for (const job of jobs) await inline.run(job, target('main-thread'));

    const pool = new ThreadPoolExecutor(2, options, CHUNK_THREAD);
    try {
      await pool.run(jobs[0], target('pool')); // the first thread loads the model
      const tokenizerJson = path.join(model, 'tokenizer.json');
      await writeFile(tokenizerJson, '{ "not": "a tokenizer" ');
      // both threads are idle: each is handed one of these at once, so the second thread runs one
      await Promise.all(jobs.slice(1).map((job) => pool.run(job, target('pool'))));
      // and any thread that still read the file would fail on it
      const fresh = new InProcessExecutor(options);
      await expect(fresh.run(jobs[0], target('damaged'))).rejects.toBeInstanceOf(ModelUnavailableError);
    } finally {
      await pool.close();
    }

    const [expected, shared] = await Promise.all([
      partsUnder(workspace.out('main-thread')),
      partsUnder(workspace.out('pool')),
    ]);
    expect(expected.size).toBeGreaterThanOrEqual(jobs.length);
    expect([...shared.keys()].sort()).toEqual([...expected.keys()].sort());
    // footers hold the same keys and values (parquet-wasm writes them in no fixed order)
    for (const [name, part] of expected) expect(shared.get(name), name).toEqual(part);
  });
});

describe('a thread pool that loads the model while its threads start', () => {
  let workspace: TestWorkspace;
  let model: string;
  let jobs: ChunkJob[];
  let options: ExecutorOptions;
  const target = (name: string): StorageTarget => ({ kind: 'file', dir: workspace.out(name) });

  beforeAll(async () => {
    workspace = await TestWorkspace.create('preload');
    model = await workspace.model('f32');
    const { spec, numbers } = parseSweepSpec(
      { models: [model], numbers: '-100..100', chunkSize: 40, tileSize: 80 },
      { allowLocalModels: true },
    );
    const { record, tasks } = openSweep(spec, numbers);
    jobs = tasks.map((task) => ({ spec, specHash: record.specHash, task }));
    options = {
      locations: { hfHome: workspace.root, hfEndpoint: 'http://127.0.0.1:9', offline: true },
      allowLocalModels: true,
    };
  });

  afterAll(() => workspace?.cleanup());

  it('hands its threads the tokenizer and matrix it loaded: they read neither file', async () => {
    const inline = new InProcessExecutor(options);
    for (const job of jobs) await inline.run(job, target('main-thread'));

    const pool = new ThreadPoolExecutor(2, options, CHUNK_THREAD);
    try {
      await pool.preload(model, true, 'input');
      await writeFile(path.join(model, 'tokenizer.json'), '{ "not": "a tokenizer" ');
      await writeFile(path.join(model, 'model.safetensors'), 'not safetensors');
      await Promise.all(jobs.map((job) => pool.run(job, target('pool'))));
      const fresh = new InProcessExecutor(options);
      await expect(fresh.run(jobs[0], target('damaged'))).rejects.toBeInstanceOf(ModelUnavailableError);
    } finally {
      await pool.close();
    }

    const [expected, preloaded] = await Promise.all([
      partsUnder(workspace.out('main-thread')),
      partsUnder(workspace.out('pool')),
    ]);
    expect([...preloaded.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, part] of expected) expect(preloaded.get(name), name).toEqual(part);
  });

  it('leaves what it cannot load to the threads, whose chunks say why', async () => {
    model = await workspace.model('f32');
    await writeFile(path.join(model, 'tokenizer.json'), '{ "not": "a tokenizer" ');
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
