import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeDemoModel } from '@tokensweep/analysis/demo/demo-model';
import { analysisTable, DuckDb } from './helpers/duckdb';
import { FakeHub } from './helpers/fake-hub';
import { CliResult, runCli } from './helpers/run-cli';

/**
 * `tokensweep run --model org/name` as a user runs it: the model comes from MODELS_DIR, the Hugging
 * Face cache, or the Hub (here a fake one at HF_ENDPOINT), and lands in the cache Python shares.
 */
const TOKENIZER_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
const WITH_WEIGHTS = [...TOKENIZER_FILES, 'model.safetensors'].sort();
const SWEEP = ['--numbers', '-30..30', '--analysis', 'tokens', '--analysis', 'successive-cosine', '--json'];
const TOKENS_ONLY = ['--numbers', '-30..30', '--analysis', 'tokens', '--analysis', 'sign-symmetry', '--json'];

interface ManifestModel {
  id: string;
  slug: string;
  revision: string | null;
  tokenizerSha256: string;
  embeddingSha256: string | null;
}

describe('tokensweep run --model <Hub id>', () => {
  let hub: FakeHub;
  let db: DuckDb;
  let scratch: string;
  let models: { main: string; v1: string; sharded: string };
  let hfHome: string;
  let runs = 0;

  /** Runs a sweep of `model` into a fresh directory with HF_HOME and HF_ENDPOINT set (online unless `env` says otherwise). */
  async function sweep(
    model: string,
    flags: string[],
    env: Record<string, string> = {},
  ): Promise<CliResult & { out: string }> {
    const out = path.join(scratch, 'out', String(runs++));
    const result = await runCli(['run', '--model', model, ...flags, '--out', out], {
      HF_HOME: hfHome,
      HF_ENDPOINT: hub.url,
      HF_HUB_OFFLINE: '0',
      ...env,
    });
    return { ...result, out };
  }

  function manifestModel(run: CliResult): ManifestModel {
    expect(run.code, run.stderr).toBe(0);
    const manifest = JSON.parse(run.stdout);
    expect(manifest.status).toBe('completed');
    return manifest.models[0];
  }

  const rows = (out: string, analysis: string) =>
    db.rows(`SELECT * EXCLUDE (model) FROM ${analysisTable(out, analysis)} ORDER BY number`);
  const repoRoot = (id: string) => path.join(hfHome, 'hub', `models--${id.replace('/', '--')}`);

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'tokensweep-resolution-'));
    models = {
      main: path.join(scratch, 'main'),
      v1: path.join(scratch, 'v1'),
      sharded: path.join(scratch, 'sharded'),
    };
    await writeDemoModel(models.main, { dim: 8, seed: 1 });
    await writeDemoModel(models.v1, { dim: 8, seed: 2 });
    await writeDemoModel(models.sharded, { dim: 8, seed: 3, dtype: 'BF16', shards: 3 });
    hub = await FakeHub.start();
    hub.register('org/tiny', { main: models.main, v1: models.v1 });
    hub.register('org/sharded', models.sharded);
    hub.register('org/gated', models.main, { gatedToken: 'hf_letmein' });
    db = await DuckDb.open();
  });

  afterAll(async () => {
    db?.close();
    await hub?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  beforeEach(async () => {
    hub.requests.length = 0;
    hfHome = await mkdtemp(path.join(scratch, 'hf-home-'));
  });

  it('downloads the model once into the cache; a second run sends nothing and writes the same rows', async () => {
    const commit = hub.commit('org/tiny');
    const first = await sweep('org/tiny', [...SWEEP, '--threads', '2']);
    expect(manifestModel(first)).toMatchObject({ id: 'org/tiny', slug: 'org--tiny', revision: commit });
    expect(hub.downloadedFiles().sort()).toEqual(WITH_WEIGHTS);

    expect(readFileSync(path.join(repoRoot('org/tiny'), 'refs', 'main'), 'utf8')).toBe(commit);
    const snapshot = path.join(repoRoot('org/tiny'), 'snapshots', commit);
    expect(readdirSync(snapshot).sort()).toEqual(WITH_WEIGHTS);
    for (const file of readdirSync(snapshot)) {
      expect(lstatSync(path.join(snapshot, file)).isSymbolicLink()).toBe(true);
      expect(readlinkSync(path.join(snapshot, file))).toMatch(/^\.\.\/\.\.\/blobs\/[0-9a-f]{40,64}$/);
      expect(readFileSync(path.join(snapshot, file)).equals(readFileSync(path.join(models.main, file)))).toBe(
        true,
      );
    }
    const weights = readFileSync(path.join(models.main, 'model.safetensors'));
    expect(readlinkSync(path.join(snapshot, 'model.safetensors'))).toBe(
      `../../blobs/${createHash('sha256').update(weights).digest('hex')}`,
    );

    hub.requests.length = 0;
    const second = await sweep('org/tiny', [...SWEEP, '--threads', '2']);
    expect(manifestModel(second)).toEqual(manifestModel(first));
    expect(hub.requests).toEqual([]);
    for (const analysis of ['tokens', 'successive-cosine']) {
      const before = await rows(first.out, analysis);
      expect(before).toHaveLength(analysis === 'tokens' ? 61 : 60);
      expect(await rows(second.out, analysis)).toEqual(before);
    }
  });

  it('runs several processes downloading the same model at once into one cache, none corrupting it', async () => {
    const runs = await Promise.all([0, 1, 2].map(() => sweep('org/tiny', SWEEP)));
    const [first, ...others] = runs.map(manifestModel);
    for (const other of others) expect(other).toEqual(first);
    const snapshot = path.join(repoRoot('org/tiny'), 'snapshots', hub.commit('org/tiny'));
    expect(readdirSync(snapshot).sort()).toEqual(WITH_WEIGHTS);
    for (const file of WITH_WEIGHTS)
      expect(readFileSync(path.join(snapshot, file)).equals(readFileSync(path.join(models.main, file)))).toBe(
        true,
      );
    expect(
      readdirSync(path.join(repoRoot('org/tiny'), 'blobs')).filter((n) => n.includes('incomplete')),
    ).toEqual([]);
    // --json keeps stdout to the manifest: the download's messages go nowhere near it
    for (const run of runs) expect(() => JSON.parse(run.stdout)).not.toThrow();
    const expected = await rows(runs[0].out, 'successive-cosine');
    for (const run of runs.slice(1)) expect(await rows(run.out, 'successive-cosine')).toEqual(expected);
  });

  it('downloads no safetensors for a sweep that reads no embedding', async () => {
    const run = await sweep('org/tiny', TOKENS_ONLY);
    expect(manifestModel(run)).toMatchObject({ revision: hub.commit('org/tiny'), embeddingSha256: null });
    expect(hub.downloadedFiles().sort()).toEqual(TOKENIZER_FILES);
  });

  it('downloads only the shard that holds the embedding tensor of a sharded model', async () => {
    const run = await sweep('org/sharded', SWEEP);
    const bytes = readFileSync(path.join(models.sharded, 'model-00002-of-00003.safetensors'));
    expect(manifestModel(run).embeddingSha256).not.toBeNull();
    expect(hub.downloadedFiles().sort()).toEqual(
      [...TOKENIZER_FILES, 'model-00002-of-00003.safetensors', 'model.safetensors.index.json'].sort(),
    );
    expect(bytes.length).toBeGreaterThan(1000);
  });

  it('pins @revision: the manifest records its commit and the rows come from its weights', async () => {
    const main = manifestModel(await sweep('org/tiny', SWEEP));
    const v1 = manifestModel(await sweep('org/tiny@v1', SWEEP));
    expect(v1).toMatchObject({
      id: 'org/tiny@v1',
      slug: 'org--tiny',
      revision: hub.commit('org/tiny', 'v1'),
    });
    expect(v1.revision).not.toBe(main.revision);
    expect(v1.embeddingSha256).not.toBe(main.embeddingSha256);
    expect(readFileSync(path.join(repoRoot('org/tiny'), 'refs', 'v1'), 'utf8')).toBe(v1.revision);

    hub.requests.length = 0;
    const byCommit = manifestModel(await sweep(`org/tiny@${v1.revision}`, SWEEP));
    expect(byCommit).toMatchObject({ revision: v1.revision, embeddingSha256: v1.embeddingSha256 });
    expect(hub.requests).toEqual([]);
  });

  it('exits 2 offline with an empty cache, naming the missing files and HF_HUB_OFFLINE, and writes nothing', async () => {
    const run = await sweep('org/tiny', SWEEP, { HF_HUB_OFFLINE: '1' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^tokensweep: model org\/tiny: HF_HUB_OFFLINE=1 .*lacks tokenizer\.json, model\.safetensors of revision main/,
    );
    expect(run.stderr).toMatch(/unset HF_HUB_OFFLINE/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(hub.requests).toEqual([]);
    expect(existsSync(run.out)).toBe(false);
  });

  it('fails clearly on a gated model without HF_TOKEN, and works with it', async () => {
    const refused = await sweep('org/gated', SWEEP);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^tokensweep: model org\/gated: the Hub refused access \(HTTP 401\); for a gated or private model set HF_TOKEN\n$/,
    );
    expect(existsSync(refused.out)).toBe(false);

    const allowed = await sweep('org/gated', SWEEP, { HF_TOKEN: 'hf_letmein' });
    expect(manifestModel(allowed)).toMatchObject({ id: 'org/gated', revision: hub.commit('org/gated') });
  });

  it.each([
    [
      'org/nope',
      /^tokensweep: model org\/nope: not found on the Hub at http:\/\/127\.0\.0\.1:\d+ \(HTTP 404\); check the id and revision\n$/,
    ],
    [
      'org/tiny@no-such-tag',
      /^tokensweep: model org\/tiny: not found on the Hub .*check the id and revision\n$/,
    ],
  ])('exits 2 for the unknown %s with a clear message', async (model, message) => {
    const run = await sweep(model, SWEEP);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(existsSync(run.out)).toBe(false);
  });

  it('takes MODELS_DIR/<org>/<name> before the cache and the Hub', async () => {
    const modelsDir = path.join(hfHome, 'models');
    await cp(models.v1, path.join(modelsDir, 'org', 'tiny'), { recursive: true });
    const cached = manifestModel(await sweep('org/tiny', SWEEP));
    hub.requests.length = 0;

    const fromDir = manifestModel(await sweep('org/tiny', SWEEP, { MODELS_DIR: modelsDir }));
    expect(hub.requests).toEqual([]);
    expect(fromDir).toMatchObject({ id: 'org/tiny', slug: 'org--tiny', revision: null });
    expect(fromDir.embeddingSha256).not.toBe(cached.embeddingSha256); // v1's weights, not the cached main
  });

  it('uses, offline, a cache that huggingface_hub (Python) laid out by hand', async () => {
    const commit = 'c0ffee'.padEnd(40, '0');
    const root = repoRoot('org/python');
    for (const file of [...TOKENIZER_FILES, 'model.safetensors']) {
      const bytes = await readFile(path.join(models.main, file));
      const blob = file.endsWith('.safetensors')
        ? createHash('sha256').update(bytes).digest('hex')
        : createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
      await mkdir(path.join(root, 'blobs'), { recursive: true });
      await writeFile(path.join(root, 'blobs', blob), bytes);
      await mkdir(path.join(root, 'snapshots', commit), { recursive: true });
      await symlink(`../../blobs/${blob}`, path.join(root, 'snapshots', commit, file));
    }
    await mkdir(path.join(root, 'refs'), { recursive: true });
    await writeFile(path.join(root, 'refs', 'main'), commit);

    const run = await sweep('org/python', SWEEP, { HF_HUB_OFFLINE: '1', HF_ENDPOINT: 'http://127.0.0.1:9' });
    expect(manifestModel(run)).toMatchObject({ id: 'org/python', slug: 'org--python', revision: commit });
    const fromHub = await sweep('org/tiny', SWEEP);
    expect(await rows(run.out, 'successive-cosine')).toEqual(await rows(fromHub.out, 'successive-cosine'));
  });
});
