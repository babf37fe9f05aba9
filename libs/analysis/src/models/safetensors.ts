import { open } from 'node:fs/promises';
import { nativeGemm } from '../compute/native-gemm';

/** One tensor's entry in a safetensors header. */
export interface TensorInfo {
  dtype: string;
  shape: number[];
  /** Absolute byte range of the tensor's data in the file. */
  begin: number;
  end: number;
}

const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** Reads a safetensors file's header (8-byte little-endian length, then JSON) without touching the tensor data. */
export async function readSafetensorsHeader(file: string): Promise<Map<string, TensorInfo>> {
  const handle = await open(file, 'r');
  try {
    const prefix = Buffer.alloc(8);
    await handle.read(prefix, 0, 8, 0);
    const length = Number(prefix.readBigUInt64LE(0));
    const { size } = await handle.stat();
    if (length <= 0 || length > MAX_HEADER_BYTES || 8 + length > size) {
      throw new Error(`${file} is not a safetensors file (header length ${length}, file size ${size})`);
    }
    const json = Buffer.alloc(length);
    await handle.read(json, 0, length, 8);
    const header = JSON.parse(json.toString('utf8')) as Record<
      string,
      { dtype: string; shape: number[]; data_offsets: [number, number] }
    >;
    const tensors = new Map<string, TensorInfo>();
    for (const [name, entry] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const [from, to] = entry.data_offsets;
      tensors.set(name, {
        dtype: entry.dtype,
        shape: entry.shape,
        begin: 8 + length + from,
        end: 8 + length + to,
      });
    }
    return tensors;
  } finally {
    await handle.close();
  }
}

/** A tensor is read in blocks of this size. */
export const READ_BLOCK_BYTES = 8 * 1024 * 1024;
/** Blocks read at once while each is handed on in order (of libuv's four threads by default). */
const READS_IN_FLIGHT = 2;

/** Where a tensor's bytes go, and who hears of them (readTensorBytes). */
export interface TensorReadOptions<T extends Uint8Array> {
  /** The buffer to read into; it must be the tensor's size. A fresh Buffer when not given. */
  into?: T;
  /** Each block once it has landed, in order (to hash the bytes while the next blocks are read). */
  onBlock?: (block: Uint8Array) => void;
  /** Once the first reads are on libuv's threads: from here the reading goes on while this thread works. */
  onReading?: () => void;
}

/**
 * Reads exactly one tensor's bytes. Blocks are read on libuv's threads, however busy this thread
 * is: with `onBlock`, a few at a time, each handed on in order once it has landed, so that work on
 * the bytes (hashing them) overlaps the reading instead of following it; without, every block at
 * once, so that the whole read goes on without this thread's event loop (the 154 MB demo matrix,
 * read while the same thread parsed a tokenizer.json: 110–220 ms two blocks at a time, 85–135 ms
 * all at once, 20–50 ms alone).
 */
export async function readTensorBytes<T extends Uint8Array = Buffer>(
  file: string,
  tensor: TensorInfo,
  { into, onBlock, onReading }: TensorReadOptions<T> = {},
): Promise<T> {
  const size = tensor.end - tensor.begin;
  const bytes = into ?? (Buffer.alloc(size) as Uint8Array as T);
  if (bytes.length !== size)
    throw new Error(`a buffer of ${bytes.length} bytes cannot hold a tensor of ${size}`);
  const handle = await open(file, 'r');
  const readBlock = async (start: number): Promise<number> => {
    const end = Math.min(start + READ_BLOCK_BYTES, size);
    for (let done = start; done < end;) {
      const { bytesRead } = await handle.read(bytes, done, end - done, tensor.begin + done);
      if (bytesRead === 0) throw new Error(`${file} ends inside its tensor data; the file is truncated`);
      done += bytesRead;
    }
    return end;
  };
  const reads: Promise<number>[] = [];
  const readNext = () => {
    const start = reads.length * READ_BLOCK_BYTES;
    if (start >= size) return;
    const read = readBlock(start);
    read.catch(() => undefined); // its failure is seen when its turn comes, not as an unhandled rejection
    reads.push(read);
  };
  const atOnce = onBlock ? READS_IN_FLIGHT : Math.ceil(size / READ_BLOCK_BYTES);
  for (let i = 0; i < atOnce; i++) readNext();
  onReading?.();
  try {
    for (let block = 0, start = 0; start < size; block++) {
      const end = await reads[block];
      readNext();
      onBlock?.(bytes.subarray(start, end));
      start = end;
    }
    return bytes;
  } finally {
    // blocks still being read when one failed or `onBlock` threw must land before the file is closed
    await Promise.allSettled(reads);
    await handle.close();
  }
}

/**
 * Fresh memory for a matrix of `count` float32 values, in a SharedArrayBuffer when `shared`, that
 * asks for 2 MiB pages before anything is written to it: filling a 154 MB matrix 4 KiB page by 4 KiB
 * page took ~38,000 page faults (140 ms of system time, 80 ms of its read), 2 MiB pages ~1,100
 * (60 ms, 45 ms); and a chunk's rows, gathered from all over the matrix, then miss the TLB far less.
 */
export function matrixMemory(count: number, shared = false): Float32Array {
  const data = new Float32Array(shared ? new SharedArrayBuffer(count * 4) : new ArrayBuffer(count * 4));
  nativeGemm().adviseHugePages(data);
  return data;
}

/**
 * Converts F32, F16, BF16 (and F64) tensor bytes, little-endian as safetensors stores them, to float32.
 * With `shared`, the values live in a SharedArrayBuffer, so worker threads can use one copy.
 */
export function toFloat32(bytes: Buffer, dtype: string, shared = false): Float32Array {
  const width = BYTES_PER_VALUE[dtype];
  if (width === undefined)
    throw new Error(`embedding tensors of dtype ${dtype} are not supported; expected F32, F16, BF16 or F64`);
  const count = bytes.length / width;
  const allocate = () => matrixMemory(count, shared);
  switch (dtype) {
    case 'F32': {
      const out = allocate();
      new Uint8Array(out.buffer).set(bytes);
      return out;
    }
    case 'F16': {
      const out = allocate();
      for (let i = 0; i < out.length; i++) out[i] = halfToFloat(bytes[2 * i] | (bytes[2 * i + 1] << 8));
      return out;
    }
    case 'BF16': {
      const out = allocate();
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < out.length; i++) bits[i] = ((bytes[2 * i] | (bytes[2 * i + 1] << 8)) << 16) >>> 0;
      return out;
    }
    case 'F64': {
      const out = allocate();
      for (let i = 0; i < out.length; i++) out[i] = bytes.readDoubleLE(8 * i);
      return out;
    }
    default:
      throw new Error(
        `embedding tensors of dtype ${dtype} are not supported; expected F32, F16, BF16 or F64`,
      );
  }
}

const BYTES_PER_VALUE: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
