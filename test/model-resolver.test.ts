import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelLocations, ModelUnavailableError, parseModelRef, resolveModel } from '@tokensweep/analysis';
import { writeDemoModel } from '@tokensweep/analysis/demo/demo-model';
import { HfCacheRepo } from '@tokensweep/analysis/models/hf-cache';
import { FakeHub } from './helpers/fake-hub';

const TOKENIZER_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
const SHARDS = [
  'model-00001-of-00003.safetensors',
  'model-00002-of-00003.safetensors',
  'model-00003-of-00003.safetensors',
];

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const gitSha1 = (bytes: Buffer) =>
  createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]))
    .digest('hex');

/** The names of the entries of a snapshot (or any directory), sorted; none if it does not exist. */
function entries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

describe(resolveModel.name, () => {
  let hub: FakeHub;
  let scratch: string;
  let models: { single: string; singleV1: string; sharded: string };
  let hfHome: string;
  let locations: ModelLocations;

  const resolve = (name: string, needsEmbedding: boolean, overrides: Partial<ModelLocations> = {}) =>
    resolveModel(parseModelRef(name, false), { ...locations, ...overrides }, needsEmbedding);
  const repoRoot = (id: string) => path.join(hfHome, 'hub', `models--${id.replace('/', '--')}`);

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'tokensweep-resolver-'));
    models = {
      single: path.join(scratch, 'single'),
      singleV1: path.join(scratch, 'single-v1'),
      sharded: path.join(scratch, 'sharded'),
    };
    await writeDemoModel(models.single, { dim: 8, seed: 1 });
    await writeDemoModel(models.singleV1, { dim: 8, seed: 2 });
    await writeDemoModel(models.sharded, { dim: 8, dtype: 'BF16', shards: 3 });
    hub = await FakeHub.start();
    hub.register('org/tiny', { main: models.single, v1: models.singleV1 });
    hub.register('gpt2', models.single);
    hub.register('org/sharded', models.sharded);
    hub.register('org/gated', models.single, { gatedToken: 'hf_letmein' });
    hub.register('org/gated-cdn', models.single, { gatedToken: 'hf_letmein', cdnElsewhere: true });
  });

  afterAll(async () => {
    await hub?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  beforeEach(async () => {
    hub.requests.length = 0;
    hfHome = await mkdtemp(path.join(scratch, 'hf-home-'));
    locations = { hfHome, hfEndpoint: hub.url, offline: false };
  });

  /** Checks a snapshot is huggingface_hub's layout: every file a relative link into blobs/, named by ETag, holding the source's bytes. */
  function expectSnapshot(id: string, commit: string, source: string, files: string[]): void {
    const snapshot = path.join(repoRoot(id), 'snapshots', commit);
    expect(entries(snapshot)).toEqual([...files].sort());
    for (const file of files) {
      const link = path.join(snapshot, file);
      expect(lstatSync(link).isSymbolicLink(), `${file} is a symlink`).toBe(true);
      const target = readlinkSync(link);
      expect(path.isAbsolute(target), `${file} links relatively`).toBe(false);
      const bytes = readFileSync(path.join(source, file));
      // LFS files are named by their sha256 (X-Linked-Etag), regular files by their git blob id (ETag).
      const blob = file.endsWith('.safetensors') ? sha256(bytes) : gitSha1(bytes);
      expect(realpathSync(link)).toBe(path.join(realpathSync(repoRoot(id)), 'blobs', blob));
      expect(readFileSync(link).equals(bytes), `${file} holds the Hub's bytes`).toBe(true);
    }
    expect(
      entries(path.join(repoRoot(id), 'blobs')).filter((name) => !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(name)),
    ).toEqual([]);
  }

  it('downloads only the tokenizer files when no embedding is needed, into the huggingface_hub layout', async () => {
    const commit = hub.commit('org/tiny');
    const resolved = await resolve('org/tiny', false);

    expect(resolved).toEqual({
      name: 'org/tiny',
      slug: 'org--tiny',
      dir: path.join(repoRoot('org/tiny'), 'snapshots', commit),
      revision: commit,
    });
    expect(hub.downloadedFiles().sort()).toEqual(TOKENIZER_FILES);
    expect(readFileSync(path.join(repoRoot('org/tiny'), 'refs', 'main'), 'utf8')).toBe(commit);
    expectSnapshot('org/tiny', commit, models.single, TOKENIZER_FILES);
  });

  it('downloads the weights when a later sweep needs them, and nothing it already has', async () => {
    await resolve('org/tiny', false);
    hub.requests.length = 0;
    const resolved = await resolve('org/tiny', true);

    expect(hub.downloadedFiles()).toEqual(['model.safetensors']);
    expectSnapshot('org/tiny', resolved.revision!, models.single, [...TOKENIZER_FILES, 'model.safetensors']);
  });

  it('fetches only the index and the shard that holds the embedding of a sharded model', async () => {
    const resolved = await resolve('org/sharded', true);

    expect(hub.downloadedFiles().sort()).toEqual(
      [...TOKENIZER_FILES, 'model-00002-of-00003.safetensors', 'model.safetensors.index.json'].sort(),
    );
    expectSnapshot('org/sharded', resolved.revision!, models.sharded, [
      ...TOKENIZER_FILES,
      'model-00002-of-00003.safetensors',
      'model.safetensors.index.json',
    ]);
    expect(SHARDS.filter((shard) => existsSync(path.join(resolved.dir, shard)))).toEqual([
      'model-00002-of-00003.safetensors',
    ]);
  });

  it('answers from the cache, sending nothing, once a revision is there', async () => {
    const first = await resolve('gpt2', true);
    hub.requests.length = 0;
    expect(await resolve('gpt2', true)).toEqual(first);
    expect(await resolve('gpt2', false)).toEqual(first);
    expect(await resolve(`gpt2@${first.revision}`, true)).toMatchObject({
      dir: first.dir,
      revision: first.revision,
    });
    expect(hub.requests).toEqual([]);
  });

  it('pins a branch or tag with @revision, and a commit with @<commit id>', async () => {
    const v1 = hub.commit('org/tiny', 'v1');
    const pinned = await resolve('org/tiny@v1', true);
    expect(pinned).toMatchObject({ name: 'org/tiny@v1', slug: 'org--tiny', revision: v1 });
    expectSnapshot('org/tiny', v1, models.singleV1, [...TOKENIZER_FILES, 'model.safetensors']);
    expect(entries(path.join(repoRoot('org/tiny'), 'refs'))).toEqual(['v1']);
    expect(readFileSync(path.join(repoRoot('org/tiny'), 'refs', 'v1'), 'utf8')).toBe(v1);
    expect(hub.requests.every((r) => !r.path.includes('/main'))).toBe(true);

    const main = hub.commit('org/tiny');
    const byCommit = await resolve(`org/tiny@${main}`, false);
    expect(byCommit).toMatchObject({
      revision: main,
      dir: path.join(repoRoot('org/tiny'), 'snapshots', main),
    });
    expect(entries(path.join(repoRoot('org/tiny'), 'refs'))).toEqual(['v1']); // a commit id needs no ref
  });

  it('follows a renamed repository to its new name, still naming blobs as huggingface_hub does', async () => {
    hub.rename('old-org/tiny', 'org/tiny');
    const resolved = await resolve('old-org/tiny', true);
    expect(resolved).toMatchObject({
      name: 'old-org/tiny',
      slug: 'old-org--tiny',
      revision: hub.commit('org/tiny'),
    });
    expect(hub.requests.filter((r) => r.path.startsWith('/old-org/tiny/resolve/'))).toHaveLength(4);
    expectSnapshot('old-org/tiny', resolved.revision!, models.single, [
      ...TOKENIZER_FILES,
      'model.safetensors',
    ]);
  });

  describe('offline (HF_HUB_OFFLINE=1)', () => {
    it('with an empty cache names the files it lacks and the variable, and sends nothing', async () => {
      const error = await resolve('org/tiny', true, { offline: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelUnavailableError);
      expect((error as Error).message).toMatch(
        /^model org\/tiny: HF_HUB_OFFLINE=1 .*tokenizer\.json.*model\.safetensors/,
      );
      expect(hub.requests).toEqual([]);
    });

    it('with a cache that has the tokenizer only, serves a tokens sweep and names the missing weights for a cosine one', async () => {
      const online = await resolve('org/tiny', false);
      hub.requests.length = 0;
      expect(await resolve('org/tiny', false, { offline: true })).toEqual(online);
      await expect(resolve('org/tiny', true, { offline: true })).rejects.toThrow(
        /HF_HUB_OFFLINE=1 .*lacks model\.safetensors/,
      );
      expect(hub.requests).toEqual([]);
    });

    it('names the missing shard of a sharded model', async () => {
      const { dir } = await resolve('org/sharded', true);
      await rm(path.join(dir, 'model-00002-of-00003.safetensors'));
      await expect(resolve('org/sharded', true, { offline: true })).rejects.toThrow(
        /HF_HUB_OFFLINE=1 and the Hugging Face cache lacks model-00002-of-00003\.safetensors of revision main/,
      );
    });
  });

  describe('a gated model', () => {
    it('without HF_TOKEN, or with a wrong one, fails saying to set it, and caches nothing', async () => {
      for (const hfToken of [undefined, 'hf_wrong']) {
        const error = await resolve('org/gated', false, { hfToken }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ModelUnavailableError);
        expect((error as Error).message).toMatch(
          /^model org\/gated: .*refused access \(HTTP 401\).*set HF_TOKEN/,
        );
      }
      expect(existsSync(path.join(repoRoot('org/gated'), 'refs'))).toBe(false);
      expect(entries(path.join(repoRoot('org/gated'), 'snapshots', hub.commit('org/gated')))).toEqual([]);
    });

    it('with HF_TOKEN downloads, sending the token as a bearer token', async () => {
      const resolved = await resolve('org/gated', true, { hfToken: 'hf_letmein' });
      expectSnapshot('org/gated', resolved.revision!, models.single, [
        ...TOKENIZER_FILES,
        'model.safetensors',
      ]);
      const toHub = hub.requests.filter((r) => !r.path.startsWith('/cdn-lfs/'));
      expect(toHub.map((r) => r.authorization)).toEqual(toHub.map(() => 'Bearer hf_letmein'));
    });
  });

  it('sends HF_TOKEN to the Hub only, never to a CDN on another origin it redirects to', async () => {
    const resolved = await resolve('org/gated-cdn', true, { hfToken: 'hf_letmein' });
    expectSnapshot('org/gated-cdn', resolved.revision!, models.single, [
      ...TOKENIZER_FILES,
      'model.safetensors',
    ]);
    const toCdn = hub.requests.filter((r) => r.origin === 'cdn');
    expect(toCdn.length).toBeGreaterThan(0);
    expect(toCdn.map((r) => r.authorization)).toEqual(toCdn.map(() => undefined));
    expect(hub.downloadedFiles()).toContain('model.safetensors');
  });

  it('talks to the Hub through its client: revision info, paths-info, then ranged probes and downloads', async () => {
    await resolve('org/tiny', true);
    const routes = hub.requests.map((r) => `${r.method} ${r.path.replace(/[0-9a-f]{40,64}/g, '<hash>')}`);
    expect(routes[0]).toBe('GET /api/models/org/tiny/revision/main');
    expect(routes).toContain('POST /api/models/org/tiny/paths-info/<hash>');
    expect(hub.requests.filter((r) => r.range === 'bytes=0-0').length).toBeGreaterThanOrEqual(4);
    expect(hub.downloadedFiles().sort()).toEqual([...TOKENIZER_FILES, 'model.safetensors'].sort());
  });

  it('keeps the cache whole when several downloaders fetch the same model at once', async () => {
    const all = await Promise.all(Array.from({ length: 6 }, () => resolve('org/sharded', true)));
    const commit = hub.commit('org/sharded');
    for (const resolved of all) expect(resolved.revision).toBe(commit);
    const files = [...TOKENIZER_FILES, 'model-00002-of-00003.safetensors', 'model.safetensors.index.json'];
    expectSnapshot('org/sharded', commit, models.sharded, files);
    expect(readFileSync(path.join(repoRoot('org/sharded'), 'refs', 'main'), 'utf8')).toBe(commit);
    const leftovers = [
      ...entries(path.join(repoRoot('org/sharded'), 'blobs')),
      ...entries(path.join(repoRoot('org/sharded'), 'refs')),
      ...entries(path.join(repoRoot('org/sharded'), 'snapshots', commit)),
    ].filter((name) => name.includes('incomplete'));
    expect(leftovers).toEqual([]);
  });

  it.each([
    [
      'org/nope',
      /^model org\/nope: not found on the Hub at http:\/\/127\.0\.0\.1:\d+ \(HTTP 404\); check the id and revision$/,
    ],
    ['org/tiny@no-such-branch', /^model org\/tiny: not found on the Hub .*check the id and revision$/],
  ])('refuses the unknown %s clearly', async (name, message) => {
    const error = await resolve(name, false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as Error).message).toMatch(message);
    expect(existsSync(path.join(hfHome, 'hub', 'models--org--nope', 'snapshots'))).toBe(false);
  });

  it('says to check HF_ENDPOINT or go offline when the Hub cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const { port } = closed.address() as AddressInfo;
    await new Promise((done) => closed.close(done));
    await expect(resolve('org/tiny', false, { hfEndpoint: `http://127.0.0.1:${port}` })).rejects.toThrow(
      /cannot reach the Hub at http:\/\/127\.0\.0\.1:\d+ .*check HF_ENDPOINT or set HF_HUB_OFFLINE=1/,
    );
  });

  it('takes MODELS_DIR/<org>/<name> before the cache and the Hub', async () => {
    const modelsDir = path.join(hfHome, 'models-dir');
    await cp(models.singleV1, path.join(modelsDir, 'org', 'tiny'), { recursive: true });
    await resolve('org/tiny', true); // the cache holds main too
    hub.requests.length = 0;

    expect(await resolve('org/tiny', true, { modelsDir })).toEqual({
      name: 'org/tiny',
      slug: 'org--tiny',
      dir: path.join(modelsDir, 'org', 'tiny'),
      revision: null,
    });
    expect(
      await resolve('org/unknown-to-the-hub', false, {
        modelsDir: path.join(hfHome, 'empty'),
        offline: true,
      }).catch((e: Error) => e.message),
    ).toMatch(/HF_HUB_OFFLINE=1/);
    await cp(models.single, path.join(modelsDir, 'gpt2'), { recursive: true });
    expect((await resolve('gpt2', true, { modelsDir })).dir).toBe(path.join(modelsDir, 'gpt2'));
    expect(hub.requests).toEqual([]);
  });

  it('uses a cache that huggingface_hub (Python) laid out, offline', async () => {
    const commit = 'a'.repeat(8) + hub.commit('org/tiny').slice(8);
    const root = repoRoot('org/python');
    for (const file of [...TOKENIZER_FILES, 'model.safetensors']) {
      const bytes = await readFile(path.join(models.single, file));
      const blob = file.endsWith('.safetensors') ? sha256(bytes) : gitSha1(bytes);
      await mkdir(path.join(root, 'blobs'), { recursive: true });
      await writeFile(path.join(root, 'blobs', blob), bytes);
      await mkdir(path.join(root, 'snapshots', commit), { recursive: true });
      await symlink(path.join('..', '..', 'blobs', blob), path.join(root, 'snapshots', commit, file));
    }
    await mkdir(path.join(root, 'refs'), { recursive: true });
    await writeFile(path.join(root, 'refs', 'main'), commit); // no newline, as Python writes it
    await mkdir(path.join(root, '.no_exist', commit), { recursive: true });
    await writeFile(path.join(root, '.no_exist', commit, 'special_tokens_map.json'), '');
    await mkdir(path.join(hfHome, 'hub', '.locks', 'models--org--python'), { recursive: true });

    const resolved = await resolve('org/python', true, { offline: true });
    expect(resolved).toEqual({
      name: 'org/python',
      slug: 'org--python',
      dir: path.join(root, 'snapshots', commit),
      revision: commit,
    });
    expect(await resolve(`org/python@${commit}`, true, { offline: true })).toMatchObject({
      dir: resolved.dir,
    });
    expect(hub.requests).toEqual([]);
  });

  it('leaves nothing half-written when a download breaks off, and completes on the next attempt', async () => {
    hub.breakDownloads('model.safetensors');
    try {
      await expect(resolve('org/tiny', true)).rejects.toThrow(
        /download of model\.safetensors broke off.*run again/,
      );
    } finally {
      hub.breakDownloads('model.safetensors', false);
    }
    const commit = hub.commit('org/tiny');
    expect(existsSync(path.join(repoRoot('org/tiny'), 'refs', 'main'))).toBe(false);
    expect(entries(path.join(repoRoot('org/tiny'), 'snapshots', commit))).toEqual(TOKENIZER_FILES);
    expect(
      entries(path.join(repoRoot('org/tiny'), 'blobs')).filter((name) => name.includes('incomplete')),
    ).toEqual([]);

    hub.requests.length = 0;
    await resolve('org/tiny', true);
    expect(hub.downloadedFiles()).toEqual(['model.safetensors']);
    expectSnapshot('org/tiny', commit, models.single, [...TOKENIZER_FILES, 'model.safetensors']);
  });

  describe('refuses what a Hub or repository must not make it do', () => {
    it('an index that names a shard outside the snapshot', async () => {
      const evil = path.join(scratch, 'evil');
      await writeDemoModel(evil, { dim: 8, dtype: 'BF16', shards: 2 });
      const index = JSON.parse(await readFile(path.join(evil, 'model.safetensors.index.json'), 'utf8'));
      // Climbs out of snapshots/<commit>/ and, as a URL, lands on another repository's file that the Hub serves.
      index.weight_map['wte.weight'] = '../../../../org/tiny/resolve/main/model.safetensors';
      await writeFile(path.join(evil, 'model.safetensors.index.json'), JSON.stringify(index));
      hub.register('org/evil', evil);

      const error = await resolve('org/evil', true).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelUnavailableError);
      expect((error as Error).message).toMatch(
        /model\.safetensors\.index\.json names the shard "\.\.\/.*" for wte\.weight, outside the model directory/,
      );
      expect(entries(hfHome)).toEqual(['hub']);
      expect(hub.downloadedFiles()).not.toContain('model.safetensors');
    });

    it('an ETag that is not a plain name: the blob is named by its sha256 instead', async () => {
      hub.register('org/etag', models.single, { reportedEtag: '../../../escape' });
      const { dir } = await resolve('org/etag', true);
      for (const file of [...TOKENIZER_FILES, 'model.safetensors']) {
        const blob = sha256(readFileSync(path.join(models.single, file)));
        expect(realpathSync(path.join(dir, file))).toBe(
          path.join(realpathSync(repoRoot('org/etag')), 'blobs', blob),
        );
      }
      expect(entries(hfHome)).toEqual(['hub']);
      expect(entries(path.join(hfHome, 'hub'))).toEqual(['models--org--etag']);
    });

    it('a revision answer without a commit id', async () => {
      hub.register('org/odd', models.single, { reportedSha: '../../../escape' });
      await expect(resolve('org/odd', false)).rejects.toThrow(/answered .* without a commit/);
      expect(entries(hfHome)).toEqual([]);
    });
  });
});

describe(HfCacheRepo.name, () => {
  let hfHome: string;
  const commit = '0123456789abcdef0123456789abcdef01234567';

  beforeEach(async () => {
    hfHome = await mkdtemp(path.join(os.tmpdir(), 'tokensweep-hf-cache-'));
    return () => rm(hfHome, { recursive: true, force: true });
  });

  it('lays a repository out as models--org--name under hub/', () => {
    expect(new HfCacheRepo(hfHome, 'EleutherAI/pythia-70m').root).toBe(
      path.join(hfHome, 'hub', 'models--EleutherAI--pythia-70m'),
    );
    expect(new HfCacheRepo(hfHome, 'gpt2').root).toBe(path.join(hfHome, 'hub', 'models--gpt2'));
  });

  it('reads refs as Python writes them, nested ones included, and ignores what is not a commit', async () => {
    const repo = new HfCacheRepo(hfHome, 'org/name');
    expect(repo.commitFor('main')).toBeNull();
    await repo.writeRef('main', commit);
    await repo.writeRef('refs/pr/1', commit);
    expect(repo.commitFor('main')).toBe(commit);
    expect(repo.commitFor('refs/pr/1')).toBe(commit);
    expect(readFileSync(path.join(repo.root, 'refs', 'refs', 'pr', '1'), 'utf8')).toBe(commit);

    await writeFile(path.join(repo.root, 'refs', 'dev'), `${commit}\n`);
    expect(repo.commitFor('dev')).toBe(commit);
    await writeFile(path.join(repo.root, 'refs', 'broken'), 'not a commit');
    expect(repo.commitFor('broken')).toBeNull();
  });

  it('takes a commit id for itself only when its snapshot exists, and writes no ref for it', async () => {
    const repo = new HfCacheRepo(hfHome, 'org/name');
    expect(repo.commitFor(commit)).toBeNull();
    await mkdir(repo.snapshotDir(commit), { recursive: true });
    expect(repo.commitFor(commit)).toBe(commit);
    await repo.writeRef(commit, commit);
    expect(existsSync(path.join(repo.root, 'refs'))).toBe(false);
  });

  it('moves a download into blobs/<etag> and relinks the snapshot entry, leaving no scratch file', async () => {
    const repo = new HfCacheRepo(hfHome, 'org/name');
    for (const [etag, text] of [
      ['e1', 'first'],
      ['e2', 'second'],
    ]) {
      const scratch = repo.incompletePath(`${commit}-config.json`);
      await mkdir(path.dirname(scratch), { recursive: true });
      await writeFile(scratch, text);
      const link = await repo.storeBlob(commit, 'config.json', scratch, etag);
      expect(link).toBe(path.join(repo.snapshotDir(commit), 'config.json'));
      expect(readlinkSync(link)).toBe(path.join('..', '..', 'blobs', etag));
      expect(readFileSync(link, 'utf8')).toBe(text);
    }
    expect(entries(path.join(repo.root, 'blobs'))).toEqual(['e1', 'e2']);
  });
});
