import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A tensor to write: its little-endian bytes already in `dtype`. */
export interface TensorToWrite {
  name: string;
  dtype: 'F32' | 'F16' | 'BF16';
  shape: number[];
  bytes: Uint8Array;
}

/** Writes tensors as one safetensors file (8-byte header length, JSON header padded to 8 bytes, data). */
export async function writeSafetensors(
  file: string,
  tensors: TensorToWrite[],
  metadata: Record<string, string> = {},
): Promise<void> {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  let json = Buffer.from(JSON.stringify(header));
  json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    Buffer.concat([
      prefix,
      json,
      ...tensors.map((t) => Buffer.from(t.bytes.buffer, t.bytes.byteOffset, t.bytes.length)),
    ]),
  );
}

/** Writes tensors as shards `model-0000k-of-0000n.safetensors` plus `model.safetensors.index.json`. */
export async function writeShardedSafetensors(dir: string, shards: TensorToWrite[][]): Promise<void> {
  const weightMap: Record<string, string> = {};
  let total = 0;
  for (let s = 0; s < shards.length; s++) {
    const name = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`;
    await writeSafetensors(path.join(dir, name), shards[s]);
    for (const t of shards[s]) {
      weightMap[t.name] = name;
      total += t.bytes.length;
    }
  }
  const index = { metadata: { total_size: total }, weight_map: weightMap };
  await writeFile(path.join(dir, 'model.safetensors.index.json'), JSON.stringify(index, null, 2));
}

/** float32 values as bytes of `dtype` (round to nearest even for F16 and BF16). */
export function encodeFloats(values: Float32Array, dtype: TensorToWrite['dtype']): Uint8Array {
  if (dtype === 'F32')
    return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  const out = new Uint16Array(values.length);
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < values.length; i++)
    out[i] = dtype === 'BF16' ? floatToBf16(bits[i]) : floatToHalf(values[i]);
  return new Uint8Array(out.buffer);
}

function floatToBf16(bits: number): number {
  // a NaN stays a (quiet) NaN: rounding its payload could carry it into infinity or wrap it to zero
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x40) & 0xffff;
  const rounding = 0x7fff + ((bits >>> 16) & 1);
  return ((bits + rounding) >>> 16) & 0xffff;
}

function floatToHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  if (Number.isNaN(value)) return sign | 0x7e00; // not the infinity its all-ones exponent would become
  const exponent = ((x >>> 23) & 0xff) - 127 + 15;
  const mantissa = x & 0x7fffff;
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    // a subnormal keeps the top bits of the 24-bit significand; one shift, so ties round to even exactly once
    const significand = mantissa | 0x800000;
    const shift = 14 - exponent;
    const kept = significand >> shift;
    const rest = significand & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    return sign | (kept + (rest > half || (rest === half && kept & 1) ? 1 : 0));
  }
  if (exponent >= 0x1f) return sign | 0x7c00;
  const rounded = mantissa + 0xfff + ((mantissa >> 13) & 1);
  if (rounded & 0x800000) return exponent + 1 >= 0x1f ? sign | 0x7c00 : sign | ((exponent + 1) << 10);
  return sign | (exponent << 10) | (rounded >> 13);
}
