import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nativeGemm } from './native-gemm';

// The addon's writeFileDurably: a chunk thread's part writes (write, fsync, close, rename as one task).
describe('writeFileDurably', () => {
  const { writeFileDurably } = nativeGemm();
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tokensweep-write-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the bytes under the temporary name, then renames them over the target', async () => {
    const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31) % 251);
    const temp = path.join(dir, '.part.tmp');
    const target = path.join(dir, 'part.parquet');
    await writeFile(target, 'an earlier copy');
    expect(await writeFileDurably(temp, target, bytes)).toBe(bytes.length);
    expect(new Uint8Array(await readFile(target))).toEqual(bytes);
    expect(await readdir(dir)).toEqual(['part.parquet']);
  });

  it('writes a subarray as just its own bytes, and an empty one as an empty file', async () => {
    const whole = Uint8Array.from([9, 1, 2, 3, 9]);
    await writeFileDurably(path.join(dir, 't1'), path.join(dir, 'a'), whole.subarray(1, 4));
    expect([...(await readFile(path.join(dir, 'a')))]).toEqual([1, 2, 3]);
    await writeFileDurably(path.join(dir, 't2'), path.join(dir, 'b'), new Uint8Array(0));
    expect((await readFile(path.join(dir, 'b'))).length).toBe(0);
  });

  it('rejects as Node fs does when the folder is missing, naming the call and the path', async () => {
    const temp = path.join(dir, 'missing', '.part.tmp');
    const error = await writeFileDurably(temp, path.join(dir, 'missing', 'part'), new Uint8Array(4)).catch(
      (e: NodeJS.ErrnoException) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      code: 'ENOENT',
      syscall: 'open',
      message: `ENOENT: no such file or directory, open '${temp}'`,
    });
  });

  it('removes its temporary file when the rename fails', async () => {
    const target = path.join(dir, 'taken');
    await mkdir(path.join(target, 'inside'), { recursive: true }); // a non-empty folder cannot be renamed over
    const temp = path.join(dir, '.taken.tmp');
    const error = await writeFileDurably(temp, target, new Uint8Array(8)).catch(
      (e: NodeJS.ErrnoException) => e,
    );
    expect(error).toMatchObject({ syscall: 'rename' });
    expect(['EISDIR', 'ENOTEMPTY', 'EEXIST']).toContain((error as NodeJS.ErrnoException).code);
    expect((await readdir(dir)).sort()).toEqual(['taken']);
  });

  it('refuses what is not a Uint8Array, at once', () => {
    expect(() => writeFileDurably('a', 'b', 'text' as unknown as Uint8Array)).toThrow(
      'bytes must be a Uint8Array',
    );
  });
});
