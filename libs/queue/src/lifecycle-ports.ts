import { SweepQueue } from './sweep-queue';
import { SweepStore } from './sweep-store';

/** What the lifecycle needs of the sweep store and the queue (so that unit tests can replace them). */
export type LifecycleStore = Pick<
  SweepStore,
  | 'create'
  | 'get'
  | 'status'
  | 'remove'
  | 'transition'
  | 'withLock'
  | 'doneChunks'
  | 'chunkCounts'
  | 'claimChunk'
  | 'markChunkStopped'
  | 'markChunkDone'
  | 'clearRunning'
>;
export type LifecycleQueue = Pick<SweepQueue, 'enqueue' | 'removeChunks' | 'removeFinalize'>;

export interface Enqueued {
  id: string;
  status: 'queued';
  chunks: number;
}
