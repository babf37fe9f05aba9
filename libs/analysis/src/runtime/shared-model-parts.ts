import { EmbeddingMatrix } from '../models/embeddings';

type Entry =
  | {
      state: 'loading';
      loader: unknown;
      waiting: { owner: unknown; resolve: (answer: EmbeddingMatrix | null) => void }[];
    }
  | { state: 'ready'; matrix: EmbeddingMatrix };

/**
 * The pool's registry of embedding matrices in shared memory, one per model directory: the first
 * thread that asks is told to load (null), later ones wait for what it hands over. Keeps the few most
 * recently used, like the threads' model caches.
 */
export class SharedEmbeddings {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity = 2) {}

  /** The shared matrix of `dir`, or null: the caller (`owner`) should load it and `offer` it. */
  request(dir: string, owner: unknown): Promise<EmbeddingMatrix | null> {
    const entry = this.entries.get(dir);
    if (!entry) {
      this.entries.set(dir, { state: 'loading', loader: owner, waiting: [] });
      return Promise.resolve(null);
    }
    if (entry.state === 'ready') {
      this.touch(dir, entry);
      return Promise.resolve(entry.matrix);
    }
    return new Promise((resolve) => entry.waiting.push({ owner, resolve }));
  }

  offer(dir: string, matrix: EmbeddingMatrix): void {
    const entry = this.entries.get(dir);
    this.touch(dir, { state: 'ready', matrix });
    if (entry?.state === 'loading') for (const { resolve } of entry.waiting) resolve(matrix);
  }

  /** Loading failed: the next waiter loads in its turn (and gets the real error if it fails too). */
  failed(dir: string): void {
    const entry = this.entries.get(dir);
    if (entry?.state !== 'loading') return;
    const [next, ...rest] = entry.waiting;
    if (!next) {
      this.entries.delete(dir);
      return;
    }
    this.entries.set(dir, { state: 'loading', loader: next.owner, waiting: rest });
    next.resolve(null);
  }

  /** An owner (a thread) is gone: what it was loading passes to the next waiter; its own waits are dropped. */
  forget(owner: unknown): void {
    for (const [dir, entry] of [...this.entries]) {
      if (entry.state !== 'loading') continue;
      entry.waiting = entry.waiting.filter((w) => w.owner !== owner);
      if (entry.loader === owner) this.failed(dir);
    }
  }

  private touch(dir: string, entry: Entry): void {
    this.entries.delete(dir);
    this.entries.set(dir, entry);
    for (const [key, value] of this.entries) {
      if (this.entries.size <= this.capacity) break;
      if (value.state === 'ready') this.entries.delete(key);
    }
  }
}
