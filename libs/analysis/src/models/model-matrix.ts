import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MatrixKind } from '../spec/vocabulary';
import { EmbeddingMatrix, findEmbeddingTensor, MatrixReadOptions, readMatrixTensor } from './embeddings';
import { SAFETENSORS_INDEX, SAFETENSORS_SINGLE } from './model-locations';
import { shardOfTensor } from './model-files';
import { readSafetensorsHeader, TensorInfo } from './safetensors';

/** Names of the output matrix (the unembedding) across model families. */
export const OUTPUT_TENSOR_NAMES = [
  'lm_head.weight',
  'embed_out.weight',
  'output.weight',
  'model.lm_head.weight',
];

/**
 * Model types whose configuration unties the output matrix unless config.json says otherwise
 * (`tie_word_embeddings` defaults to false in their transformers configs); every other type ties
 * by default, as transformers' base configuration does.
 */
const UNTIED_BY_DEFAULT = new Set([
  'llama',
  'mistral',
  'mixtral',
  'qwen2',
  'qwen2_moe',
  'qwen3',
  'qwen3_moe',
  'gpt_neox',
  'gptj',
  'phi',
  'phi3',
  'olmo',
  'olmo2',
  'stablelm',
  'granite',
  'deepseek_v2',
  'deepseek_v3',
]);

/** The tensor a sweep reads for `matrix`, where it lives, and whether the model ties input and output. */
export interface MatrixTensor {
  kind: MatrixKind;
  file: string;
  tensorName: string;
  tensor: TensorInfo;
  tied: boolean;
}

/** Whether a model directory's config ties its output matrix to its input embedding, and why. */
export function tiedEmbeddings(dir: string): { tied: boolean; because: string } {
  const file = path.join(dir, 'config.json');
  if (!existsSync(file)) return { tied: true, because: 'without a config.json the two are tied' };
  let config: { tie_word_embeddings?: unknown; model_type?: unknown };
  try {
    config = JSON.parse(readFileSync(file, 'utf8')) ?? {};
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof config.tie_word_embeddings === 'boolean')
    return {
      tied: config.tie_word_embeddings,
      because: `config.json sets tie_word_embeddings ${config.tie_word_embeddings}`,
    };
  const type = typeof config.model_type === 'string' ? config.model_type : '';
  return UNTIED_BY_DEFAULT.has(type)
    ? { tied: false, because: `model_type ${type} unties them by default` }
    : { tied: true, because: `model_type ${type || '(none)'} ties them by default` };
}

/**
 * Finds the matrix a sweep reads (from safetensors headers alone): the input embedding for
 * `input`, and for `output` the unembedding — the input embedding where the model ties the two.
 * An untied model whose files hold no output matrix is an error naming the tensors looked for.
 */
export async function findMatrixTensor(dir: string, kind: MatrixKind): Promise<MatrixTensor> {
  if (kind === 'input') {
    // the tie is only reported here: a config.json that cannot be read must not stop an input sweep
    let tied: boolean;
    try {
      tied = tiedEmbeddings(dir).tied;
    } catch {
      tied = true; // what transformers assumes without a readable configuration
    }
    return { kind, tied, ...(await findEmbeddingTensor(dir)) };
  }
  const { tied, because } = tiedEmbeddings(dir);
  if (tied) return { kind, tied, ...(await findEmbeddingTensor(dir)) };
  const found = await findOutputTensor(dir);
  if (!found) {
    throw new Error(
      `the output matrix is not tied to the input embedding (${because}), but no tensor ` +
        `${OUTPUT_TENSOR_NAMES.join(', ')} is in its safetensors; sweep it with matrix input`,
    );
  }
  if (found.tensor.shape.length !== 2)
    throw new Error(
      `${found.tensorName} in ${found.file} has shape [${found.tensor.shape}]; an output matrix is 2-D`,
    );
  return { kind, tied, ...found };
}

/** Reads the matrix a sweep of `kind` reads (see `findMatrixTensor`), labelled with its kind and tie. */
export async function loadModelMatrix(
  dir: string,
  kind: MatrixKind,
  options: MatrixReadOptions = {},
): Promise<EmbeddingMatrix> {
  const found = await findMatrixTensor(dir, kind);
  return { ...(await readMatrixTensor(found, options)), kind, tied: found.tied };
}

/** The shard `model.safetensors.index.json` assigns an output matrix to, or null when it names none. */
export function outputShard(indexJson: string): { shard: string; tensorName: string } | null {
  return shardOfTensor(indexJson, (names) => OUTPUT_TENSOR_NAMES.find((n) => names.includes(n)));
}

async function findOutputTensor(
  dir: string,
): Promise<{ file: string; tensorName: string; tensor: TensorInfo } | null> {
  const indexPath = path.join(dir, SAFETENSORS_INDEX);
  let file = path.join(dir, SAFETENSORS_SINGLE);
  if (existsSync(indexPath)) {
    const found = outputShard(readFileSync(indexPath, 'utf8'));
    if (!found) return null;
    file = path.join(dir, found.shard);
    if (!existsSync(file))
      throw new Error(`${dir} lacks ${found.shard}, the shard that holds ${found.tensorName}`);
  } else if (!existsSync(file)) {
    throw new Error(
      `${dir} has no ${SAFETENSORS_SINGLE} nor ${SAFETENSORS_INDEX}; the output matrix is read from them`,
    );
  }
  const header = await readSafetensorsHeader(file);
  const tensorName = OUTPUT_TENSOR_NAMES.find((n) => header.has(n));
  return tensorName ? { file, tensorName, tensor: header.get(tensorName)! } : null;
}
