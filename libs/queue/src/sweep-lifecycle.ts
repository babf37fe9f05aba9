import {
  ACTIVE_STATUSES,
  isEndedStatus,
  Manifest,
  NumberSet,
  openSweep,
  planSweep,
  StorageTarget,
  SweepPriority,
  SweepSpec,
  SweepStorage,
} from '@tokensweep/analysis';
import { Enqueued, LifecycleQueue, LifecycleStore } from './lifecycle-ports';
import { SweepConflictError, SweepNotFoundError } from './sweep-errors';
import {
  cancelRefusal,
  chunkSkipReason,
  completionVerdict,
  isCurrentRound,
  retryRefusal,
  TRANSITIONS,
} from './sweep-machine';
import { progressMoment, SweepProgress, sweepProgress } from './sweep-progress';
import { SweepResultsStore } from './sweep-results';
import { RATE_WINDOW_MS, SweepState } from './sweep-store';

/**
 * The life of a distributed sweep, shared by the API (submit, cancel, retry) and the workers (start,
 * finish or fail a chunk, complete): every change of status is a transition of sweep-machine.ts,
 * applied atomically in the store, and every end — completed, failed or cancelled — leaves a manifest
 * listing the parts actually stored. Steps that would end a sweep carry their round. Results are
 * reached only through the results port (a directory or an S3 prefix per sweep).
 */
export class SweepLifecycle {
  constructor(
    private readonly store: LifecycleStore,
    private readonly queue: LifecycleQueue,
    private readonly results: SweepResultsStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Where a sweep's results are, for messages and tests: its directory, or `s3://bucket/prefix/<id>`. */
  sweepDir(id: string): string {
    return this.results.location(id);
  }

  /** Where chunks write a sweep's parts, as data a chunk thread can open. */
  sweepTarget(id: string): StorageTarget {
    return this.results.target(id);
  }

  sweepStorage(id: string): SweepStorage {
    return this.results.storage(id);
  }

  async submit(spec: SweepSpec, numbers: NumberSet, priority: SweepPriority): Promise<Enqueued> {
    const { record, tasks } = openSweep(spec, numbers, new Date(this.now()));
    const { id, specHash } = record;
    await this.results.create(id, spec);
    const state: SweepState = { ...record, total: tasks.length, round: 0, roundStartedAt: null, priority };
    try {
      await this.store.create(state);
      await this.queue.enqueue({ sweepId: id, spec, specHash, tasks, round: 0, priority });
    } catch (error) {
      await Promise.allSettled([this.store.remove(id), this.results.remove(id)]);
      throw error;
    }
    return { id, status: 'queued', chunks: tasks.length };
  }

  async get(id: string): Promise<SweepState> {
    const state = await this.store.get(id);
    if (!state) throw new SweepNotFoundError(id);
    return state;
  }

  /** The sweep's progress in chunks, from what Redis recorded of them. */
  async progress(state: SweepState): Promise<SweepProgress> {
    const moment = progressMoment(state, this.now());
    return sweepProgress(state, await this.store.chunkCounts(state.id, moment - RATE_WINDOW_MS), moment);
  }

  /** Cancels a queued or running sweep: pending chunks are removed, running ones finish; `purge` also deletes its results. */
  async cancel(id: string, purge: boolean): Promise<SweepState> {
    const state = await this.get(id);
    // at once, not after the manifest as the other ends (see end): no chunk may start from here on
    const cancelled = await this.store.transition(id, TRANSITIONS.cancel.from, TRANSITIONS.cancel.to, {
      finishedAt: new Date(this.now()).toISOString(),
    });
    if (!cancelled && !purge)
      throw new SweepConflictError(cancelRefusal(state) ?? `sweep ${id} changed state meanwhile; look again`);
    const locked = await this.queue.removeChunks(id, await this.unfinished(state));
    if (purge) {
      if (locked.length > 0)
        throw new SweepConflictError(
          `sweep ${id} still has ${locked.length} chunk(s) running; purge again once they finish`,
        );
      await this.results.remove(id);
      await this.store.remove(id);
      return { ...state, status: cancelled ? 'cancelled' : state.status };
    }
    await this.writeManifest(id);
    return this.get(id);
  }

  /** Re-enqueues only the unfinished chunks of a failed or cancelled sweep, as a new round. */
  async retry(id: string): Promise<Enqueued> {
    const state = await this.get(id);
    const refusal = retryRefusal(state);
    if (refusal) throw new SweepConflictError(refusal);
    const unfinished = await this.unfinished(state);
    const locked = await this.queue.removeChunks(id, unfinished);
    if (locked.length > 0)
      throw new SweepConflictError(
        `sweep ${id} still has ${locked.length} chunk(s) running; retry once they finish`,
      );
    const round = state.round + 1;
    await this.store.clearRunning(id);
    const moved = await this.store.transition(
      id,
      TRANSITIONS.retry.from,
      TRANSITIONS.retry.to,
      { error: null, finishedAt: null, round, roundStartedAt: null },
      state.round,
    );
    if (!moved) throw new SweepConflictError(`sweep ${id} changed state meanwhile; look again`);
    // the earlier round's finalize job became ready when its chunks were removed; it would do nothing
    await this.queue.removeFinalize(id, state.round);
    const wanted = new Set(unfinished);
    const tasks = planSweep(state.spec, NumberSet.of(state.spec.numbers)).filter((task) =>
      wanted.has(task.index),
    );
    await this.queue.enqueue({
      sweepId: id,
      spec: state.spec,
      specHash: state.specHash,
      tasks,
      round,
      priority: state.priority,
    });
    return { id, status: 'queued', chunks: tasks.length };
  }

  /**
   * A worker is about to run chunk `index` of `round`: null and the chunk is recorded as running (the
   * sweep as running), or the reason it must be skipped — its sweep ended, or moved to another round.
   */
  async startChunk(id: string, round: number, index: number): Promise<string | null> {
    // the store claims the chunk only where chunkSkipReason finds none (test/sweep-lifecycle.test.ts holds them equal on Redis)
    const found = await this.store.claimChunk(
      id,
      index,
      round,
      new Date(this.now()).toISOString(),
      ACTIVE_STATUSES,
      TRANSITIONS.start,
    );
    return chunkSkipReason(found, round);
  }

  /** A chunk stopped without finishing (it failed an attempt, or was handed back at shutdown). */
  async chunkStopped(id: string, index: number): Promise<void> {
    await this.store.markChunkStopped(id, index);
  }

  /**
   * A chunk's parts are written: it counts as done whatever happened meanwhile (parts are
   * deterministic). If its sweep ended while it ran, the manifest is rewritten so that it lists them.
   * Returns how many chunks are done.
   */
  async chunkDone(id: string, index: number): Promise<number> {
    const { done, status } = await this.store.markChunkDone(id, index, this.now());
    if (status && isEndedStatus(status)) await this.writeManifest(id);
    return done;
  }

  /**
   * A step of `round` failed for good (a chunk's last attempt, a chunk refused, the finalize job):
   * the sweep fails with its message, pending chunks are dropped. Chunks that failed too keep their
   * records (a retry removes them), so that each one's reason stays. Nothing happens if the sweep
   * ended or moved on to a later round; `round` undefined means whatever round is current (job data
   * too malformed to tell).
   */
  async fail(id: string, message: string, round?: number): Promise<void> {
    const failed = await this.end(id, 'failed', message, round);
    if (failed) await this.queue.removeChunks(id, await this.unfinished(failed.state), { keepFailed: true });
  }

  /**
   * The finalize job of `round` runs: if that is the current round and every chunk is done, write the
   * manifest and summary (after `beforeManifest`, which draws figures), then mark the sweep completed.
   * A finalize job of an earlier round does nothing. One of the current round that finds chunks
   * missing (removed from the queue behind the sweep's back) fails the sweep rather than completing
   * it with parts missing or leaving it waiting forever. Null unless the sweep completed.
   */
  async complete(
    id: string,
    round: number,
    beforeManifest?: (storage: SweepStorage, state: SweepState) => Promise<void>,
  ): Promise<Manifest | null> {
    const before = await this.store.get(id);
    const verdict = completionVerdict(before, round, (await this.store.doneChunks(id)).size);
    if (verdict === 'stale' || !before) return null;
    if (verdict === 'incomplete') {
      const missing = (await this.unfinished(before)).length;
      await this.fail(
        id,
        `${missing} of ${before.total} chunk(s) left the queue without finishing; retry the sweep to run them`,
        round,
      );
      return null;
    }
    // figures take a while: drawn before taking the lock, so that a cancel meanwhile need not wait
    await beforeManifest?.(this.sweepStorage(id), before);
    return (await this.end(id, 'completed', null, round))?.manifest ?? null;
  }

  /**
   * Ends an active sweep of `round` as `status`, under its lock: the manifest first, then the status,
   * so that whoever sees the sweep ended finds its manifest. Null when it had ended already, moved
   * to another round, or is gone. Only a completed sweep's temporary files are strays: after a
   * failure, chunks that were running may still be writing theirs.
   */
  private end(
    id: string,
    status: 'completed' | 'failed',
    error: string | null,
    round: number | undefined,
  ): Promise<{ state: SweepState; manifest: Manifest | null } | null> {
    return this.store.withLock(id, async () => {
      const current = await this.store.get(id);
      if (!current || !isCurrentRound(current, round ?? current.round)) return null;
      if (status === 'completed' && (await this.store.doneChunks(id)).size < current.total) return null;
      const state: SweepState = { ...current, status, error, finishedAt: new Date(this.now()).toISOString() };
      let manifest: Manifest | null = null;
      try {
        manifest = await this.results.finish(id, state, { removeTempFiles: status === 'completed' });
      } catch (failure) {
        // A sweep completes only with its manifest. It fails even without: the process failing it
        // may be the one that cannot write (a worker with wrong credentials), and the sweep must
        // not wait for it; whoever reads the manifest next writes it (see manifestOfEnded).
        if (status === 'completed') throw failure;
      }
      const transition = status === 'completed' ? TRANSITIONS.complete : TRANSITIONS.fail;
      const moved = await this.store.transition(
        id,
        transition.from,
        transition.to,
        { error, finishedAt: state.finishedAt },
        current.round,
      );
      return moved ? { state, manifest } : null;
    });
  }

  /**
   * Rewrites the manifest of a sweep from its current state and the parts present. Chunks may still
   * be writing (a cancel or failure does not wait for running ones), so their temporary files stay.
   */
  async writeManifest(id: string): Promise<Manifest> {
    return this.store.withLock(id, async () => {
      const state = await this.get(id);
      return this.results.finish(id, state, { removeTempFiles: false });
    });
  }

  /**
   * The manifest of an ended sweep, written now if the process that ended it could not (a worker
   * whose store refused it); null while the sweep is active.
   */
  async manifestOfEnded(id: string): Promise<Manifest | null> {
    const state = await this.store.get(id);
    if (!state || !isEndedStatus(state.status)) return null;
    return this.writeManifest(id);
  }

  private async unfinished(state: SweepState): Promise<number[]> {
    const done = await this.store.doneChunks(state.id);
    const indices: number[] = [];
    for (let i = 0; i < state.total; i++) if (!done.has(i)) indices.push(i);
    return indices;
  }
}
