import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_BLOCK_BYTES, readTensorBytes, TensorInfo } from './safetensors';

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
    const bytes = await readTensorBytes(file, tensor, undefined, (block) => {
      blocks.push(Buffer.from(block));
      hash.update(block);
    });
    const want = content.subarray(prefix, prefix + size);
    expect(Buffer.compare(bytes, want)).toBe(0);
    expect(blocks.length).toBe(Math.ceil(size / READ_BLOCK_BYTES));
    expect(blocks.length).toBeGreaterThan(3);
    expect(Buffer.compare(Buffer.concat(blocks), want)).toBe(0);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(want).digest('hex'));
  });

  it('reads into a given buffer, and refuses one of the wrong size', async () => {
    const into = new Uint8Array(new SharedArrayBuffer(size));
    await readTensorBytes(file, tensor, into);
    expect(Buffer.compare(into, content.subarray(prefix, prefix + size))).toBe(0);
    await expect(readTensorBytes(file, tensor, new Uint8Array(size - 1))).rejects.toThrow(
      `a buffer of ${size - 1} bytes cannot hold a tensor of ${size}`,
    );
  });

  it('passes on an error thrown while handling a block, with no read left running', async () => {
    let calls = 0;
    const failing = readTensorBytes(file, tensor, undefined, () => {
      calls++;
      throw new Error('hashing failed');
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
