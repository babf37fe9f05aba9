import { ChunkJob, PartFile } from '../run-chunk';
import { StorageTarget } from '../storage/sweep-storage';
import { ExecutorOptions } from './chunk-executor';
import { SharedPart, SharedPartValue } from './shared-model-parts';
import { SerializedError } from './thread-errors';

/** Messages between the pool (main thread) and its worker threads. */

/** What a thread starts with (its workerData): the pool's options, and which part of a model it asks for first. */
export interface ThreadOptions extends ExecutorOptions {
  embeddingsFirst: boolean;
}

/** Main → thread: run a chunk. */
export interface RunRequest {
  type: 'run';
  id: number;
  job: ChunkJob;
  output: StorageTarget;
}

/** Thread → main: how a chunk ended. */
export type RunReply =
  { type: 'result'; id: number; files: PartFile[] } | { type: 'result'; id: number; error: SerializedError };

/**
 * Thread → main: every part of chunk `id` is handed to the disk; the thread can take another chunk
 * while those writes end (its result follows once they have).
 */
export interface Encoded {
  type: 'encoded';
  id: number;
}

/** Thread → main: "I need this part of a model" (its tokenizer, or its matrix of a kind). */
export interface PartRequest {
  type: 'part-request';
  part: SharedPart;
}

/** Main → thread: here it is, loaded by another thread, or load it yourself and hand it over. */
export type PartAnswer =
  { type: 'part'; part: SharedPart; value: SharedPartValue } | { type: 'part-load'; part: SharedPart };

/** Thread → main: the part it loaded for everyone, or that loading failed (the next waiter then loads it). */
export type PartLoaded =
  | { type: 'part-loaded'; part: SharedPart; value: SharedPartValue }
  | { type: 'part-failed'; part: SharedPart };

export type ToThread = RunRequest | PartAnswer;
export type FromThread = RunReply | Encoded | PartRequest | PartLoaded;
