import {
  Manifest,
  openSweepStorage,
  StorageTarget,
  SweepRecord,
  SweepSpec,
  SweepStatus,
  SweepStorage,
} from '@tokensweep/analysis';
import { SweepResultsStore } from '../sweep-results';
import { LifecycleQueue, LifecycleStore } from '../lifecycle-ports';
import { RoundToEnqueue } from '../sweep-queue';
import { ChunkCounts, RATE_WINDOW_MS, SweepState, SweepStatusOnly } from '../sweep-store';

/**
 * In-memory stand-ins for the lifecycle's adapters, for unit tests of its transitions: they keep the
 * same rules as the Redis ones (atomic transitions guarded by status and round, a set of finished
 * chunks) without Redis. Not exported from the library's index.
 */
export class MemorySweepStore implements LifecycleStore {
  readonly states = new Map<string, SweepState>();
  readonly done = new Map<string, Set<number>>();
  readonly running = new Map<string, Set<number>>();
  readonly finishedAt = new Map<string, Map<number, number>>();

  async create(state: SweepState): Promise<void> {
    this.states.set(state.id, { ...state });
  }

  async get(id: string): Promise<SweepState | null> {
    const state = this.states.get(id);
    return state ? { ...state } : null;
  }

  async status(id: string): Promise<SweepStatusOnly | null> {
    const state = this.states.get(id);
    return state ? { status: state.status, total: state.total, round: state.round } : null;
  }

  async remove(id: string): Promise<void> {
    this.states.delete(id);
    this.done.delete(id);
    this.running.delete(id);
    this.finishedAt.delete(id);
  }

  async transition(
    id: string,
    from: readonly SweepStatus[],
    to: SweepStatus,
    fields: Partial<Record<keyof SweepState, string | number | null>> = {},
    round?: number,
  ): Promise<boolean> {
    const state = this.states.get(id);
    if (!state || !from.includes(state.status)) return false;
    if (round !== undefined && state.round !== round) return false;
    const updated: Record<string, unknown> = { ...state, status: to };
    for (const [key, value] of Object.entries(fields)) updated[key] = value === '' ? null : value;
    this.states.set(id, updated as unknown as SweepState);
    return true;
  }

  async withLock<T>(_id: string, task: () => Promise<T>): Promise<T> {
    return task();
  }

  async doneChunks(id: string): Promise<Set<number>> {
    return new Set(this.done.get(id) ?? []);
  }

  async chunkCounts(id: string, sinceMs: number): Promise<ChunkCounts> {
    const finished = [...(this.finishedAt.get(id)?.values() ?? [])];
    return {
      done: this.done.get(id)?.size ?? 0,
      running: this.running.get(id)?.size ?? 0,
      doneSince: finished.filter((at) => at > sinceMs).length,
    };
  }

  async claimChunk(
    id: string,
    index: number,
    round: number,
    now: string,
    runnable: readonly SweepStatus[],
    start: { from: readonly SweepStatus[]; to: SweepStatus },
  ): Promise<SweepStatusOnly | null> {
    const state = this.states.get(id);
    if (!state) return null;
    const found = { status: state.status, total: state.total, round: state.round };
    if (state.round !== round || !runnable.includes(state.status)) return found;
    state.startedAt ||= now;
    state.roundStartedAt ||= now;
    this.setOf(this.running, id).add(index);
    if (start.from.includes(state.status)) state.status = start.to;
    return found;
  }

  async markChunkStopped(id: string, index: number): Promise<void> {
    this.running.get(id)?.delete(index);
  }

  async markChunkDone(
    id: string,
    index: number,
    nowMs: number,
  ): Promise<{ done: number; status: SweepStatus | null }> {
    this.setOf(this.done, id).add(index);
    this.running.get(id)?.delete(index);
    const times = this.finishedAt.get(id) ?? new Map<number, number>();
    times.set(index, nowMs);
    for (const [chunk, at] of times) if (at <= nowMs - RATE_WINDOW_MS) times.delete(chunk);
    this.finishedAt.set(id, times);
    return { done: this.done.get(id)!.size, status: this.states.get(id)?.status ?? null };
  }

  async clearRunning(id: string): Promise<void> {
    this.running.delete(id);
  }

  private setOf(map: Map<string, Set<number>>, id: string): Set<number> {
    const set = map.get(id) ?? new Set<number>();
    map.set(id, set);
    return set;
  }
}

/** A queue that records what was enqueued and removed; `held` chunks are "running" and cannot be removed. */
export class MemorySweepQueue implements LifecycleQueue {
  readonly rounds: RoundToEnqueue[] = [];
  readonly removedFinalize: { sweepId: string; round: number }[] = [];
  readonly removals: { sweepId: string; indices: number[]; keepFailed: boolean }[] = [];
  held = new Set<number>();

  async enqueue(round: RoundToEnqueue): Promise<void> {
    this.rounds.push(round);
  }

  async removeChunks(
    sweepId: string,
    indices: Iterable<number>,
    { keepFailed = false } = {},
  ): Promise<number[]> {
    const all = [...indices];
    this.removals.push({ sweepId, indices: all, keepFailed });
    return all.filter((index) => this.held.has(index));
  }

  async removeFinalize(sweepId: string, round: number): Promise<boolean> {
    this.removedFinalize.push({ sweepId, round });
    return true;
  }
}

/** Results kept as the manifests written (status and finish time of each), nothing on disk. */
export class MemoryResults implements SweepResultsStore {
  readonly created = new Map<string, SweepSpec>();
  readonly manifests: { id: string; status: SweepStatus; removeTempFiles: boolean }[] = [];

  location(id: string): string {
    return `/memory/${id}`;
  }

  target(id: string): StorageTarget {
    return { kind: 'file', dir: this.location(id) };
  }

  /** Opened lazily: nothing is read or written unless a step uses it. */
  storage(id: string): SweepStorage {
    return openSweepStorage(this.target(id));
  }

  async create(id: string, spec: SweepSpec): Promise<void> {
    this.created.set(id, spec);
  }

  async finish(id: string, record: SweepRecord, options: { removeTempFiles: boolean }): Promise<Manifest> {
    this.manifests.push({ id, status: record.status, removeTempFiles: options.removeTempFiles });
    return { id: record.id, status: record.status, files: [] } as unknown as Manifest;
  }

  async remove(id: string): Promise<void> {
    this.created.delete(id);
  }
}
