import { UnrecoverableError } from 'bullmq';
import {
  ChunkJob,
  isSweepId,
  NumberSet,
  parseChunkTask,
  parseSweepSpec,
  SpecError,
  specHash,
  SweepLimits,
} from '@tokensweep/analysis';
import { ChunkJobData } from '@tokensweep/queue';

/**
 * Re-validates a chunk job's data: Redis enforces nothing, so a malformed or tampered job is refused
 * without retries instead of computing something wrong.
 */
export function parseChunkJobData(
  data: unknown,
  limits: SweepLimits,
): { sweepId: string; round: number; job: ChunkJob; numbers: NumberSet } {
  const raw = (typeof data === 'object' && data !== null ? data : {}) as Partial<ChunkJobData>;
  if (typeof raw.sweepId !== 'string' || !isSweepId(raw.sweepId))
    throw new UnrecoverableError('job data: sweepId is missing or malformed');
  if (typeof raw.round !== 'number' || !Number.isSafeInteger(raw.round) || raw.round < 0)
    throw new UnrecoverableError(`job data of sweep ${raw.sweepId}: round must be a non-negative integer`);
  try {
    const { spec, numbers } = parseSweepSpec(raw.spec, { limits, allowLocalModels: false });
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
