import { Manifest, SweepRecord } from '../output/manifest';
import { finishSweep } from '../output/finish-sweep';
import { newSweepId } from '../output/sweep-id';
import { ChunkTask } from '../plan/chunk-task';
import { planSweep } from '../plan/plan-sweep';
import { renderPlots } from '../plots/render-plots';
import { PartFile } from '../run-chunk';
import { NumberSet } from '../spec/number-set';
import { specHash, SweepSpec } from '../spec/sweep-spec';
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
  sweepDir: string,
  onChunk?: (task: ChunkTask, files: PartFile[]) => void,
): Promise<void> {
  const { spec, specHash: hash } = record;
  await Promise.all(
    tasks.map(async (task) => {
      const files = await executor.run({ spec, specHash: hash, task }, sweepDir);
      onChunk?.(task, files);
    }),
  );
}

/** The figures the spec asks for, drawn from the parts on disk (a step before the manifest). */
export async function drawSweepFigures(sweepDir: string, spec: SweepSpec): Promise<void> {
  if (spec.plots) await renderPlots(sweepDir);
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
 * for, then the manifest. A failed chunk or figure fails the sweep; its directory then still gets a
 * manifest listing the parts that were finished. Closes `executor` before the manifest is written,
 * so that no chunk still running after a failure writes a part the manifest does not list.
 */
export async function runEmbeddedSweep(
  opened: OpenedSweep,
  sweepDir: string,
  executor: ChunkExecutor,
  onChunk?: (task: ChunkTask, files: PartFile[]) => void,
): Promise<{ record: SweepRecord; manifest: Manifest }> {
  const running: OpenedSweep = {
    ...opened,
    record: { ...opened.record, status: 'running', startedAt: new Date().toISOString() },
  };
  let failure: unknown;
  try {
    await runSweepTasks(executor, running, sweepDir, onChunk);
    // Figures are part of what the spec asked for: if they cannot be drawn the sweep did not complete.
    await drawSweepFigures(sweepDir, opened.record.spec);
  } catch (error) {
    failure = error ?? new Error('a chunk failed');
  } finally {
    await executor.close();
  }
  const record = endedRecord(running.record, failure);
  return { record, manifest: await finishSweep(sweepDir, record) };
}
