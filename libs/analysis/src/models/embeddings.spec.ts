import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '../demo/demo-model';
import { findEmbeddingTensor, loadEmbeddingMatrix } from './embeddings';
import { encodeFloats, writeSafetensors, writeShardedSafetensors } from './safetensors-writer';

const GPT2_ROWS = 50257;
const DIM = 4;

/** Half the spacing of representable numbers around |v|: the most round-to-nearest may move v. */
const HALF_ULP = {
  F32: () => 0,
  F16: (v: number) => Math.max(Math.abs(v) * 2 ** -11, 2 ** -25), // 10 stored mantissa bits; subnormals step by 2^-24
  BF16: (v: number) => Math.abs(v) * 2 ** -8, // 7 stored mantissa bits, float32's exponent range
};

/** The bytes of one tensor, sliced by this test's own reading of the safetensors layout. */
function rawTensorBytes(file: string, name: string): Buffer {
  const bytes = readFileSync(file);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8'));
  const [from, to] = header[name].data_offsets as [number, number];
  return bytes.subarray(8 + length + from, 8 + length + to);
}

/** Values each dtype stores without rounding: zeros of both signs, subnormals, the largest finite values. */
const EXACT = {
  F32: [0, -0, 1, -1, 0.1, -1 / 3, 2 ** -149, 3.4028234663852886e38, -1e-40],
  F16: [
    0,
    -0,
    1,
    -1,
    0.5,
    -2.75,
    3.140625,
    65504,
    -65504,
    1023.5,
    2 ** -14,
    2 ** -24,
    -3 * 2 ** -24,
    1 / 1024,
  ],
  BF16: [0, -0, 1, -1, 0.5, -2.75, 3.140625, 65280, -(2 ** 100), 2 ** -126, 2 ** -133, -1.5, 1 / 1024],
};

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe(loadEmbeddingMatrix.name, () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'tokensweep-embeddings-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  let n = 0;
  const dir = () => path.join(scratch, `model-${n++}`);

  describe.each(['F32', 'F16', 'BF16'] as const)('%s', (dtype) => {
    it.each([1, 3])(
      'reads the embedding of %i shard(s) as the values written, within the rounding of the dtype',
      async (shards) => {
        const model = dir();
        const written = await writeDemoModel(model, { dtype, shards, dim: DIM, seed: 7 });
        const matrix = await loadEmbeddingMatrix(model);

        expect(matrix).toMatchObject({ tensorName: 'wte.weight', dtype, rows: GPT2_ROWS, dim: DIM });
        expect(matrix.data).toBeInstanceOf(Float32Array);
        expect(matrix.data.length).toBe(written.length);
        let worst = 0; // how far past half an ulp the furthest value is; exact for F32
        for (let i = 0; i < written.length; i++)
          worst = Math.max(worst, Math.abs(matrix.data[i] - written[i]) - HALF_ULP[dtype](written[i]));
        expect(worst).toBeLessThanOrEqual(0);
        // Rounding did happen for F16 and BF16, so this compares the dtype's values, not float32 copies.
        if (dtype !== 'F32') expect(matrix.data.some((v, i) => v !== written[i])).toBe(true);

        const file = path.join(
          model,
          shards === 1 ? 'model.safetensors' : 'model-00002-of-00003.safetensors',
        );
        const tensorBytes = rawTensorBytes(file, 'wte.weight');
        expect(tensorBytes.length).toBe(GPT2_ROWS * DIM * (dtype === 'F32' ? 4 : 2));
        expect(matrix.sha256).toBe(sha256(tensorBytes));
        expect(matrix.sha256).not.toBe(sha256(readFileSync(file)));
      },
    );

    it('reads values the dtype represents exactly, exactly (signs, zeros, subnormals, extremes)', async () => {
      const special = EXACT[dtype];
      const model = dir();
      const written = await writeDemoModel(model, {
        dtype,
        shards: 3,
        dim: DIM,
        values: (row, d) => special[(row * DIM + d) % special.length],
      });
      const matrix = await loadEmbeddingMatrix(model);
      const wrong = written.findIndex((v, i) => !Object.is(matrix.data[i], v));
      expect(wrong < 0 ? 'none' : `index ${wrong}: read ${matrix.data[wrong]}, wrote ${written[wrong]}`).toBe(
        'none',
      );
    });
  });

  it('finds the embedding tensor in a sharded model from the index alone', async () => {
    const model = dir();
    await writeDemoModel(model, { family: 'qwen3', dtype: 'BF16', shards: 3, dim: 2 });
    const found = await findEmbeddingTensor(model);
    expect(found.tensorName).toBe('model.embed_tokens.weight');
    expect(path.basename(found.file)).toBe('model-00002-of-00003.safetensors');
    expect(found.tensor).toMatchObject({ dtype: 'BF16', shape: [151669, 2] });
  });

  describe('refuses clearly', () => {
    const other = (name: string, shape = [8]) => ({
      name,
      dtype: 'F32' as const,
      shape,
      bytes: encodeFloats(new Float32Array(shape.reduce((a, b) => a * b)), 'F32'),
    });

    it('a model.safetensors without an embedding tensor, naming what it found', async () => {
      const model = dir();
      await writeSafetensors(path.join(model, 'model.safetensors'), [
        other('ln_f.weight'),
        other('wpe.weight', [4, 2]),
      ]);
      await expect(loadEmbeddingMatrix(model)).rejects.toThrow(
        /holds no token-embedding tensor \(found ln_f\.weight, wpe\.weight\); expected e\.g\. wte\.weight/,
      );
    });

    it('an index that names no embedding tensor', async () => {
      const model = dir();
      await writeShardedSafetensors(model, [[other('ln_f.weight')], [other('lm_head.weight', [4, 2])]]);
      await expect(loadEmbeddingMatrix(model)).rejects.toThrow(
        /model\.safetensors\.index\.json in .* names no token-embedding tensor/,
      );
    });

    it('an index whose embedding shard is missing, naming the shard', async () => {
      const model = dir();
      await writeShardedSafetensors(model, [
        [other('ln_f.weight')],
        [other('model.embed_tokens.weight', [4, 2])],
      ]);
      rmSync(path.join(model, 'model-00002-of-00002.safetensors'));
      await expect(loadEmbeddingMatrix(model)).rejects.toThrow(
        /lacks model-00002-of-00002\.safetensors, the shard that holds model\.embed_tokens\.weight/,
      );
    });

    it('a directory without weights', async () => {
      const model = dir();
      await writeDemoModel(model, { withoutWeights: true });
      await expect(loadEmbeddingMatrix(model)).rejects.toThrow(
        /has no model\.safetensors nor model\.safetensors\.index\.json/,
      );
    });

    it('an embedding tensor that is not a matrix', async () => {
      const model = dir();
      await writeSafetensors(path.join(model, 'model.safetensors'), [other('wte.weight', [16])]);
      await expect(loadEmbeddingMatrix(model)).rejects.toThrow(
        /wte\.weight .* has shape \[16\]; a token-embedding matrix is 2-D/,
      );
    });

    it('a dtype it cannot read', async () => {
      const model = dir();
      await writeSafetensors(path.join(model, 'model.safetensors'), [
        { ...other('wte.weight', [2, 2]), dtype: 'I8' as 'F32', bytes: new Uint8Array(4) },
      ]);
      await expect(loadEmbeddingMatrix(model)).rejects.toThrow(/dtype I8 are not supported/);
    });

    it('a truncated file', async () => {
      const model = dir();
      await writeDemoModel(model, { dim: DIM });
      const file = path.join(model, 'model.safetensors');
      truncateSync(file, readFileSync(file).length - 100);
      await expect(loadEmbeddingMatrix(model)).rejects.toThrow(/truncated/);
    });

    it('a file that is not safetensors', async () => {
      const model = dir();
      await writeDemoModel(model, { withoutWeights: true });
      writeFileSync(
        path.join(model, 'model.safetensors'),
        'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n',
      );
      await expect(loadEmbeddingMatrix(model)).rejects.toThrow(/is not a safetensors file/);
    });
  });
});
