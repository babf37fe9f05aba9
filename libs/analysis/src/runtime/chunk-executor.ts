import { CosineKernel } from '../compute/cosine-kernel';
import { ModelCache, ModelPartLoaders } from '../models/model-cache';
import { ModelLocations } from '../models/model-locations';
import { ChunkContext, ChunkJob, PartFile, runChunk } from '../run-chunk';
import { NumberSet } from '../spec/number-set';
import { openSweepStorage } from '../storage/results-root';
import { StorageTarget } from '../storage/sweep-storage';
import { MatrixKind } from '../spec/vocabulary';

/** Runs chunk jobs somewhere: in this thread, or in a pool of worker threads. */
export interface ChunkExecutor {
  /** Runs a chunk, writing its parts to the sweep at `output` (a directory or a bucket prefix). */
  run(job: ChunkJob, output: StorageTarget): Promise<PartFile[]>;
  /**
   * Starts loading a model that the next chunks need, where that saves time (a pool loads it while
   * its threads start); chunks load it as before when this is not called, or fails. With `download`
   * false a model that is not on this machine yet is left alone (whoever downloads it, once). Resolves
   * when the load has ended, either way; never rejects.
   */
  preload?(model: string, needsEmbedding: boolean, matrix: MatrixKind, download?: boolean): Promise<void>;
  /** Stops running chunks where it can (they fail with ExecutorClosedError) and refuses new ones. */
  close(): Promise<void>;
}

/**
 * A chunk stopped, or refused, because its executor was closed: the process is shutting down, which
 * says nothing about the chunk (it is not a failed attempt of it).
 */
export class ExecutorClosedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecutorClosedError';
  }
}

/** What every executor (and every thread of a pool) needs to build its own model cache. */
export interface ExecutorOptions {
  locations: ModelLocations;
  allowLocalModels: boolean;
  modelCacheSize?: number;
  /** Threads of each cosine kernel: the cores shared out among the threads that run chunks at once. */
  kernelThreads?: number;
}

/**
 * Runs chunks on the calling thread, with one model cache and the number sets of recent sweeps
 * kept for reuse. Worker threads each hold one of these.
 */
export class InProcessExecutor implements ChunkExecutor {
  private readonly models: ModelCache;
  private readonly numberSets = new Map<string, NumberSet>();
  private readonly kernel: CosineKernel;

  /** `loaders`: how the model cache loads a model's parts (by default here; a pool's threads share them). */
  constructor(options: ExecutorOptions, loaders?: ModelPartLoaders) {
    this.models = new ModelCache(
      options.locations,
      options.modelCacheSize ?? 2,
      options.allowLocalModels,
      loaders,
    );
    this.kernel = new CosineKernel(options.kernelThreads);
  }

  /** Runs one chunk here, with the context's optional hooks (`steps`, `onEncoded`: see ChunkContext). */
  run(
    job: ChunkJob,
    output: StorageTarget,
    hooks: Pick<ChunkContext, 'steps' | 'onEncoded'> = {},
  ): Promise<PartFile[]> {
    return runChunk(job, {
      storage: openSweepStorage(output),
      models: this.models,
      numbers: this.numberSet(job),
      kernel: this.kernel,
      ...hooks,
    });
  }

  async close(): Promise<void> {}

  private numberSet({ spec, specHash }: ChunkJob): NumberSet {
    // an expression is its own key; a list is known by the hash of the spec holding it
    const key = typeof spec.numbers === 'string' ? `expression:${spec.numbers}` : `spec:${specHash}`;
    let set = this.numberSets.get(key);
    if (!set) {
      set = NumberSet.of(spec.numbers);
      if (this.numberSets.size >= 4) this.numberSets.delete(this.numberSets.keys().next().value!);
      this.numberSets.set(key, set);
    }
    return set;
  }
}
