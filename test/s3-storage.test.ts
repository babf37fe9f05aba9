import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSweepStorage, StorageAccessError, SweepStorage } from '@tokensweep/analysis';
import { S3RVER_CREDENTIALS, S3Server } from './helpers/s3-server';

/**
 * The S3 adapter of the results port against a real S3 REST server (s3rver), through the AWS SDK's
 * default credential chain: whole objects only, absolute ranges, listings, deletion, and what a
 * store that does not list or abort uploads (s3rver) makes it say.
 */
describe('the S3 results adapter', () => {
  let s3: S3Server;
  const warnings: string[] = [];
  let storage: SweepStorage;

  beforeAll(async () => {
    Object.assign(process.env, S3RVER_CREDENTIALS);
    s3 = await S3Server.start();
    storage = openSweepStorage(
      { kind: 's3', bucket: s3.bucket, prefix: 'adapter/sweep-1', connection: { endpoint: s3.endpoint } },
      (message) => warnings.push(message),
    );
  });

  afterAll(async () => {
    await s3?.close();
  });

  it('writes objects whole (one part, or several past 8 MiB) and reads them back, ranges by absolute bounds', async () => {
    const big = Buffer.alloc(9 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    expect(await storage.write('tokens/model=m/format=plain/part-00000.parquet', big)).toBe(big.length);
    expect(await storage.write('spec.json', '{"a":1}\n')).toBe(8);
    expect(await storage.write('empty.txt', '')).toBe(0);
    const back = await storage.read('tokens/model=m/format=plain/part-00000.parquet');
    expect(Buffer.from(back!).equals(big)).toBe(true);
    expect(await storage.size('tokens/model=m/format=plain/part-00000.parquet')).toBe(big.length);
    const tail = await storage.readRange(
      'tokens/model=m/format=plain/part-00000.parquet',
      big.length - 100,
      big.length,
    );
    expect(Buffer.from(tail).equals(big.subarray(big.length - 100))).toBe(true);
    expect(Buffer.from((await storage.read('empty.txt'))!).length).toBe(0);
    expect(await storage.list()).toEqual([
      { path: 'empty.txt', bytes: 0 },
      { path: 'spec.json', bytes: 8 },
      { path: 'tokens/model=m/format=plain/part-00000.parquet', bytes: big.length },
    ]);
    expect((await s3.objects('adapter/sweep-1')).map((o) => o.key)).toEqual([
      'empty.txt',
      'spec.json',
      'tokens/model=m/format=plain/part-00000.parquet',
    ]);
  });

  it('answers null for what is not there, and refuses paths that would leave the prefix', async () => {
    expect(await storage.read('nothing.json')).toBeNull();
    expect(await storage.size('nothing.json')).toBeNull();
    for (const bad of ['../other/x', '/abs', 'a//b', 'a/./b'])
      await expect(storage.read(bad)).rejects.toThrow(/is not a path inside a sweep/);
  });

  it('overwrites a key in place when a chunk runs again', async () => {
    await storage.write('spec.json', 'second\n');
    expect(Buffer.from((await storage.read('spec.json'))!).toString()).toBe('second\n');
    expect((await storage.list()).filter((o) => o.path === 'spec.json')).toHaveLength(1);
  });

  it('logs "nothing to abort" where the store does not list incomplete uploads (s3rver: 501), and carries on', async () => {
    expect(await storage.removeLeftovers()).toBe(0);
    expect(warnings).toContainEqual(
      expect.stringMatching(
        /does not list incomplete multipart uploads \(501 NotImplemented\); nothing to abort/,
      ),
    );
  });

  it('leaves no object when an upload is cut off, and tries to abort it', async () => {
    const flaky = await S3Server.start();
    const cut: string[] = [];
    const target = openSweepStorage(
      { kind: 's3', bucket: flaky.bucket, prefix: 'cut', connection: { endpoint: flaky.endpoint } },
      (message) => cut.push(message),
    );
    try {
      const body = Buffer.alloc(40 * 1024 * 1024, 7);
      const writing = target.write('cosine-matrix/model=m/format=plain/part-00000.parquet', body);
      writing.catch(() => undefined);
      // the store goes away once the upload has begun
      for (;;) {
        if ((await flaky.uploadsInProgress()).length > 0) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      await flaky.stop();
      await expect(writing).rejects.toThrow(/cannot write s3:\/\/results\/cut\/cosine-matrix\/.*unreachable/);
      expect(cut).toContainEqual(expect.stringMatching(/aborting an incomplete upload failed/));
      await flaky.restart();
      expect(await flaky.objects('cut')).toEqual([]);
      expect(await target.list()).toEqual([]);
    } finally {
      await flaky.close();
    }
  });

  it('removes every object of the sweep and none of another', async () => {
    const other = openSweepStorage({
      kind: 's3',
      bucket: s3.bucket,
      prefix: 'adapter/sweep-10',
      connection: { endpoint: s3.endpoint },
    });
    await other.write('spec.json', '{}');
    await storage.removeAll();
    expect(await storage.list()).toEqual([]);
    expect((await other.list()).map((o) => o.path)).toEqual(['spec.json']);
  });

  it('names a missing bucket as a refusal retrying cannot fix, and an unreachable store as one it can', async () => {
    const missing = openSweepStorage({
      kind: 's3',
      bucket: 'no-such-bucket',
      prefix: 'p',
      connection: { endpoint: s3.endpoint },
    });
    const refusal = missing.write('spec.json', '{}');
    await expect(refusal).rejects.toBeInstanceOf(StorageAccessError);
    await expect(refusal).rejects.toThrow(/cannot write s3:\/\/no-such-bucket\/p\/spec\.json: NoSuchBucket/);
    const gone = await S3Server.start();
    await gone.stop();
    const unreachable = openSweepStorage({
      kind: 's3',
      bucket: gone.bucket,
      prefix: 'p',
      connection: { endpoint: gone.endpoint },
    });
    const failure = unreachable.write('spec.json', '{}');
    await expect(failure).rejects.toThrow(/is unreachable \(ECONNREFUSED\)/);
    await expect(failure).rejects.not.toBeInstanceOf(StorageAccessError);
    await gone.close();
  });
});
