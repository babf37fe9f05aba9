import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  finishSweep,
  Manifest,
  newSweepId,
  NumberSet,
  planSweep,
  specHash,
  SweepSpec,
  writeFileAtomically,
} from '@tokensweep/analysis';
import { SweepConflictError, SweepNotFoundError } from './sweep-errors';
import { SweepQueue } from './sweep-queue';
import { SweepState, SweepStore } from './sweep-store';

/**
 * The life of a distributed sweep, shared by the API (submit, cancel, retry) and the workers (start,
 * fail, complete): every change of status goes through an atomic transition in the store, and every
 * end — completed, failed or cancelled — leaves a manifest listing the parts actually on disk.
 */
export class SweepLifecycle {
  constructor(
    private readonly store: SweepStore,
    private readonly queue: SweepQueue,
    private readonly resultsDir: string,
  ) {}

  sweepDir(id: string): string {
    return path.join(this.resultsDir, id);
  }

  async submit(
    spec: SweepSpec,
    numbers: NumberSet,
  ): Promise<{ id: string; status: 'queued'; chunks: number }> {
    const createdAt = new Date();
    const id = newSweepId(createdAt);
    const tasks = planSweep(spec, numbers);
    const hash = specHash(spec);
    const dir = this.sweepDir(id);
    await mkdir(dir, { recursive: true });
    await writeFileAtomically(dir, 'spec.json', JSON.stringify(spec, null, 2) + '\n');
    const state: SweepState = {
      id,
      status: 'queued',
      createdAt: createdAt.toISOString(),
      startedAt: null,
      finishedAt: null,
      error: null,
      spec,
      specHash: hash,
      total: tasks.length,
      round: 0,
    };
    try {
      await this.store.create(state);
      await this.queue.enqueue(id, spec, hash, tasks, 0);
    } catch (error) {
      await Promise.allSettled([this.store.remove(id), rm(dir, { recursive: true, force: true })]);
      throw error;
    }
    return { id, status: 'queued', chunks: tasks.length };
  }

  async get(id: string): Promise<SweepState> {
    const state = await this.store.get(id);
    if (!state) throw new SweepNotFoundError(id);
    return state;
  }

  /** Cancels a queued or running sweep: pending chunks are removed, running ones finish; `purge` also deletes its results. */
  async cancel(id: string, purge: boolean): Promise<SweepState> {
    const state = await this.get(id);
    // at once, not after the manifest as the other ends (see end): no chunk may start from here on
    const cancelled = await this.store.transition(id, ['queued', 'running'], 'cancelled', {
      finishedAt: new Date().toISOString(),
    });
    if (!cancelled && !purge)
      throw new SweepConflictError(
        `sweep ${id} is already ${state.status}; only queued or running sweeps can be cancelled`,
      );
    const locked = await this.queue.removeChunks(id, await this.unfinished(state));
    if (purge) {
      if (locked.length > 0)
        throw new SweepConflictError(
          `sweep ${id} still has ${locked.length} chunk(s) running; purge again once they finish`,
        );
      await rm(this.sweepDir(id), { recursive: true, force: true });
      await this.store.remove(id);
      return { ...state, status: cancelled ? 'cancelled' : state.status };
    }
    await this.writeManifest(id);
    return this.get(id);
  }

  /** Re-enqueues only the unfinished chunks of a failed or cancelled sweep, as a new round. */
  async retry(id: string): Promise<{ id: string; status: 'queued'; chunks: number }> {
    const state = await this.get(id);
    if (state.status !== 'failed' && state.status !== 'cancelled') {
      throw new SweepConflictError(
        `sweep ${id} is ${state.status}; only failed or cancelled sweeps can be retried`,
      );
    }
    const unfinished = await this.unfinished(state);
    const locked = await this.queue.removeChunks(id, unfinished);
    if (locked.length > 0)
      throw new SweepConflictError(
        `sweep ${id} still has ${locked.length} chunk(s) running; retry once they finish`,
      );
    const round = state.round + 1;
    const moved = await this.store.transition(id, ['failed', 'cancelled'], 'queued', {
      error: null,
      finishedAt: null,
      round,
    });
    if (!moved) throw new SweepConflictError(`sweep ${id} changed state meanwhile; look again`);
    const wanted = new Set(unfinished);
    const tasks = planSweep(state.spec, NumberSet.of(state.spec.numbers)).filter((task) =>
      wanted.has(task.index),
    );
    await this.queue.enqueue(id, state.spec, state.specHash, tasks, round);
    return { id, status: 'queued', chunks: tasks.length };
  }

  /**
   * A chunk failed for good: the sweep fails with its message, pending chunks are dropped. Chunks
   * that failed too keep their records (a retry removes them), so that each one's reason stays.
   */
  async fail(id: string, message: string): Promise<void> {
    const failed = await this.end(id, 'failed', message);
    if (failed) await this.queue.removeChunks(id, await this.unfinished(failed.state), { keepFailed: true });
  }

  /** Every chunk is done: write the manifest and summary, then mark the sweep completed. */
  async complete(
    id: string,
    beforeManifest?: (dir: string, state: SweepState) => Promise<void>,
  ): Promise<Manifest | null> {
    const before = await this.get(id);
    if (before.status !== 'running' && before.status !== 'queued') return null;
    // figures take a while: drawn before taking the lock, so that a cancel meanwhile need not wait
    await beforeManifest?.(this.sweepDir(id), before);
    return (await this.end(id, 'completed', null))?.manifest ?? null;
  }

  /**
   * Ends a queued or running sweep as `status`, under its lock: the manifest first, then the status,
   * so that whoever sees the sweep ended finds its manifest. Null when it had ended already (or is
   * gone). Only a completed sweep's temporary files are strays: after a failure, chunks that were
   * running may still be writing theirs.
   */
  private end(
    id: string,
    status: 'completed' | 'failed',
    error: string | null,
  ): Promise<{ state: SweepState; manifest: Manifest } | null> {
    return this.store.withLock(id, async () => {
      const current = await this.store.get(id);
      if (!current || (current.status !== 'queued' && current.status !== 'running')) return null;
      const state: SweepState = { ...current, status, error, finishedAt: new Date().toISOString() };
      const manifest = await finishSweep(this.sweepDir(id), state, {
        removeTempFiles: status === 'completed',
      });
      const moved = await this.store.transition(id, ['queued', 'running'], status, {
        error,
        finishedAt: state.finishedAt,
      });
      return moved ? { state, manifest } : null;
    });
  }

  /**
   * Rewrites the manifest of a sweep from its current state and the parts on disk. Chunks may still
   * be writing (a cancel or failure does not wait for running ones), so their temporary files stay.
   */
  async writeManifest(id: string): Promise<Manifest> {
    return this.store.withLock(id, async () => {
      const state = await this.get(id);
      return finishSweep(this.sweepDir(id), state, { removeTempFiles: false });
    });
  }

  private async unfinished(state: SweepState): Promise<number[]> {
    const done = await this.store.doneChunks(state.id);
    const indices: number[] = [];
    for (let i = 0; i < state.total; i++) if (!done.has(i)) indices.push(i);
    return indices;
  }
}
