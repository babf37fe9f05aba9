import type { Job } from 'bullmq';
import { ChunkTask, SpecByReference } from '@tokensweep/analysis';

/** The queues of tokensweep: chunk jobs, and the finalize job that is the parent of a sweep's chunks. */
export enum QueueName {
  Chunks = 'chunks',
  Finalize = 'finalize',
}

export enum JobName {
  RunChunk = 'run-chunk',
  FinalizeSweep = 'finalize-sweep',
}

export interface ChunkJobData {
  sweepId: string;
  /** The spec, a list of numbers by reference (the list is kept once with the sweep; jobs stay about 1 KB). */
  spec: SpecByReference;
  specHash: string;
  task: ChunkTask;
  /** The round that enqueued this chunk (0 at submission, one more per retry). */
  round: number;
}

export interface FinalizeJobData {
  sweepId: string;
  /** The round whose chunks are this job's children: only the sweep's current round may complete it. */
  round: number;
}

/** What a chunk job returns: counters only, never rows (results live in the sweep directory). */
export interface ChunkResult {
  /** Why the chunk did not run (its sweep ended, or it belongs to an earlier round). */
  skipped?: string;
  files: number;
  rows: number;
  durationMs: number;
}

export interface FinalizeResult {
  completed: boolean;
}

/** Every job: its queue, its data and its result, so that a handler's types follow from the job's name. */
export interface JobRegistry {
  [JobName.RunChunk]: { queue: QueueName.Chunks; data: ChunkJobData; result: ChunkResult };
  [JobName.FinalizeSweep]: { queue: QueueName.Finalize; data: FinalizeJobData; result: FinalizeResult };
}

export type JobData<N extends JobName> = JobRegistry[N]['data'];
export type JobResult<N extends JobName> = JobRegistry[N]['result'];
/** A BullMQ job of one name, as its handler receives it. */
export type JobOf<N extends JobName> = Job<JobData<N>, JobResult<N>, N>;
/** One handler per job name, each typed by that name. */
export type JobHandlers = { [N in JobName]: (job: JobOf<N>) => Promise<JobResult<N>> };

export const QUEUE_OF: { [N in JobName]: JobRegistry[N]['queue'] } = {
  [JobName.RunChunk]: QueueName.Chunks,
  [JobName.FinalizeSweep]: QueueName.Finalize,
};

/** Whether `job` carries the name `name` (the data of a job is only as typed as its name). */
export function isJobNamed<N extends JobName>(job: Job, name: N): job is JobOf<N> {
  return job.name === name;
}

/**
 * A chunk's result as the queue's events deliver it (a JSON string, or the object itself); null
 * when it is not one, so that a reader never guesses at its shape.
 */
export function readChunkResult(value: unknown): ChunkResult | null {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { skipped, files, rows, durationMs } = parsed as Record<string, unknown>;
  if (typeof files !== 'number' || typeof rows !== 'number' || typeof durationMs !== 'number') return null;
  return { ...(typeof skipped === 'string' ? { skipped } : {}), files, rows, durationMs };
}

/** `<sweep>-<chunk>`: deterministic, so a re-submitted chunk is the same job (BullMQ refuses `:` in ids). */
export function chunkJobId(sweepId: string, index: number): string {
  return `${sweepId}-${index}`;
}

/** The parent job of one enqueueing round of a sweep (round 0 at submission, one more per retry). */
export function finalizeJobId(sweepId: string, round: number): string {
  return `${sweepId}-finalize-${round}`;
}
