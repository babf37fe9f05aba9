import { SweepPriority } from '@tokensweep/analysis';

/** BullMQ's highest job priority value (1 is served first; 0 would mean "not prioritized"). */
export const BULLMQ_PRIORITY_LIMIT = 2 ** 21 - 1;

/**
 * BullMQ's priority range cut into three bands, one per class, so that every `high` chunk ranks
 * before every `normal` one and every `normal` before every `low`.
 */
export const PRIORITY_BANDS: Record<SweepPriority, { first: number; last: number }> = {
  high: { first: 1, last: 699_999 },
  normal: { first: 700_000, last: 1_399_999 },
  low: { first: 1_400_000, last: BULLMQ_PRIORITY_LIMIT },
};

/**
 * The priority of a sweep's `ordinal`-th chunk of a round: `base + ordinal`, where `base` is the
 * priority of the next chunk waiting in the class (its first when none waits). Sweeps with work
 * thus take turns chunk by chunk, and a new sweep's first chunk ranks with the next one already
 * waiting. Priorities that would pass the end of the band stay at its last value (first in, first out
 * there), until the class drains and starts again at its first.
 */
export function chunkPriority(priority: SweepPriority, base: number | null, ordinal: number): number {
  const band = PRIORITY_BANDS[priority];
  const start = base === null ? band.first : Math.min(Math.max(base, band.first), band.last);
  return Math.min(start + ordinal, band.last);
}

/** BullMQ scores a prioritized job `priority × 2^32 + counter`: the priority part of a score. */
export function priorityOfScore(score: number): number {
  return Math.floor(score / 0x1_0000_0000);
}
