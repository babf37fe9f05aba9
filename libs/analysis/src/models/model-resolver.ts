import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { HfCacheRepo } from './hf-cache';
import { HubClient } from './hub-client';
import { ModelUnavailableError } from './model-errors';
import { shardFromIndex, missingFiles } from './model-files';
import { ModelLocations, SAFETENSORS_INDEX, SAFETENSORS_SINGLE, TOKENIZER_FILES } from './model-locations';
import { outputShard } from './model-matrix';
import { formatModelRef, ModelRef, modelSlug } from './model-ref';
import type { MatrixKind } from '../spec/vocabulary';

/** A model found on disk: the directory to load from and the revision it is, where known. */
export interface ResolvedModel {
  /** The model as the spec names it (`org/name@rev`, or an absolute local path). */
  name: string;
  slug: string;
  dir: string;
  revision: string | null;
}

/**
 * Finds a model's files: a local directory as is; a Hub id under MODELS_DIR, then in the Hugging Face
 * cache, then downloaded from the Hub into that cache (unless offline). Only the files the sweep
 * needs are fetched: the tokenizer's, and the embedding tensor's file when `needsEmbedding`.
 */
export async function resolveModel(
  ref: ModelRef,
  locations: ModelLocations,
  needsEmbedding: boolean,
  matrix: MatrixKind = 'input',
): Promise<ResolvedModel> {
  const name = formatModelRef(ref);
  const slug = modelSlug(ref);
  if (ref.kind === 'local') {
    if (!existsSync(ref.path) || !statSync(ref.path).isDirectory()) {
      throw new ModelUnavailableError(
        name,
        `no such directory; give a model directory with tokenizer.json (and model.safetensors for cosines)`,
      );
    }
    requireComplete(name, ref.path, needsEmbedding, 'the directory');
    return { name, slug, dir: ref.path, revision: null };
  }
  if (locations.modelsDir) {
    const dir = path.join(locations.modelsDir, ref.id);
    if (existsSync(path.join(dir, 'tokenizer.json'))) {
      requireComplete(name, dir, needsEmbedding, `MODELS_DIR (${dir})`);
      return { name, slug, dir, revision: ref.revision ?? null };
    }
  }
  const revision = ref.revision ?? 'main';
  const repo = new HfCacheRepo(locations.hfHome, ref.id);
  const cached = repo.commitFor(revision);
  const wantsOutput = needsEmbedding && matrix === 'output';
  if (
    cached &&
    missingFiles(repo.snapshotDir(cached), needsEmbedding).length === 0 &&
    !(wantsOutput && lacksOutputShard(repo.snapshotDir(cached)))
  ) {
    return { name, slug, dir: repo.snapshotDir(cached), revision: cached };
  }
  if (locations.offline) {
    const where = cached ? repo.snapshotDir(cached) : repo.root;
    const missing = `${missingFiles(cached ? where : repo.snapshotDir(revision), needsEmbedding).join(', ')} of revision ${revision}`;
    throw new ModelUnavailableError(
      name,
      `HF_HUB_OFFLINE=1 and the Hugging Face cache lacks ${missing} (looked in ${where}); download it once online, or unset HF_HUB_OFFLINE`,
    );
  }
  const commit = await download(ref.id, revision, repo, locations, needsEmbedding, wantsOutput);
  return { name, slug, dir: repo.snapshotDir(commit), revision: commit };
}

function requireComplete(name: string, dir: string, needsEmbedding: boolean, where: string): void {
  const missing = missingFiles(dir, needsEmbedding);
  if (missing.length > 0) {
    const why = needsEmbedding
      ? ' (successive-cosine, cosine-matrix, fourier, pca and neighbors need the embedding matrix)'
      : '';
    throw new ModelUnavailableError(name, `${where} lacks ${missing.join(', ')}${why}`);
  }
}

async function download(
  id: string,
  revision: string,
  repo: HfCacheRepo,
  locations: ModelLocations,
  needsEmbedding: boolean,
  wantsOutput: boolean,
): Promise<string> {
  const hub = new HubClient(locations.hfEndpoint, locations.hfToken);
  const { commit, files } = await hub.revision(id, revision);
  const listed = new Set(files);
  if (!listed.has('tokenizer.json')) {
    throw new ModelUnavailableError(
      id,
      `the Hub repository has no tokenizer.json at ${revision}; tokensweep needs a fast tokenizer file`,
    );
  }
  const snapshot = repo.snapshotDir(commit);
  const fetchFile = async (file: string): Promise<string> => {
    const target = path.join(snapshot, file);
    if (existsSync(target)) return target;
    const scratch = repo.incompletePath(`${commit}-${file.replace(/\//g, '_')}`);
    const etag = await hub.download(id, commit, file, scratch);
    return repo.storeBlob(commit, file, scratch, etag);
  };
  for (const file of TOKENIZER_FILES) if (listed.has(file)) await fetchFile(file);
  if (needsEmbedding) {
    if (listed.has(SAFETENSORS_INDEX)) {
      const index = await fetchFile(SAFETENSORS_INDEX);
      let found;
      try {
        found = shardFromIndex(readFileSync(index, 'utf8'));
      } catch (error) {
        throw new ModelUnavailableError(id, (error as Error).message);
      }
      if (!found) throw new ModelUnavailableError(id, `${SAFETENSORS_INDEX} names no token-embedding tensor`);
      await fetchFile(found.shard);
      // an untied output matrix often sits in another shard (Llama's lm_head in the last one)
      const output = wantsOutput ? outputShardOf(id, index) : null;
      if (output && output.shard !== found.shard) await fetchFile(output.shard);
    } else if (listed.has(SAFETENSORS_SINGLE)) {
      await fetchFile(SAFETENSORS_SINGLE);
    } else {
      throw new ModelUnavailableError(
        id,
        `the Hub repository has no safetensors weights at ${revision}; cosine analyses need them`,
      );
    }
  }
  await repo.writeRef(revision, commit);
  return commit;
}

/** Whether a cached snapshot's index names an output matrix whose shard is not there yet. */
function lacksOutputShard(dir: string): boolean {
  const index = path.join(dir, SAFETENSORS_INDEX);
  if (!existsSync(index)) return false;
  try {
    const found = outputShard(readFileSync(index, 'utf8'));
    return found !== null && !existsSync(path.join(dir, found.shard));
  } catch {
    return false; // a malformed index is reported when the matrix is read
  }
}

function outputShardOf(id: string, indexFile: string): { shard: string } | null {
  try {
    return outputShard(readFileSync(indexFile, 'utf8'));
  } catch (error) {
    throw new ModelUnavailableError(id, (error as Error).message);
  }
}
