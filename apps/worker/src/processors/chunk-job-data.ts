import { UnrecoverableError } from 'bullmq';
import {
  ChunkJob,
  isNumberListRef,
  isSweepId,
  NumberSet,
  parseChunkTask,
  parseSweepSpec,
  SpecError,
  specHash,
  SpecByReference,
  SweepLimits,
  withNumberList,
} from '@tokensweep/analysis';
import { ChunkJobData } from '@tokensweep/queue';

/** Whether the job's spec holds its numbers by reference: the worker then reads the sweep's list first. */
export function needsNumberList(data: unknown): boolean {
  const spec = (data as { spec?: { numbers?: unknown } } | null)?.spec;
  return isNumberListRef(spec?.numbers);
}

/**
 * Re-validates a chunk job's data: Redis enforces nothing, so a malformed or tampered job is refused
 * without retries instead of computing something wrong. `list` is the sweep's stored list of
 * numbers when the spec refers to one; it must be the very list the reference names.
 */
export function parseChunkJobData(
  data: unknown,
  limits: SweepLimits,
  list: readonly number[] | null = null,
): { sweepId: string; round: number; job: ChunkJob; numbers: NumberSet } {
  const raw = (typeof data === 'object' && data !== null ? data : {}) as Partial<ChunkJobData>;
  if (typeof raw.sweepId !== 'string' || !isSweepId(raw.sweepId))
    throw new UnrecoverableError('job data: sweepId is missing or malformed');
  if (typeof raw.round !== 'number' || !Number.isSafeInteger(raw.round) || raw.round < 0)
    throw new UnrecoverableError(`job data of sweep ${raw.sweepId}: round must be a non-negative integer`);
  try {
    const whole = isNumberListRef(raw.spec?.numbers)
      ? withListOrRefuse(raw.spec as SpecByReference, list)
      : raw.spec;
    const { spec, numbers } = parseSweepSpec(whole, { limits, allowLocalModels: false });
    if (raw.specHash !== specHash(spec)) throw new SpecError(['specHash: does not match the spec']);
    const task = parseChunkTask(raw.task, spec, numbers);
    return {
      sweepId: raw.sweepId,
      round: raw.round,
      job: { spec, specHash: raw.specHash, task },
      numbers,
    };
  } catch (error) {
    if (error instanceof SpecError)
      throw new UnrecoverableError(`job data of sweep ${raw.sweepId}: ${error.message}`);
    throw error;
  }
}

function withListOrRefuse(spec: SpecByReference, list: readonly number[] | null) {
  try {
    return withNumberList(spec, list);
  } catch (error) {
    throw new SpecError([(error as Error).message]);
  }
}
