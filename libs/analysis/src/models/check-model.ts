import { findEmbeddingTensor } from './embeddings';
import { ModelUnavailableError } from './model-errors';
import { ModelLocations } from './model-locations';
import { parseModelRef } from './model-ref';
import { ResolvedModel, resolveModel } from './model-resolver';

/**
 * Makes sure a model can serve a sweep before any work starts: finds (or downloads) its files and,
 * when the sweep reads embeddings, finds the embedding tensor in the safetensors headers.
 */
export async function checkModel(
  name: string,
  locations: ModelLocations,
  needsEmbedding: boolean,
  allowLocal: boolean,
): Promise<ResolvedModel> {
  const resolved = await resolveModel(parseModelRef(name, allowLocal), locations, needsEmbedding);
  if (needsEmbedding) {
    try {
      await findEmbeddingTensor(resolved.dir);
    } catch (error) {
      throw new ModelUnavailableError(name, (error as Error).message);
    }
  }
  return resolved;
}
