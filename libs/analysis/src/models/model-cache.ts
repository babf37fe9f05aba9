import { MatrixKind } from '../spec/vocabulary';
import { EmbeddingLoader, EmbeddingMatrix } from './embeddings';
import { ModelUnavailableError } from './model-errors';
import { ModelLocations } from './model-locations';
import { loadModelMatrix } from './model-matrix';
import { parseModelRef } from './model-ref';
import { ResolvedModel, resolveModel } from './model-resolver';
import { TensorDigests } from './tensor-digests';
import { NumberTokenizer, TokenizerChoice } from './tokenizer';

/** Where a result came from: enough to trace it to the exact model bytes. */
export interface ModelProvenance {
  id: string;
  slug: string;
  revision: string | null;
  tokenizerSha256: string;
  /** Which implementation tokenized the numbers, and why not the exact one (null: no part says). */
  tokenizer: TokenizerChoice | null;
  /** sha256 of the input embedding's stored bytes; null when it was not read. */
  embeddingSha256: string | null;
  /** The matrix the analyses read (`--matrix`): null when the sweep read none. */
  matrix: MatrixProvenance | null;
}

/** Which matrix a sweep read: the kind asked, the tensor actually read, its bytes' sha256, and whether the model ties input and output. */
export interface MatrixProvenance {
  kind: MatrixKind;
  tensor: string;
  sha256: string;
  tied: boolean;
}

/** A model ready to sweep: its tokenizer, and its embedding matrix when the sweep reads one. */
export interface LoadedModel {
  resolved: ResolvedModel;
  tokenizer: NumberTokenizer;
  embeddings: EmbeddingMatrix | null;
  provenance: ModelProvenance;
}

/** How a cache loads the parts of a model: the pool's threads plug in loaders that share one load among them. */
export interface ModelPartLoaders {
  embeddings: EmbeddingLoader;
  tokenizer: (dir: string) => Promise<NumberTokenizer>;
  /**
   * Ask for the matrix before the tokenizer. A pool's threads alternate the order, so that while one
   * thread loads a model's tokenizer the next loads its matrix, instead of waiting for both.
   */
  embeddingsFirst?: boolean;
}

/** Loads each part here, remembering matrices' digests under the locations' cache directory. */
export function loadersHere(locations: ModelLocations): ModelPartLoaders {
  const digests = TensorDigests.at(locations.cacheDir);
  return {
    embeddings: (dir, kind) => loadModelMatrix(dir, kind, { digests }),
    tokenizer: (dir) => NumberTokenizer.load(dir),
  };
}

/**
 * Loads each model once per process and keeps the most recently used few, so chunks of the same
 * sweep never pay for a load again while memory stays bounded when a process serves many models.
 */
export class ModelCache {
  private readonly entries = new Map<string, Promise<LoadedModel>>();

  constructor(
    private readonly locations: ModelLocations,
    private readonly capacity = 2,
    private readonly allowLocal = true,
    private readonly loaders: ModelPartLoaders = loadersHere(locations),
  ) {}

  /** The model named `name` (as a spec names it), with its matrix of `kind` when `needsEmbedding`. */
  async get(name: string, needsEmbedding: boolean, kind: MatrixKind = 'input'): Promise<LoadedModel> {
    // Keyed by whether embeddings were asked too, not upgraded in place: every chunk of one sweep must
    // see the same provenance, whichever process (with whatever in its cache) runs it.
    const key = `${name}\u0000${needsEmbedding}\u0000${needsEmbedding ? kind : ''}`;
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key); // re-insert: Map order is the recency order
    } else {
      entry = this.load(name, needsEmbedding, kind);
      entry.catch(() => this.entries.delete(key));
    }
    this.entries.set(key, entry);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return entry;
  }

  private async load(name: string, needsEmbedding: boolean, kind: MatrixKind): Promise<LoadedModel> {
    const resolved = await resolveModel(
      parseModelRef(name, this.allowLocal),
      this.locations,
      needsEmbedding,
      kind,
    );
    let tokenizer: NumberTokenizer;
    let embeddings: EmbeddingMatrix | null = null;
    try {
      if (needsEmbedding && this.loaders.embeddingsFirst)
        embeddings = await this.loaders.embeddings(resolved.dir, kind);
      tokenizer = await this.loaders.tokenizer(resolved.dir);
      if (needsEmbedding && !embeddings) embeddings = await this.loaders.embeddings(resolved.dir, kind);
    } catch (error) {
      throw new ModelUnavailableError(name, (error as Error).message);
    }
    const provenance: ModelProvenance = {
      id: resolved.name,
      slug: resolved.slug,
      revision: resolved.revision,
      tokenizerSha256: tokenizer.source.sha256,
      tokenizer: tokenizer.choice,
      embeddingSha256: embeddings && readsInput(embeddings) ? embeddings.sha256 : null,
      matrix: embeddings
        ? {
            kind: embeddings.kind ?? kind,
            tensor: embeddings.tensorName,
            sha256: embeddings.sha256,
            tied: embeddings.tied ?? true,
          }
        : null,
    };
    return { resolved, tokenizer, embeddings, provenance };
  }
}

/** Whether the matrix read is the input embedding: asked for, or standing in for a tied output. */
function readsInput(matrix: EmbeddingMatrix): boolean {
  return (matrix.kind ?? 'input') === 'input' || (matrix.tied ?? true);
}
