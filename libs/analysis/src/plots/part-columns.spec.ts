import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RecordBatch } from '#arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { float32Column, int32ListColumn, int64Column } from '../output/arrow-columns';
import { encodeParquet, tableOf } from '../output/parquet-file';
import { PartRecord } from '../output/part-record';
import { ANALYSIS_SCHEMAS } from '../output/schemas';
import { float32OrNaN, forEachBatch, int32Lists, int64Values } from './part-columns';

describe(forEachBatch.name, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tokensweep-columns-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Writes one Parquet part and returns its batches as read back. */
  async function roundTrip(file: string, table: ReturnType<typeof tableOf>): Promise<RecordBatch[]> {
    await writeFile(path.join(dir, file), encodeParquet(table, {}));
    const batches: RecordBatch[] = [];
    await forEachBatch(
      dir,
      [{ path: file } as PartRecord],
      table.schema.fields.map((f) => f.name),
      (batch) => batches.push(batch),
    );
    return batches;
  }

  it('reads int64 numbers of either sign up to ±2^53 exactly, and nulls as NaN', async () => {
    const numbers = [-(2 ** 53) + 1, -4294967297, -1, 0, 1, 4294967296, 2 ** 53 - 1];
    const valid = Uint8Array.from(numbers, (_, i) => (i % 3 === 1 ? 0 : 1));
    const cosines = Float32Array.from(numbers, (_, i) => i / 8);
    const schema = ANALYSIS_SCHEMAS['successive-cosine'];
    const [batch] = await roundTrip(
      'cosine.parquet',
      tableOf(schema, [
        int64Column(Float64Array.from(numbers)),
        int64Column(Float64Array.from(numbers, (n) => n - 1)),
        float32Column(cosines, valid),
      ]),
    );
    expect([...int64Values(batch, 'number')]).toEqual(numbers);
    expect([...float32OrNaN(batch, 'cosine')]).toEqual([...cosines].map((c, i) => (valid[i] ? c : NaN)));
  });

  it('reads list<int32> token ids as offsets into one flat array', async () => {
    const offsets = Int32Array.from([0, 1, 3, 3, 6]);
    const ids = Int32Array.from([10, 20, 21, 30, 31, 32]);
    const table = tableOf(ANALYSIS_SCHEMAS.tokens.select(['token_ids']), [int32ListColumn(offsets, ids)]);
    const [batch] = await roundTrip('ids.parquet', table);
    const lists = int32Lists(batch, 'token_ids');
    const rows = [0, 1, 2, 3].map((i) => [...lists.values.subarray(lists.offsets[i], lists.offsets[i + 1])]);
    expect(rows).toEqual([[10], [20, 21], [], [30, 31, 32]]);
  });
});
