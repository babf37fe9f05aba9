import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tableFromArrays } from '#arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSweepStorage } from '../storage/file-sweep-storage';
import { SweepStorage } from '../storage/sweep-storage';
import { encodeParquet, readParquetInfo } from './parquet-file';
import { readParquetFooter } from './parquet-footer';

/** A storage that counts the bytes it is asked for, to show that only the footer is read. */
function counting(storage: SweepStorage): { storage: SweepStorage; bytesRead: () => number } {
  let read = 0;
  return {
    storage: {
      ...storage,
      location: storage.location,
      size: (relative) => storage.size(relative),
      readRange: async (relative, start, end) => {
        read += end - start;
        return storage.readRange(relative, start, end);
      },
    },
    bytesRead: () => read,
  };
}

describe(readParquetFooter.name, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tokensweep-footer-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cases: [string, number, Record<string, string>][] = [
    ['an empty part', 0, {}],
    ['a small part with metadata', 5, { 'tokensweep.analysis': 'tokens', 'tokensweep.summary': '{"a":1}' }],
    ['many rows', 300_000, { key: 'value', ünïcode: 'välue ✓' }],
    // a footer past the first 64 KiB read takes a second read
    ['a footer over 64 KiB', 10, { big: 'x'.repeat(100_000), other: 'y' }],
  ];

  it.each(cases)(
    'reads the rows and key-value metadata of %s as parquet-wasm does',
    async (name, rows, metadata) => {
      const numbers = BigInt64Array.from({ length: rows }, (_, i) => BigInt(i * 7 - 3));
      const text = Array.from({ length: rows }, (_, i) => `n${i % 1000}`);
      const cosine = Float32Array.from({ length: rows }, (_, i) => Math.sin(i));
      const bytes = encodeParquet(tableFromArrays({ number: numbers, text, cosine }), metadata);
      const file = `${name.replace(/\W+/g, '-')}.parquet`;
      await writeFile(path.join(dir, file), bytes);
      const { storage, bytesRead } = counting(new FileSweepStorage(dir));
      const footer = await readParquetFooter(storage, file);
      const reference = await readParquetInfo(path.join(dir, file));
      expect(footer).toEqual({ rows: reference.rows, metadata: reference.metadata, bytes: bytes.length });
      expect(footer.metadata).toMatchObject(metadata);
      if (bytes.length > 200_000) expect(bytesRead()).toBeLessThan(bytes.length / 2);
    },
  );

  it('refuses a file that is not Parquet, naming it', async () => {
    await writeFile(path.join(dir, 'not.parquet'), 'this is not parquet at all');
    await expect(readParquetFooter(new FileSweepStorage(dir), 'not.parquet')).rejects.toThrow(
      /not\.parquet is not a Parquet file/,
    );
  });
});
