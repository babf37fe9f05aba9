import { tableFromArrays } from 'apache-arrow';
import { Encoding, ParquetFile } from 'parquet-wasm/node';
import { describe, expect, it } from 'vitest';
import { decodeParquetTable, encodeParquet } from './parquet-file';

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

  it('writes plain pages, without dictionaries, for columns of nearly unique values', async () => {
    const encodings = await columnEncodings(encodeParquet(table, {}));
    expect(Object.keys(encodings)).toEqual(['number', 'text', 'cosine']);
    for (const used of Object.values(encodings)) {
      expect(used).toContain(Encoding.PLAIN);
      expect(used).not.toContain(Encoding.RLE_DICTIONARY);
      expect(used).not.toContain(Encoding.PLAIN_DICTIONARY);
    }
  });
});
