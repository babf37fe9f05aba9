import { Manifest, SweepRecord } from '../output/manifest';
import { finishSweep } from '../output/finish-sweep';
import { newSweepId } from '../output/sweep-id';
import { ChunkTask } from '../plan/chunk-task';
import { needsEmbedding, planSweep } from '../plan/plan-sweep';
import { renderPlots } from '../plots/render-plots';
import { PartFile } from '../run-chunk';
import { NumberSet } from '../spec/number-set';
import { specHash, SweepSpec } from '../spec/sweep-spec';
import { openSweepStorage } from '../storage/results-root';
import { StorageTarget } from '../storage/sweep-storage';
import { SweepLocation } from '../storage/as-storage';
import { ChunkExecutor } from './chunk-executor';

/** A sweep that has been planned: its record and its chunk tasks. */
export interface OpenedSweep {
  record: SweepRecord;
  tasks: ChunkTask[];
}

/** A sweep's first step wherever it runs: a new id, its record (queued), and its plan. */
export function openSweep(spec: SweepSpec, numbers: NumberSet, createdAt = new Date()): OpenedSweep {
  const record: SweepRecord = {
    id: newSweepId(createdAt),
    status: 'queued',
    createdAt: createdAt.toISOString(),
    startedAt: null,
    finishedAt: null,
    error: null,
    spec,
    specHash: specHash(spec),
  };
  return { record, tasks: planSweep(spec, numbers) };
}

/** Runs every task of a sweep on `executor`, calling `onChunk` as each finishes; rejects on the first failure. */
export async function runSweepTasks(
  executor: ChunkExecutor,
  { record, tasks }: OpenedSweep,
  output: StorageTarget | string,
  onChunk?: (task: ChunkTask, files: PartFile[]) => void,
): Promise<void> {
  const { spec, specHash: hash } = record;
  const target = asTarget(output);
  await Promise.all(
    tasks.map(async (task) => {
      const files = await executor.run({ spec, specHash: hash, task }, target);
      onChunk?.(task, files);
    }),
  );
}

/** The figures the spec asks for, drawn from the parts stored (a step before the manifest). */
export async function drawSweepFigures(location: SweepLocation, spec: SweepSpec): Promise<void> {
  if (spec.plots) await renderPlots(location);
}

/** A sweep directory given as a path is a filesystem target. */
function asTarget(output: StorageTarget | string): StorageTarget {
  return typeof output === 'string' ? { kind: 'file', dir: output } : output;
}

/** The record of a sweep that ended now: completed, or failed with the error's message. */
export function endedRecord(record: SweepRecord, error?: unknown): SweepRecord {
  const failed = error !== undefined;
  return {
    ...record,
    status: failed ? 'failed' : 'completed',
    error: failed ? ((error as Error)?.message ?? String(error)) : null,
    finishedAt: new Date().toISOString(),
  };
}

/**
 * Runs a whole sweep in this process (no Redis): every chunk on `executor`, the figures if asked
 * for, then the manifest, all at `output` (a directory or an S3 prefix). A failed chunk or figure
 * fails the sweep; its directory then still gets a
 * manifest listing the parts that were finished. Closes `executor` before the manifest is written,
 * so that no chunk still running after a failure writes a part the manifest does not list.
 */
export async function runEmbeddedSweep(
  opened: OpenedSweep,
  output: StorageTarget | string,
  executor: ChunkExecutor,
  onChunk?: (task: ChunkTask, files: PartFile[]) => void,
): Promise<{ record: SweepRecord; manifest: Manifest }> {
  const running: OpenedSweep = {
    ...opened,
    record: { ...opened.record, status: 'running', startedAt: new Date().toISOString() },
  };
  const storage = openSweepStorage(asTarget(output));
  const { spec } = opened.record;
  const first = opened.tasks[0];
  if (first) void executor.preload?.(first.model, needsEmbedding(spec.analyses), spec.matrix);
  let failure: unknown;
  try {
    await runSweepTasks(executor, running, asTarget(output), onChunk);
    // Figures are part of what the spec asked for: if they cannot be drawn the sweep did not complete.
    await drawSweepFigures(storage, opened.record.spec);
  } catch (error) {
    failure = error ?? new Error('a chunk failed');
  } finally {
    await executor.close();
  }
  const record = endedRecord(running.record, failure);
  return { record, manifest: await finishSweep(storage, record) };
}
