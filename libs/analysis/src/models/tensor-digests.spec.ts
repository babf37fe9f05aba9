import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEmbeddingMatrix } from './embeddings';
import { encodeFloats, writeSafetensors } from './safetensors-writer';
import { fileIdentity, SETTLED_NS, TensorDigests } from './tensor-digests';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'tokensweep-digests-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string) => path.join(scratch, `${n++}-${name}`);

const OTHER_SHA = 'f'.repeat(64);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A clock that reads `aheadNs` past the real one: as if the hashing began that long after now. */
const clockAhead = (aheadNs: bigint) => () => BigInt(Date.now()) * 1_000_000n + aheadNs;
const SETTLED = clockAhead(SETTLED_NS + 1_000_000_000n);

/** A file of `size` bytes, and its identity once written. */
async function aFile(size = 64) {
  const file = fresh('data.bin');
  writeFileSync(file, Buffer.alloc(size, 7));
  return { file, identity: await fileIdentity(file) };
}

describe(TensorDigests.name, () => {
  it('keeps nothing without a cache directory', () => {
    expect(TensorDigests.at(undefined)).toBeNull();
  });

  it('recalls a digest while the file is as it was when hashed', async () => {
    const digests = TensorDigests.at(fresh('cache'), SETTLED)!;
    const { file, identity } = await aFile();
    const hashed = { before: identity, after: identity, hashStartedNs: digests.now() };
    await digests.remember(file, 8, 64, OTHER_SHA, hashed);
    expect(await digests.recall(file, 8, 64, await fileIdentity(file))).toBe(OTHER_SHA);
    // another range of the same file is another tensor
    expect(await digests.recall(file, 0, 64, await fileIdentity(file))).toBeNull();
  });

  it('forgets it once the file is written to, even with its size and contents as before', async () => {
    const digests = TensorDigests.at(fresh('cache'), SETTLED)!;
    const { file, identity } = await aFile();
    await digests.remember(file, 0, 64, OTHER_SHA, {
      before: identity,
      after: identity,
      hashStartedNs: digests.now(),
    });
    writeFileSync(file, Buffer.alloc(64, 7)); // the same bytes again: only the times change
    expect(await digests.recall(file, 0, 64, await fileIdentity(file))).toBeNull();
    appendFileSync(file, 'x');
    expect(await digests.recall(file, 0, 64, await fileIdentity(file))).toBeNull();
  });

  it('does not remember a file written just before its hashing began, nor one written during it', async () => {
    const cache = fresh('cache');
    const { file, identity } = await aFile();
    // the real clock: the file was written a moment ago, within a file-time tick of the hash
    const unsettled = TensorDigests.at(cache)!;
    await unsettled.remember(file, 0, 64, OTHER_SHA, {
      before: identity,
      after: identity,
      hashStartedNs: unsettled.now(),
    });
    expect(await unsettled.recall(file, 0, 64, identity)).toBeNull();

    const digests = TensorDigests.at(cache, SETTLED)!;
    appendFileSync(file, 'x');
    const after = await fileIdentity(file);
    await digests.remember(file, 0, 64, OTHER_SHA, { before: identity, after, hashStartedNs: digests.now() });
    expect(await digests.recall(file, 0, 64, identity)).toBeNull();
    expect(await digests.recall(file, 0, 64, after)).toBeNull();
  });

  it('reads a damaged entry as none, and an unwritable cache as no cache', async () => {
    const cache = fresh('cache');
    const digests = TensorDigests.at(cache, SETTLED)!;
    const { file, identity } = await aFile();
    const hashed = { before: identity, after: identity, hashStartedNs: digests.now() };
    await digests.remember(file, 0, 64, OTHER_SHA, hashed);
    const [layout] = readdirSync(cache);
    const [entry] = readdirSync(path.join(cache, layout));
    writeFileSync(path.join(cache, layout, entry), '{"sha256": "not a digest"');
    expect(await digests.recall(file, 0, 64, identity)).toBeNull();

    const blocked = fresh('not-a-directory');
    writeFileSync(blocked, 'a file where the cache directory would go');
    const nowhere = TensorDigests.at(blocked, SETTLED)!;
    await expect(nowhere.remember(file, 0, 64, OTHER_SHA, hashed)).resolves.toBeUndefined();
    expect(await nowhere.recall(file, 0, 64, identity)).toBeNull();
  });
});

describe('a matrix read with digests', () => {
  const model = fresh('model');
  const values = Float32Array.from({ length: 12 * 8 }, (_, i) => Math.sin(i));
  beforeAll(() =>
    writeSafetensors(path.join(model, 'model.safetensors'), [
      { name: 'wte.weight', dtype: 'F32', shape: [12, 8], bytes: encodeFloats(values, 'F32') },
    ]),
  );
  const stored = Buffer.from(values.buffer);

  it('hashes the bytes once, then takes the digest of the unchanged file from the cache', async () => {
    const cacheDir = fresh('cache');
    const digests = TensorDigests.at(cacheDir, SETTLED);
    const first = await loadEmbeddingMatrix(model, { digests });
    expect(first.sha256).toBe(sha256(stored));
    expect(Array.from(first.data)).toEqual(Array.from(values));

    // Another digest put in the entry is what the next read reports: it did not hash the bytes.
    const entries = readdirSync(cacheDir, { recursive: true }).map(String);
    const entryPath = path.join(
      cacheDir,
      entries.find((name) => name.endsWith('.json'))!,
    );
    const entry = JSON.parse(readFileSync(entryPath, 'utf8'));
    writeFileSync(entryPath, JSON.stringify({ ...entry, sha256: OTHER_SHA }));
    const second = await loadEmbeddingMatrix(model, { digests });
    expect(second.sha256).toBe(OTHER_SHA);
    expect(Array.from(second.data)).toEqual(Array.from(values));

    // once the file is written to, its bytes are hashed again
    writeFileSync(path.join(model, 'model.safetensors'), readFileSync(path.join(model, 'model.safetensors')));
    expect((await loadEmbeddingMatrix(model, { digests })).sha256).toBe(sha256(stored));
  });
});
