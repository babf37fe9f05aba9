import { ChunkTask } from '../plan/chunk-task';

/**
 * Rough single-thread costs of the work a task does, measured on a 2-vCPU AMD EPYC (bench sections
 * `chunk` and `embedded`): per-number rows (tokenize, embed, build, zstd Parquet) ~0.5 M/s, cosine-
 * matrix cells ~5 M/s, a nearest-token search ~0.5 ms per number against a 50k vocabulary.
 */
const SECONDS_PER_NUMBER_ROW = 1 / 500_000;
const SECONDS_PER_MATRIX_CELL = 1 / 5_000_000;
const SECONDS_PER_NEIGHBOR_SEARCH = 0.0005;

/**
 * Below this much estimated work a sweep runs on the main thread: starting a thread pool (Node's
 * worker, then the library and Arrow in each thread, 0.15–0.25 s, and the model) costs a few tenths
 * of a second, which a sweep this small cannot win back.
 */
export const THREADS_PAY_OFF_SECONDS = 1;

/** Seconds one thread would spend on `tasks`, roughly: what decides whether threads pay off. */
export function estimatedWorkSeconds(tasks: readonly ChunkTask[]): number {
  let seconds = 0;
  for (const task of tasks) {
    switch (task.kind) {
      case 'numbers':
        seconds += (task.to - task.from) * task.analyses.length * SECONDS_PER_NUMBER_ROW;
        break;
      case 'matrix-tile':
        seconds += (task.rows[1] - task.rows[0]) * (task.cols[1] - task.cols[0]) * SECONDS_PER_MATRIX_CELL;
        break;
      case 'neighbors':
        seconds += (task.to - task.from) * SECONDS_PER_NEIGHBOR_SEARCH;
        break;
      case 'fourier':
      case 'pca':
        break; // one task each, whatever the thread count: threads cannot share it out
    }
  }
  return seconds;
}

/**
 * The chunk threads of an embedded run: `requested` when the user gave a number (capped by the
 * tasks, since an idle thread only costs its start), otherwise every core for a sweep with at least
 * a second of work and none (the main thread) for a smaller one.
 */
export function embeddedThreads(
  tasks: readonly ChunkTask[],
  requested: number | undefined,
  cores: number,
): number {
  if (requested !== undefined) return Math.min(requested, tasks.length);
  if (estimatedWorkSeconds(tasks) < THREADS_PAY_OFF_SECONDS) return 0;
  return Math.min(cores, tasks.length);
}
