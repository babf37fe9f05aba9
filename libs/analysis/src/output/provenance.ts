import { MatrixProvenance, ModelProvenance } from '../models/model-cache';
import { TokenizerChoice } from '../models/tokenizer';
import { Analysis, NumberFormat, Pooling } from '../spec/vocabulary';
import { TOOL_VERSION } from '../version';

/** Key-value metadata written into a part's Parquet footer, so every file traces to its exact inputs. */
export function partMetadata(
  model: ModelProvenance,
  part: { analysis: Analysis; format: NumberFormat; pooling: Pooling; specHash: string },
): Record<string, string> {
  return {
    'tokensweep.version': TOOL_VERSION,
    'tokensweep.analysis': part.analysis,
    'tokensweep.format': part.format,
    'tokensweep.pooling': part.pooling,
    'tokensweep.spec_sha256': part.specHash,
    'tokensweep.model': model.id,
    'tokensweep.model_slug': model.slug,
    'tokensweep.model_revision': model.revision ?? '',
    'tokensweep.tokenizer_sha256': model.tokenizerSha256,
    'tokensweep.tokenizer_path': model.tokenizer?.path ?? '',
    'tokensweep.tokenizer_fallback_reason': model.tokenizer?.reason ?? '',
    'tokensweep.embedding_sha256': model.embeddingSha256 ?? '',
    'tokensweep.matrix': model.matrix ? JSON.stringify(model.matrix) : '',
  };
}

/** The model provenance a part's footer records, read back. */
export function provenanceFromMetadata(metadata: Record<string, string>): ModelProvenance {
  return {
    id: metadata['tokensweep.model'],
    slug: metadata['tokensweep.model_slug'],
    revision: metadata['tokensweep.model_revision'] || null,
    tokenizerSha256: metadata['tokensweep.tokenizer_sha256'],
    tokenizer: tokenizerChoice(metadata),
    embeddingSha256: metadata['tokensweep.embedding_sha256'] || null,
    matrix: matrixFromMetadata(metadata['tokensweep.matrix']),
  };
}

function matrixFromMetadata(text: string | undefined): MatrixProvenance | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as MatrixProvenance;
    const valid =
      (value?.kind === 'input' || value?.kind === 'output') &&
      typeof value.tensor === 'string' &&
      typeof value.sha256 === 'string' &&
      typeof value.tied === 'boolean';
    return valid ? { kind: value.kind, tensor: value.tensor, sha256: value.sha256, tied: value.tied } : null;
  } catch {
    return null;
  }
}

function tokenizerChoice(metadata: Record<string, string>): TokenizerChoice | null {
  const path = metadata['tokensweep.tokenizer_path'];
  if (path !== 'exact-bpe' && path !== 'transformers') return null;
  return { path, reason: metadata['tokensweep.tokenizer_fallback_reason'] || null };
}
