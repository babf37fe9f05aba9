import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { tableFromIPC } from '#arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findParts,
  openSweepStorage,
  StorageTarget,
  SweepStorage,
  type ManifestFile,
} from '@tokensweep/analysis';
import { DistributedStack } from './helpers/distributed-stack';
import { analysisTable, DuckDb } from './helpers/duckdb';
import { runCli, runCliOk } from './helpers/run-cli';
import { S3RVER_CREDENTIALS, S3Server } from './helpers/s3-server';

/**
 * Results in an S3 bucket (s3rver, a real S3 REST server started here, reached through the AWS
 * SDK's variables only): the API and a worker that write nothing to disk, the routes that read back
 * from the bucket, `tokensweep fetch`, and `tokensweep run --out s3://…`, each equal to the
 * embedded run into a directory.
 */
const ANALYSES = ['tokens', 'sign-symmetry', 'successive-cosine', 'cosine-matrix'];
const SPEC = {
  models: ['demo-a'],
  numbers: '-30..30',
  formats: ['plain', 'space'],
  analyses: ANALYSES,
  chunkSize: 16,
  tileSize: 32,
  plots: true,
};
const FLAGS = [
  ...['--model', 'demo-a', '--numbers', SPEC.numbers, '--format', 'plain', '--format', 'space'],
  ...ANALYSES.flatMap((a) => ['--analysis', a]),
  ...['--chunk-size', '16', '--tile-size', '32'],
];

describe('results on S3', () => {
  let s3: S3Server;
  let stack: DistributedStack;
  let db: DuckDb;
  let id: string;
  let manifest: { status: string; files: ManifestFile[]; plots: string[] };
  let embeddedDir: string;
  const prefix = 'sweeps/api';

  DistributedStack.logsOnFailure(() => stack);

  beforeAll(async () => {
    s3 = await S3Server.start();
    stack = await DistributedStack.start({
      label: 's3',
      workers: 1,
      env: { ...s3.env(prefix), WORKER_CONCURRENCY: '2' },
    });
    db = await DuckDb.open();
    id = (await stack.api.submit(SPEC)).id;
    await stack.api.awaitStatus(id, 'completed', { timeoutMs: 40_000, context: stack.logs });
    manifest = JSON.parse((await s3.get(`${prefix}/${id}/manifest.json`)).toString('utf8'));
    embeddedDir = stack.workspace.out('embedded');
    await runCliOk(['run', ...FLAGS, '--out', embeddedDir], cliEnv());
  }, 90_000);

  afterAll(async () => {
    db?.close();
    await stack?.close();
    await s3?.close();
  });

  function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      MODELS_DIR: stack.modelsDir,
      HF_HOME: stack.env.HF_HOME,
      AWS_ENDPOINT_URL: s3.endpoint,
      ...S3RVER_CREDENTIALS,
      ...extra,
    };
  }

  /** Every row of `analysis` in `dir` and in the embedded run's directory are the same, as multisets. */
  async function expectSameRows(dir: string, analysis: string): Promise<void> {
    const a = analysisTable(dir, analysis);
    const b = analysisTable(embeddedDir, analysis);
    const count = async (sql: string) => Number(await db.value(`select count(*) from (${sql})`));
    expect(await count(`select * from ${b}`), analysis).toBeGreaterThan(0);
    expect(await count(`select * from ${a}`), analysis).toBe(await count(`select * from ${b}`));
    expect(await count(`select * from ${a} except all select * from ${b}`), analysis).toBe(0);
    expect(await count(`select * from ${b} except all select * from ${a}`), analysis).toBe(0);
  }

  it('stores exactly the sweep layout under PREFIX/<id>/, every part at its size, no temporary object', async () => {
    const objects = await s3.objects(`${prefix}/${id}`);
    const expected = [
      ...manifest.files.map((f) => f.path),
      ...manifest.plots,
      'manifest.json',
      'spec.json',
      'summary.json',
    ].sort();
    expect(objects.map((o) => o.key)).toEqual(expected);
    for (const file of manifest.files)
      expect(objects.find((o) => o.key === file.path)?.size, file.path).toBe(file.bytes);
    expect(manifest.plots.length).toBeGreaterThan(0);
    // nothing went to a directory: the services have none
    expect(stack.resultsDir).toBeUndefined();
    expect(existsSync(path.join(stack.workspace.root, 'results'))).toBe(false);
  });

  it.each(ANALYSES)('%s: the bucket holds exactly the rows of the embedded run', async (analysis) => {
    const dir = stack.workspace.out(`downloaded-${id}`);
    if (!existsSync(dir)) await s3.download(`${prefix}/${id}`, dir);
    await expectSameRows(dir, analysis);
  });

  it('serves the manifest, files and data from the bucket', async () => {
    expect((await stack.api.get(`/sweeps/${id}/manifest`)).json).toEqual(manifest);
    const part = manifest.files.find((f) => f.analysis === 'tokens')!;
    const file = await stack.api.get(`/sweeps/${id}/files/${part.path}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toMatch(/^application\/vnd\.apache\.parquet/);
    expect(Buffer.from(file.bytes).equals(await s3.get(`${prefix}/${id}/${part.path}`))).toBe(true);
    const png = await stack.api.get(`/sweeps/${id}/files/${manifest.plots.find((p) => p.endsWith('.png'))}`);
    expect(png.headers.get('content-type')).toMatch(/^image\/png/);
    const data = tableFromIPC((await stack.api.get(`/sweeps/${id}/data/cosine-matrix?format=space`)).bytes);
    const listed = manifest.files.filter((f) => f.analysis === 'cosine-matrix' && f.format === 'space');
    expect(data.numRows).toBe(listed.reduce((sum, f) => sum + f.rows, 0));
    // the traversal rules hold as on a directory: only listed files, no way out of the prefix
    expect((await stack.api.get(`/sweeps/${id}/files/spec.json`)).status).toBe(404);
    expect((await stack.api.rawGet(`/sweeps/${id}/files/../${id}/manifest.json`)).status).toBe(404);
    expect((await stack.api.get(`/sweeps/${id}/files/tokens%2F..%2Fmanifest.json`)).status).toBe(404);
    expect((await stack.api.get('/health/ready')).json).toMatchObject({
      status: 'ready',
      checks: { redis: 'ok', resultsStore: 'ok' },
    });
  });

  it('tokensweep fetch downloads the sweep from the bucket, through the API, byte for byte', async () => {
    const out = stack.workspace.out('fetched');
    await runCliOk(['fetch', id, '--out', out, '--api', stack.services!.url]);
    for (const file of [...manifest.files.map((f) => f.path), ...manifest.plots, 'manifest.json']) {
      const fetched = await readFile(path.join(out, file));
      expect(fetched.equals(await s3.get(`${prefix}/${id}/${file}`)), file).toBe(true);
    }
  });

  it('finishing reads only the footers of the parts in the bucket, by absolute ranges', async () => {
    const target: StorageTarget = {
      kind: 's3',
      bucket: s3.bucket,
      prefix: `${prefix}/${id}`,
      connection: { endpoint: s3.endpoint },
    };
    const calls = { read: 0, ranged: 0 };
    const real = withCredentials(() => openSweepStorage(target));
    const counted: SweepStorage = {
      location: real.location,
      write: (r, b) => real.write(r, b),
      read: (r) => (calls.read++, real.read(r)),
      size: (r) => real.size(r),
      readRange: (r, s, e) => ((calls.ranged += e - s), real.readRange(r, s, e)),
      list: () => real.list(),
      removeLeftovers: () => real.removeLeftovers(),
      removeAll: () => real.removeAll(),
    };
    const parts = await findParts(counted);
    expect(parts.map((p) => [p.path, p.rows, p.bytes])).toEqual(
      manifest.files.map((f) => [f.path, f.rows, f.bytes]),
    );
    expect(calls.read).toBe(0);
    const total = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
    expect(calls.ranged).toBeLessThanOrEqual(total);
  });

  describe('tokensweep run --out s3://BUCKET/PREFIX', () => {
    const out = () => `s3://${s3.bucket}/cli/run-1`;

    it('writes the embedded sweep straight to the prefix, equal to --out DIR', async () => {
      const run = await runCliOk(['run', ...FLAGS, '--out', out()], cliEnv());
      expect(run.stdout).toContain(`part files in ${out()}`);
      const keys = (await s3.objects('cli/run-1')).map((o) => o.key);
      expect(keys).toEqual(expect.arrayContaining(['manifest.json', 'spec.json', 'summary.json']));
      const dir = stack.workspace.out('cli-downloaded');
      await s3.download('cli/run-1', dir);
      for (const analysis of ANALYSES) await expectSameRows(dir, analysis);
      expect(await readFile(path.join(dir, 'summary.json'), 'utf8')).toBe(
        await readFile(path.join(embeddedDir, 'summary.json'), 'utf8'),
      );
    });

    it('refuses a prefix that holds objects (exit 2), and with --force deletes them first', async () => {
      const refused = await runCli(
        ['run', '--model', 'demo-a', '--numbers', '0..5', '--analysis', 'tokens', '--out', out()],
        cliEnv(),
      );
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(
        /--out s3:\/\/results\/cli\/run-1 already holds \d+ object\(s\).*--force/,
      );
      await runCliOk(
        ['run', '--model', 'demo-a', '--numbers', '0..5', '--analysis', 'tokens', '--out', out(), '--force'],
        cliEnv(),
      );
      expect((await s3.objects('cli/run-1')).map((o) => o.key)).toEqual([
        'manifest.json',
        'spec.json',
        'summary.json',
        'tokens/model=demo-a/format=plain/part-00000.parquet',
      ]);
    });

    it('says which bucket is missing and what to check (exit 2, nothing written)', async () => {
      const run = await runCli(
        ['run', '--model', 'demo-a', '--numbers', '0..5', '--out', 's3://no-such-bucket/x'],
        cliEnv(),
      );
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /NoSuchBucket.*Check that bucket "no-such-bucket" exists on the S3 store at http/,
      );
    });

    it.each([
      [`s3://results`, /--out s3:\/\/results: name a prefix for the sweep \(s3:\/\/results\/PREFIX\)/],
      ['s3://Bad_Bucket/x', /--out=s3:\/\/Bad_Bucket\/x: "Bad_Bucket" is not a bucket name/],
      ['ftp://host/x', /--out=ftp:\/\/host\/x: expected file:\/\/\/DIR or s3:\/\/BUCKET\/PREFIX/],
    ])('refuses --out %s with exit 2 and a message naming it', async (out, message) => {
      const run = await runCli(['run', '--model', 'demo-a', '--numbers', '0..5', '--out', out], cliEnv());
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
    });
  });
});

/** The SDK's default credential chain, as the services have it, for clients made in this process. */
function withCredentials<T>(make: () => T): T {
  Object.assign(process.env, S3RVER_CREDENTIALS);
  return make();
}
