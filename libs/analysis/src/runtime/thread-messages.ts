import { EmbeddingMatrix } from '../models/embeddings';
import { ChunkJob, PartFile } from '../run-chunk';
import { MatrixKind } from '../spec/vocabulary';
import { SerializedError } from './thread-errors';

/** Messages between the pool (main thread) and its worker threads. */

/** Main → thread: run a chunk. */
export interface RunRequest {
  type: 'run';
  id: number;
  job: ChunkJob;
  sweepDir: string;
}

/** Thread → main: how a chunk ended. */
export type RunReply =
  { type: 'result'; id: number; files: PartFile[] } | { type: 'result'; id: number; error: SerializedError };

/** Thread → main: "I need the matrix of `kind` of `dir`". */
export interface EmbeddingRequest {
  type: 'embedding-request';
  dir: string;
  kind: MatrixKind;
}

/** Main → thread: here it is (shared memory, not a copy), or load it yourself and hand it over. */
export type EmbeddingAnswer =
  | { type: 'embedding'; dir: string; kind: MatrixKind; matrix: EmbeddingMatrix }
  | { type: 'embedding-load'; dir: string; kind: MatrixKind };

/** Thread → main: the matrix it loaded for everyone, or that loading failed (the waiters then try themselves). */
export type EmbeddingLoaded =
  | { type: 'embedding-loaded'; dir: string; kind: MatrixKind; matrix: EmbeddingMatrix }
  | { type: 'embedding-failed'; dir: string; kind: MatrixKind };

export type ToThread = RunRequest | EmbeddingAnswer;
export type FromThread = RunReply | EmbeddingRequest | EmbeddingLoaded;
