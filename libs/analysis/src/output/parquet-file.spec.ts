import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromArrays } from '#arrow';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Encoding, ParquetFile } from 'parquet-wasm/node';
import { describe, expect, it } from 'vitest';
import { int32Column, int32ListColumn, int64Column, utf8Column, utf8ListColumn } from './arrow-columns';
import { columnsWithStatistics, decodeParquetTable, encodeParquet, tableOf } from './parquet-file';
import { ANALYSIS_SCHEMAS } from './schemas';

/** The encodings each column chunk of the first row group uses, by column name. */
async function columnEncodings(bytes: Uint8Array): Promise<Record<string, number[]>> {
  const file = await ParquetFile.fromFile(new Blob([bytes]));
  try {
    const group = file.metadata().rowGroup(0);
    const found: Record<string, number[]> = {};
    for (let i = 0; i < group.numColumns(); i++) {
      const column = group.column(i);
      found[column.columnPath().join('.')] = column.encodings();
    }
    return found;
  } finally {
    file.free();
  }
}

describe(encodeParquet.name, () => {
  const count = 5000;
  const table = tableFromArrays({
    number: BigInt64Array.from({ length: count }, (_, i) => BigInt(i * 7 - 1000)),
    text: Array.from({ length: count }, (_, i) => String(i * 7 - 1000)),
    cosine: Float32Array.from({ length: count }, (_, i) => Math.sin(i)),
  });

  it('keeps every row and the footer metadata', () => {
    const bytes = encodeParquet(table, { 'tokensweep.test': 'yes' });
    const back = decodeParquetTable(bytes);
    expect(back.numRows).toBe(count);
    expect(back.getChild('text')!.toArray()).toEqual(table.getChild('text')!.toArray());
    expect(Array.from(back.getChild('number')!.toArray() as BigInt64Array)).toEqual(
      Array.from(table.getChild('number')!.toArray() as BigInt64Array),
    );
    expect(back.getChild('cosine')!.toArray()).toEqual(table.getChild('cosine')!.toArray());
  });

  it('writes no dictionaries for columns of nearly unique values: integers as deltas, the rest plain', async () => {
    const encodings = await columnEncodings(encodeParquet(table, {}));
    expect(Object.keys(encodings)).toEqual(['number', 'text', 'cosine']);
    for (const used of Object.values(encodings)) {
      expect(used).not.toContain(Encoding.RLE_DICTIONARY);
      expect(used).not.toContain(Encoding.PLAIN_DICTIONARY);
    }
    expect(encodings.number).toContain(Encoding.DELTA_BINARY_PACKED);
    expect(encodings.text).toContain(Encoding.PLAIN);
    expect(encodings.cosine).toContain(Encoding.PLAIN);
  });
});

describe(columnsWithStatistics.name, () => {
  it('keeps the fixed-width columns of each schema, not its texts or lists', () => {
    expect(columnsWithStatistics(ANALYSIS_SCHEMAS.tokens)).toEqual(['number', 'token_count']);
    expect(columnsWithStatistics(ANALYSIS_SCHEMAS['successive-cosine'])).toContain('cosine');
  });

  it('writes min/max for those columns only, and DuckDB reads them and the rows', async () => {
    const count = 3000;
    const values = Float64Array.from({ length: count }, (_, i) => i - 1000);
    const offsets = Int32Array.from({ length: count + 1 }, (_, i) => i * 2);
    const ids = Int32Array.from({ length: count * 2 }, (_, i) => i % 997);
    const table = tableOf(ANALYSIS_SCHEMAS.tokens, [
      int64Column(values),
      utf8Column(Array.from(values, String)),
      int32Column(new Int32Array(count).fill(2)),
      int32ListColumn(offsets, ids),
      utf8ListColumn(offsets, Array.from(ids, String)),
    ]);
    const dir = await mkdtemp(path.join(tmpdir(), 'tokensweep-stats-'));
    const file = path.join(dir, 'part.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      await writeFile(file, encodeParquet(table, {}));
      const reader = await connection.runAndReadAll(
        `SELECT path_in_schema, stats_min, stats_max FROM parquet_metadata('${file}') ORDER BY column_id`,
      );
      const stats = Object.fromEntries(
        reader.getRowObjectsJS().map((row) => [row.path_in_schema, [row.stats_min, row.stats_max]]),
      );
      expect(stats).toEqual({
        number: ['-1000', '1999'],
        text: [null, null],
        token_count: ['2', '2'],
        'token_ids, list, item': [null, null],
        'tokens, list, item': [null, null],
      });
      // the delta-encoded numbers read back as written
      const sums = await connection.runAndReadAll(
        `SELECT count(*)::INTEGER AS n, sum(number)::BIGINT AS total, sum(token_count)::INTEGER AS tokens FROM read_parquet('${file}')`,
      );
      expect(sums.getRowObjectsJS()).toEqual([
        { n: count, total: BigInt(values.reduce((a, b) => a + b, 0)), tokens: 2 * count },
      ]);
    } finally {
      connection.closeSync();
      db.closeSync();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
