import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * An independent reading of a model's `wte.weight`, straight from the safetensors bytes: the test's
 * own header parser and F32/BF16 decoding, sharing nothing with libs/analysis's reader.
 */
export interface ReferenceMatrix {
  rows: number;
  dim: number;
  /** The values, widened to float64. */
  data: Float64Array;
  /** The tensor's stored bytes (for provenance hashes). */
  bytes: Buffer;
}

export function readReferenceEmbedding(modelDir: string, tensorName = 'wte.weight'): ReferenceMatrix {
  const file = path.join(modelDir, shardHolding(modelDir, tensorName));
  const buffer = readFileSync(file);
  const headerLength = Number(buffer.readBigUInt64LE(0));
  const header = JSON.parse(buffer.subarray(8, 8 + headerLength).toString('utf8'));
  const entry = header[tensorName] as {
    dtype: string;
    shape: [number, number];
    data_offsets: [number, number];
  };
  if (!entry) throw new Error(`${file} has no ${tensorName}`);
  const bytes = buffer.subarray(
    8 + headerLength + entry.data_offsets[0],
    8 + headerLength + entry.data_offsets[1],
  );
  const [rows, dim] = entry.shape;
  return { rows, dim, data: decode(bytes, entry.dtype), bytes };
}

function shardHolding(modelDir: string, tensorName: string): string {
  const index = path.join(modelDir, 'model.safetensors.index.json');
  if (!existsSync(index)) return 'model.safetensors';
  return JSON.parse(readFileSync(index, 'utf8')).weight_map[tensorName];
}

function decode(bytes: Buffer, dtype: string): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scratch = new DataView(new ArrayBuffer(4));
  switch (dtype) {
    case 'F32':
      return Float64Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(4 * i, true));
    case 'BF16':
      // bfloat16 is the upper half of a float32
      return Float64Array.from({ length: bytes.length / 2 }, (_, i) => {
        scratch.setUint32(0, view.getUint16(2 * i, true) << 16);
        return scratch.getFloat32(0);
      });
    case 'F16':
      return Float64Array.from({ length: bytes.length / 2 }, (_, i) =>
        halfToNumber(view.getUint16(2 * i, true)),
      );
    default:
      throw new Error(`the reference reads F32, BF16 and F16, not ${dtype}`);
  }
}

/** IEEE half precision by its definition: sign, 5-bit exponent (bias 15), 10-bit fraction, subnormals. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** The float64 embedding of a number from its token ids: the mean of their rows (pooling `mean`), or the one row. */
export function referenceVector(matrix: ReferenceMatrix, ids: number[]): Float64Array {
  const out = new Float64Array(matrix.dim);
  for (const id of ids)
    for (let d = 0; d < matrix.dim; d++) out[d] += matrix.data[id * matrix.dim + d] / ids.length;
  return out;
}

/** Cosine similarity in float64; null for a zero vector. */
export function referenceCosine(a: Float64Array, b: Float64Array): number | null {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let d = 0; d < a.length; d++) {
    dot += a[d] * b[d];
    aa += a[d] * a[d];
    bb += b[d] * b[d];
  }
  return aa === 0 || bb === 0 ? null : dot / Math.sqrt(aa * bb);
}
