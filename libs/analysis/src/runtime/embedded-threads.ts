import { ChunkTask } from '../plan/chunk-task';

/**
 * Rough single-thread costs of the work a task does, measured on a 2-vCPU Xeon (whole `tokensweep
 * run` processes with `--threads 0`, less their start): a number's row of one analysis (tokenize,
 * embed, build, zstd Parquet, write) ~3 M/s, from `tokens` alone (~2.2 M/s with its part writes) to
 * tokens + sign-symmetry + successive-cosine (~3.6 M rows/s); a nearest-token search ~0.5 ms per
 * number against a 50k vocabulary. Cosine-matrix cells go at ~10 M/s on the main thread, whose
 * cosine kernel already uses every core: what chunk threads add is running the rest (the tiles'
 * Parquet) side by side, so a cell counts as half its time (0..2047, 4.2 M cells: 0.91 s on the
 * main thread, 0.90 s on two; 0..4095: 1.99 and 1.43 s).
 */
const SECONDS_PER_NUMBER_ROW = 1 / 3_000_000;
const SECONDS_PER_MATRIX_CELL = 1 / 20_000_000;
const SECONDS_PER_NEIGHBOR_SEARCH = 0.0005;

/**
 * Below this much estimated work a sweep runs on the main thread. A thread pool costs about 0.15 s
 * before its first chunk (Node's worker and the chunk modules in each thread, while the main thread
 * loads the model) and then shares the two cores with the main thread: measured alternately, 300,000
 * numbers of three analyses (0.3 s of work) took 0.60 s on the main thread and 0.63 s on two
 * threads, 1,000,000 (1 s) 1.19 and 1.02 s, `tokens` over 1,000,000 (0.33 s) 0.79 and 0.74 s, and
 * the default sweep (0.2 s) 0.72 and 0.79 s.
 */
export const THREADS_PAY_OFF_SECONDS = 0.35;

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
 * THREADS_PAY_OFF_SECONDS of work and none (the main thread) for a smaller one.
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
