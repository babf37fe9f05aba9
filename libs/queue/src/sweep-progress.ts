import { isEndedStatus } from '@tokensweep/analysis';
import { ChunkCounts, RATE_WINDOW_MS, SweepState } from './sweep-store';

/** A sweep's progress in chunks, as GET /sweeps/:id shows it. */
export interface SweepProgress {
  done: number;
  total: number;
  running: number;
  queued: number;
  /** Chunks finished per second over the last minute of this round; null until one has finished. */
  chunksPerSecond: number | null;
  /** Seconds left at that rate; null until the rate is known, 0 once every chunk is done. */
  etaSeconds: number | null;
}

/** The window the rate is measured over: the last minute, or less when the round is younger (1 s at least). */
function rateWindowMs(state: SweepState, nowMs: number): number | null {
  if (!state.roundStartedAt) return null;
  const age = nowMs - Date.parse(state.roundStartedAt);
  return Math.max(1_000, Math.min(RATE_WINDOW_MS, age));
}

/**
 * The moment progress is measured at: now while the sweep may run, its end once it has ended (the
 * rate of an ended sweep is the rate of its last minute).
 */
export function progressMoment(state: SweepState, nowMs: number): number {
  return isEndedStatus(state.status) && state.finishedAt ? Date.parse(state.finishedAt) : nowMs;
}

/**
 * Progress from the counts Redis keeps; `counts.doneSince` must count the chunks finished in the
 * minute before `progressMoment`. Nothing is invented: with no record of a chunk finishing, the rate
 * and the ETA are null.
 */
export function sweepProgress(state: SweepState, counts: ChunkCounts, momentMs: number): SweepProgress {
  const done = Math.min(counts.done, state.total);
  const ended = isEndedStatus(state.status);
  const running = Math.min(counts.running, state.total - done);
  const queued = ended ? 0 : state.total - done - running;
  const window = rateWindowMs(state, momentMs);
  const chunksPerSecond =
    window === null || counts.doneSince === 0 ? null : round3((counts.doneSince * 1_000) / window);
  let etaSeconds: number | null = null;
  if (done === state.total) etaSeconds = 0;
  else if (chunksPerSecond !== null && !ended) etaSeconds = Math.ceil((state.total - done) / chunksPerSecond);
  return { done, total: state.total, running, queued, chunksPerSecond, etaSeconds };
}

function round3(value: number): number {
  return Math.round(value * 1_000) / 1_000;
}
