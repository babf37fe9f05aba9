import { ACTIVE_STATUSES, isActiveStatus, RETRYABLE_STATUSES, SweepStatus } from '@tokensweep/analysis';
import { SweepState, SweepStatusOnly } from './sweep-store';

/**
 * The sweep's state machine: every change of status, the statuses it starts from, and the guard it
 * must pass. The lifecycle applies them (atomically in the store); nothing else decides them.
 * The diagram is in docs/architecture.md.
 */
export const TRANSITIONS = {
  /** A chunk of the current round starts. */
  start: { from: ['queued'], to: 'running' },
  /** The finalize job of the current round runs and every chunk is done. */
  complete: { from: ACTIVE_STATUSES, to: 'completed' },
  /** A step of the current round fails for good. */
  fail: { from: ACTIVE_STATUSES, to: 'failed' },
  /** The API cancels: at once, whatever the round. */
  cancel: { from: ACTIVE_STATUSES, to: 'cancelled' },
  /** The API retries an ended sweep as a new round. */
  retry: { from: RETRYABLE_STATUSES, to: 'queued' },
} as const satisfies Record<string, { from: readonly SweepStatus[]; to: SweepStatus }>;

/** Why a chunk job of `round` must not run, or null when it may: its sweep is active and in that round. */
export function chunkSkipReason(state: SweepStatusOnly | null, round: number): string | null {
  if (!state) return 'sweep is gone';
  if (!isActiveStatus(state.status)) return `sweep is ${state.status}`;
  if (round !== state.round) return `chunk of round ${round}; the sweep is in round ${state.round}`;
  return null;
}

/** Whether a step of `round` may end the sweep (fail or complete it): it is active and in that round. */
export function isCurrentRound(state: SweepState | null, round: number): state is SweepState {
  return state !== null && isActiveStatus(state.status) && state.round === round;
}

/** What the finalize job of `round` may do, given how many chunks are done. */
export function completionVerdict(
  state: SweepState | null,
  round: number,
  done: number,
): 'complete' | 'stale' | 'incomplete' {
  if (!isCurrentRound(state, round)) return 'stale';
  return done >= state.total ? 'complete' : 'incomplete';
}

/** Why the sweep cannot be retried, or null when it can. */
export function retryRefusal(state: SweepState): string | null {
  if ((RETRYABLE_STATUSES as readonly SweepStatus[]).includes(state.status)) return null;
  return `sweep ${state.id} is ${state.status}; only failed or cancelled sweeps can be retried`;
}

/** Why the sweep cannot be cancelled, or null when it can. */
export function cancelRefusal(state: SweepState): string | null {
  if (isActiveStatus(state.status)) return null;
  return `sweep ${state.id} is already ${state.status}; only queued or running sweeps can be cancelled`;
}
