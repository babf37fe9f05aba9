import { MessagePort } from 'node:worker_threads';
import { ModelPartLoaders } from '../models/model-cache';
import { loadModelMatrix } from '../models/model-matrix';
import { TensorDigests } from '../models/tensor-digests';
import { NumberTokenizer } from '../models/tokenizer';
import { SharedPart, sharedPartKey, SharedPartValue } from './shared-model-parts';
import { FromThread, PartAnswer, ToThread } from './thread-messages';

/** Gets a part of a model through the pool: loaded by another thread, or by `load` here and handed to the rest. */
export type SharedPartLoader = <P extends SharedPart>(
  part: P,
  load: () => Promise<SharedPartValue<P>>,
) => Promise<SharedPartValue<P>>;

/**
 * A chunk thread's side of the pool's registry of model parts: asks for a part, and when told to load
 * it, loads it and hands it over (or says it failed, so that the next thread waiting loads it).
 */
export function sharedPartLoader(port: MessagePort): SharedPartLoader {
  // the pool answers each request once, and the requests of one part in the order they were made
  const waiting = new Map<string, ((answer: PartAnswer) => void)[]>();
  port.on('message', (message: ToThread) => {
    if (message.type === 'run') return;
    const key = sharedPartKey(message.part);
    const resolvers = waiting.get(key) ?? [];
    resolvers.shift()?.(message);
    if (resolvers.length === 0) waiting.delete(key);
  });
  const send = (message: FromThread) => port.postMessage(message);
  return async <P extends SharedPart>(part: P, load: () => Promise<SharedPartValue<P>>) => {
    const key = sharedPartKey(part);
    const answer = await new Promise<PartAnswer>((resolve) => {
      waiting.set(key, [...(waiting.get(key) ?? []), resolve]);
      send({ type: 'part-request', part });
    });
    // the answer is to a request of this part, so its value is of the part's kind
    if (answer.type === 'part') return answer.value as SharedPartValue<P>;
    try {
      const value = await load();
      send({ type: 'part-loaded', part, value });
      return value;
    } catch (error) {
      send({ type: 'part-failed', part });
      throw error;
    }
  };
}

/**
 * Model part loaders that share each load with the pool's other threads: one copy of each matrix in
 * shared memory, and one read, hash and parse of each tokenizer.json, whose source the other threads
 * build their tokenizer from. On the full tokenizer's path only the decision and the hash are shared
 * (transformers.js's tokenizer cannot cross threads): each thread loads its own. `embeddingsFirst`:
 * this thread asks for a model's matrix before its tokenizer (see ModelPartLoaders); `digests`: where
 * the matrices' sha256 are remembered.
 */
export function sharedModelPartLoaders(
  shared: SharedPartLoader,
  embeddingsFirst = false,
  digests: TensorDigests | null = null,
): ModelPartLoaders {
  return {
    embeddingsFirst,
    embeddings: (dir, matrix) =>
      shared({ kind: 'embedding', dir, matrix }, () =>
        loadModelMatrix(dir, matrix, { shared: true, digests }),
      ),
    tokenizer: async (dir) => {
      let loadedHere: NumberTokenizer | undefined;
      const source = await shared({ kind: 'tokenizer', dir }, async () => {
        loadedHere = await NumberTokenizer.load(dir);
        return loadedHere.source;
      });
      return loadedHere ?? NumberTokenizer.fromSource(dir, source);
    },
  };
}
