import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { findEmbeddingTensorName } from './embedding-tensor';
import { SAFETENSORS_INDEX, SAFETENSORS_SINGLE } from './model-locations';

/** Where a model directory keeps its embedding tensor: the file, and the tensor's name if an index told it. */
export interface EmbeddingFile {
  file: string;
  tensorName?: string;
}

/** Reads `model.safetensors.index.json` and returns the shard holding the embedding tensor, or null. */
export function shardFromIndex(indexJson: string): { shard: string; tensorName: string } | null {
  return shardOfTensor(indexJson, findEmbeddingTensorName);
}

/**
 * The shard `model.safetensors.index.json` assigns to the tensor `pick` chooses among its names, or
 * null when it picks none. The index comes from the repository: a shard name must not lead out of
 * the model's directory.
 */
export function shardOfTensor(
  indexJson: string,
  pick: (names: string[]) => string | undefined | null,
): { shard: string; tensorName: string } | null {
  const index = JSON.parse(indexJson) as { weight_map?: Record<string, unknown> };
  const weightMap = index.weight_map ?? {};
  const tensorName = pick(Object.keys(weightMap));
  if (!tensorName) return null;
  const shard = weightMap[tensorName];
  if (
    typeof shard !== 'string' ||
    shard.includes('\\') ||
    shard.split('/').some((part) => ['', '.', '..'].includes(part))
  ) {
    throw new Error(
      `${SAFETENSORS_INDEX} names the shard ${JSON.stringify(shard)} for ${tensorName}, outside the model directory`,
    );
  }
  return { shard, tensorName };
}

/**
 * Finds the file that holds a directory's token-embedding tensor: the shard named by
 * `model.safetensors.index.json`, or `model.safetensors`. Throws saying what is missing.
 */
export function locateEmbeddingFile(dir: string): EmbeddingFile {
  const indexPath = path.join(dir, SAFETENSORS_INDEX);
  if (existsSync(indexPath)) {
    const found = shardFromIndex(readFileSync(indexPath, 'utf8'));
    if (!found) throw new Error(`${SAFETENSORS_INDEX} in ${dir} names no token-embedding tensor`);
    const file = path.join(dir, found.shard);
    if (!existsSync(file))
      throw new Error(`${dir} lacks ${found.shard}, the shard that holds ${found.tensorName}`);
    return { file, tensorName: found.tensorName };
  }
  const single = path.join(dir, SAFETENSORS_SINGLE);
  if (existsSync(single)) return { file: single };
  throw new Error(
    `${dir} has no ${SAFETENSORS_SINGLE} nor ${SAFETENSORS_INDEX}; successive-cosine, cosine-matrix, fourier, pca and neighbors need the embedding matrix`,
  );
}

/** Whether a directory holds what a sweep needs: a tokenizer, and the embedding tensor's file when asked. */
export function missingFiles(dir: string, needsEmbedding: boolean): string[] {
  const missing = existsSync(path.join(dir, 'tokenizer.json')) ? [] : ['tokenizer.json'];
  if (needsEmbedding) {
    try {
      locateEmbeddingFile(dir);
    } catch {
      missing.push(existsSync(path.join(dir, SAFETENSORS_INDEX)) ? embeddingShard(dir) : SAFETENSORS_SINGLE);
    }
  }
  return missing;
}

/** The name of the shard a directory's index assigns the embedding tensor to, for messages. */
function embeddingShard(dir: string): string {
  try {
    return (
      shardFromIndex(readFileSync(path.join(dir, SAFETENSORS_INDEX), 'utf8'))?.shard ?? 'the embedding shard'
    );
  } catch {
    return 'the embedding shard';
  }
}
