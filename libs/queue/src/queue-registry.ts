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
}

export interface FinalizeJobData {
  sweepId: string;
}

/** Every job as a typed pair, so a handler's payload follows from its name. */
export type JobItem =
  { name: JobName.RunChunk; data: ChunkJobData } | { name: JobName.FinalizeSweep; data: FinalizeJobData };

export const QUEUE_OF: Record<JobName, QueueName> = {
  [JobName.RunChunk]: QueueName.Chunks,
  [JobName.FinalizeSweep]: QueueName.Finalize,
};

/** `<sweep>-<chunk>`: deterministic, so a re-submitted chunk is the same job (BullMQ refuses `:` in ids). */
export function chunkJobId(sweepId: string, index: number): string {
  return `${sweepId}-${index}`;
}

/** The parent job of one enqueueing round of a sweep (round 0 at submission, one more per retry). */
export function finalizeJobId(sweepId: string, round: number): string {
  return `${sweepId}-finalize-${round}`;
}
