import { EmbeddingMatrix } from '../models/embeddings';
import { TokenizerSource } from '../models/tokenizer';
import { MatrixKind } from '../spec/vocabulary';

/** A part of a model that the threads of a pool load once for all: a matrix of one kind, or the tokenizer. */
export type SharedPart =
  { kind: 'embedding'; dir: string; matrix: MatrixKind } | { kind: 'tokenizer'; dir: string };

/**
 * What each part is once loaded, as it crosses to a thread: a matrix in shared memory (not a copy),
 * a tokenizer as its source (a structured clone of a small plan).
 */
interface SharedPartValues {
  embedding: EmbeddingMatrix;
  tokenizer: TokenizerSource;
}
export type SharedPartValue<P extends SharedPart = SharedPart> = SharedPartValues[P['kind']];

/** One entry per part: the kind, its matrix kind where it has one, and the directory. */
export function sharedPartKey(part: SharedPart): string {
  return part.kind === 'embedding'
    ? `embedding\u0000${part.matrix}\u0000${part.dir}`
    : `tokenizer\u0000${part.dir}`;
}

type Entry = { kind: SharedPart['kind'] } & (
  | {
      state: 'loading';
      loader: unknown;
      waiting: { owner: unknown; resolve: (answer: SharedPartValue | null) => void }[];
    }
  | { state: 'ready'; value: SharedPartValue }
);

/**
 * The pool's registry of model parts loaded once for all its threads: the first thread that asks for
 * a part is told to load it (null), later ones wait for what it hands over. Keeps the few most
 * recently used of each kind, like the threads' model caches.
 */
export class SharedModelParts {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity = 2) {}

  /** The part once loaded, or null: the caller (`owner`) should load it and `offer` it. */
  request<P extends SharedPart>(part: P, owner: unknown): Promise<SharedPartValue<P> | null> {
    const key = sharedPartKey(part);
    const entry = this.entries.get(key);
    if (!entry) {
      this.entries.set(key, { kind: part.kind, state: 'loading', loader: owner, waiting: [] });
      return Promise.resolve(null);
    }
    if (entry.state === 'ready') {
      this.touch(key, entry);
      // the key names the part's kind, so its value is of that kind
      return Promise.resolve(entry.value as SharedPartValue<P>);
    }
    return new Promise((resolve) =>
      entry.waiting.push({ owner, resolve: resolve as (answer: SharedPartValue | null) => void }),
    );
  }

  offer<P extends SharedPart>(part: P, value: SharedPartValue<P>): void {
    const key = sharedPartKey(part);
    const entry = this.entries.get(key);
    this.touch(key, { kind: part.kind, state: 'ready', value });
    if (entry?.state === 'loading') for (const { resolve } of entry.waiting) resolve(value);
  }

  /** Loading failed: the next waiter loads in its turn (and gets the real error if it fails too). */
  failed(part: SharedPart): void {
    this.passOn(sharedPartKey(part));
  }

  /** An owner (a thread) is gone: what it was loading passes to the next waiter; its own waits are dropped. */
  forget(owner: unknown): void {
    for (const [key, entry] of [...this.entries]) {
      if (entry.state !== 'loading') continue;
      entry.waiting = entry.waiting.filter((w) => w.owner !== owner);
      if (entry.loader === owner) this.passOn(key);
    }
  }

  private passOn(key: string): void {
    const entry = this.entries.get(key);
    if (entry?.state !== 'loading') return;
    const [next, ...rest] = entry.waiting;
    if (!next) {
      this.entries.delete(key);
      return;
    }
    this.entries.set(key, { kind: entry.kind, state: 'loading', loader: next.owner, waiting: rest });
    next.resolve(null);
  }

  private touch(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    // Map order is the recency order: the oldest parts of this kind that are loaded go first
    let count = 0;
    for (const other of this.entries.values()) if (other.kind === entry.kind) count++;
    for (const [other, value] of this.entries) {
      if (count <= this.capacity) break;
      if (value.kind !== entry.kind || value.state !== 'ready') continue;
      this.entries.delete(other);
      count--;
    }
  }
}
