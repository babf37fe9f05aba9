import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { READ_BLOCK_BYTES, readTensorBytes, TensorInfo } from './safetensors';

/** Every read of a file handle so far: the tensor's reads are counted where they are issued. */
const issuedReads = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof fs.open = async (...args) => {
    const handle = await fs.open(...args);
    const read = handle.read.bind(handle) as (...a: unknown[]) => ReturnType<typeof handle.read>;
    handle.read = ((...a: unknown[]) => {
      issuedReads.count++;
      return read(...a);
    }) as typeof handle.read;
    return handle;
  };
  return { ...fs, open };
});

/**
 * Reading a tensor in blocks: the bytes land whole and in place, each block is handed on once and in
 * order, and a failure while handling a block (or a truncated file) is reported, not hidden.
 */
describe(readTensorBytes.name, () => {
  let dir: string;
  let file: string;
  // several read blocks (more than are read at once), and not a multiple of one
  const prefix = 1234;
  const size = 40 * 1024 * 1024 + 77;
  const tensor: TensorInfo = { dtype: 'U8', shape: [size], begin: prefix, end: prefix + size };
  const content = Buffer.alloc(prefix + size);

  beforeAll(async () => {
    for (let i = 0; i < content.length; i++) content[i] = (i * 2654435761) >>> 24;
    dir = await mkdtemp(path.join(os.tmpdir(), 'tensor-read-'));
    file = path.join(dir, 'tensor.bin');
    await writeFile(file, content);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads the range exactly and hands on each block once, in order', async () => {
    const blocks: Uint8Array[] = [];
    const hash = createHash('sha256');
    const bytes = await readTensorBytes(file, tensor, {
      onBlock: (block) => {
        blocks.push(Buffer.from(block));
        hash.update(block);
      },
    });
    const want = content.subarray(prefix, prefix + size);
    expect(Buffer.compare(bytes, want)).toBe(0);
    expect(blocks.length).toBe(Math.ceil(size / READ_BLOCK_BYTES));
    expect(blocks.length).toBeGreaterThan(3);
    expect(Buffer.compare(Buffer.concat(blocks), want)).toBe(0);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(want).digest('hex'));
  });

  it('issues every block at once when nothing handles the blocks, so the read needs no turn of this thread', async () => {
    const blocks = Math.ceil(size / READ_BLOCK_BYTES);
    const at = { reading: -1, handing: -1 };
    issuedReads.count = 0;
    const bytes = await readTensorBytes(file, tensor, { onReading: () => (at.reading = issuedReads.count) });
    expect(at.reading).toBe(blocks);
    expect(Buffer.compare(bytes, content.subarray(prefix, prefix + size))).toBe(0);
    // handing blocks on in order keeps only a few reads running ahead of the one handed on
    issuedReads.count = 0;
    await readTensorBytes(file, tensor, {
      onReading: () => (at.handing = issuedReads.count),
      onBlock: () => undefined,
    });
    expect(at.handing).toBeGreaterThan(0);
    expect(at.handing).toBeLessThan(blocks);
  });

  it('reads into a given buffer, and refuses one of the wrong size', async () => {
    const into = new Uint8Array(new SharedArrayBuffer(size));
    await readTensorBytes(file, tensor, { into });
    expect(Buffer.compare(into, content.subarray(prefix, prefix + size))).toBe(0);
    await expect(readTensorBytes(file, tensor, { into: new Uint8Array(size - 1) })).rejects.toThrow(
      `a buffer of ${size - 1} bytes cannot hold a tensor of ${size}`,
    );
  });

  it('passes on an error thrown while handling a block, with no read left running', async () => {
    let calls = 0;
    const failing = readTensorBytes(file, tensor, {
      onBlock: () => {
        calls++;
        throw new Error('hashing failed');
      },
    });
    await expect(failing).rejects.toThrow('hashing failed');
    expect(calls).toBe(1);
  });

  it('says the file is truncated when it ends inside the tensor', async () => {
    const beyond: TensorInfo = { ...tensor, end: content.length + 10 };
    await expect(readTensorBytes(file, beyond)).rejects.toThrow(
      `${file} ends inside its tensor data; the file is truncated`,
    );
  });
});
