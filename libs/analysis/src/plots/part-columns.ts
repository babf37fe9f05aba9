import { Data, RecordBatch } from '#arrow';
import { PartRecord } from '../output/part-record';
import { readPart } from '../output/read-part';
import { asStorage, SweepLocation } from '../storage/as-storage';

/**
 * Column access for figures, which read whole analyses: parts are read one at a time (a sweep's
 * parts never all sit in memory together) and columns come out as flat typed arrays, never as one
 * object per row.
 */

/** Reads `columns` of each part in order and hands every record batch to `visit`. */
export async function forEachBatch(
  location: SweepLocation,
  parts: PartRecord[],
  columns: string[],
  visit: (batch: RecordBatch) => void,
): Promise<void> {
  const storage = asStorage(location);
  for (const part of parts) {
    const table = await readPart(storage, part.path, columns);
    for (const batch of table.batches) visit(batch);
  }
}

function data(batch: RecordBatch, name: string): Data {
  const column = batch.getChild(name);
  if (!column) throw new Error(`part file has no column ${name}`);
  return column.data[0];
}

/**
 * An int64 column (the numbers, all within ±2^53) as float64, assembled from its 32-bit halves:
 * converting through BigInt costs several times more per value.
 */
export function int64Values(batch: RecordBatch, name: string): Float64Array {
  const d = data(batch, name);
  const words = d.values as BigInt64Array;
  const halves = new Int32Array(words.buffer, words.byteOffset + d.offset * 8, d.length * 2);
  const out = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = halves[2 * i + 1] * 4294967296 + (halves[2 * i] >>> 0);
  return out;
}

export function int32Values(batch: RecordBatch, name: string): Int32Array {
  const d = data(batch, name);
  return (d.values as Int32Array).subarray(d.offset, d.offset + d.length);
}

/** A nullable float32 column with NaN where it is null. */
export function float32OrNaN(batch: RecordBatch, name: string): Float32Array {
  const d = data(batch, name);
  const out = (d.values as Float32Array).slice(d.offset, d.offset + d.length);
  const bitmap = d.nullBitmap;
  if (d.nullCount > 0 && bitmap && bitmap.length > 0) {
    for (let i = 0; i < out.length; i++) {
      const bit = d.offset + i;
      if (((bitmap[bit >> 3] >> (bit & 7)) & 1) === 0) out[i] = NaN;
    }
  }
  return out;
}

/** A list<int32> column as offsets into one flat array of values: row i is values[offsets[i]..offsets[i+1]). */
export function int32Lists(batch: RecordBatch, name: string): { offsets: Int32Array; values: Int32Array } {
  const d = data(batch, name);
  const child = d.children[0];
  return {
    offsets: (d.valueOffsets as Int32Array).subarray(d.offset, d.offset + d.length + 1),
    values: (child.values as Int32Array).subarray(child.offset),
  };
}

/** A utf8 column as strings (for the few rows a figure labels). */
export function strings(batch: RecordBatch, name: string): string[] {
  return [...batch.getChild(name)!].map((v) => String(v ?? ''));
}
