import { MatrixKind } from '../spec/vocabulary';
import { ModelUnavailableError } from './model-errors';
import { ModelLocations } from './model-locations';
import { findMatrixTensor } from './model-matrix';
import { parseModelRef } from './model-ref';
import { ResolvedModel, resolveModel } from './model-resolver';

/**
 * Makes sure a model can serve a sweep before any work starts: finds (or downloads) its files and,
 * when the sweep reads embeddings, finds the matrix of `kind` in the safetensors headers.
 */
export async function checkModel(
  name: string,
  locations: ModelLocations,
  needsEmbedding: boolean,
  allowLocal: boolean,
  kind: MatrixKind = 'input',
): Promise<ResolvedModel> {
  const resolved = await resolveModel(parseModelRef(name, allowLocal), locations, needsEmbedding, kind);
  if (needsEmbedding) {
    try {
      await findMatrixTensor(resolved.dir, kind);
    } catch (error) {
      throw new ModelUnavailableError(name, (error as Error).message);
    }
  }
  return resolved;
}
