import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Job, Queue } from 'bullmq';
import { analysisTable, DuckDb } from './duckdb';
import type { ManifestFile } from '@tokensweep/analysis';

/** The pid a BullMQ job's `processedBy` names (workers call themselves `<host>-<pid>`), or null. */
export function pidOf(job: Job): number | null {
  const match = /-(\d+)$/.exec(job.processedBy ?? '');
  return match ? Number(match[1]) : null;
}

/**
 * Awaits a chunk job of `sweepId` that a worker holds right now (active, with its processedBy set),
 * by polling the queue (BullMQ emits no event a third party can await for "a worker took job X");
 * `among` restricts it to workers with those pids. Fails after `timeoutMs` with `context()`.
 */
export async function awaitActiveChunk(
  queue: Queue,
  sweepId: string,
  options: { timeoutMs?: number; among?: number[]; context?: () => string } = {},
): Promise<{ job: Job; pid: number }> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const active = await queue.getActive();
    for (const job of active) {
      const pid = pidOf(job);
      if (!job.id?.startsWith(`${sweepId}-`) || pid === null) continue;
      if (options.among && !options.among.includes(pid)) continue;
      return { job, pid };
    }
    if (Date.now() > deadline) {
      throw new Error(
        `no chunk of sweep ${sweepId} became active within ${options.timeoutMs ?? 60_000} ms\n${options.context?.() ?? ''}`,
      );
    }
    await delay(25);
  }
}

/**
 * Stops (SIGSTOP) the workers `pids` together at a moment when at least one of them holds a chunk of
 * `sweepId`, and returns the chunks they hold, as the queue shows them once they are stopped. Seeing a
 * chunk active and then signalling its worker leaves a window in which the chunk may finish (a chunk
 * seen late in its run often does); reading the queue after the stop leaves none: what they hold now
 * they hold until they are killed or continued. If they hold nothing at the stop, they are continued
 * and it tries again.
 */
export async function stopHoldingChunks(
  queue: Queue,
  sweepId: string,
  pids: number[],
  options: { timeoutMs?: number; context?: () => string } = {},
): Promise<{ job: Job; pid: number }[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    await awaitActiveChunk(queue, sweepId, { ...options, among: pids, timeoutMs: deadline - Date.now() });
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    const held = (await queue.getActive())
      .map((job) => ({ job, pid: pidOf(job) }))
      .filter(
        (h): h is { job: Job; pid: number } => h.job.id!.startsWith(`${sweepId}-`) && pids.includes(h.pid!),
      );
    if (held.length > 0) return held;
    for (const pid of pids) process.kill(pid, 'SIGCONT');
  }
}

/** Every file below `dir` (temporary and hidden ones included), relative, with `/` separators, sorted. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

export interface Manifest {
  id: string;
  status: string;
  error?: string | null;
  files: ManifestFile[];
}

export async function readManifest(sweepDir: string): Promise<Manifest> {
  return JSON.parse(await readFile(path.join(sweepDir, 'manifest.json'), 'utf8')) as Manifest;
}

/**
 * What a sweep directory holds against what its manifest lists: files that look temporary, listed
 * files missing or of another size, and part files on disk that the manifest does not list.
 */
export async function layoutProblems(sweepDir: string): Promise<string[]> {
  const manifest = await readManifest(sweepDir);
  const onDisk = await filesUnder(sweepDir);
  const problems: string[] = [];
  for (const file of onDisk) {
    if (file.endsWith('.tmp') || path.basename(file).startsWith('.'))
      problems.push(`temporary file on disk: ${file}`);
  }
  const sizes = new Map<string, number>();
  for (const file of onDisk) sizes.set(file, -1);
  for (const file of manifest.files) {
    if (!file.path.endsWith('.parquet')) problems.push(`manifest lists a non-part file: ${file.path}`);
    if (!sizes.has(file.path)) problems.push(`manifest lists a file not on disk: ${file.path}`);
  }
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const file of onDisk) {
    if (file.endsWith('.parquet') && !listed.has(file)) problems.push(`part on disk but not listed: ${file}`);
  }
  if (listed.size !== manifest.files.length) problems.push('manifest lists a file twice');
  return problems;
}

/**
 * The `tokens` rows of a sweep of consecutive numbers, as DuckDB reads every listed part: how many,
 * how many distinct numbers, the smallest and largest, and the sum of the row counts the manifest
 * claims (each part read back whole, so a truncated part would fail here).
 */
export async function tokenRowCounts(
  db: DuckDb,
  sweepDir: string,
): Promise<{ rows: number; distinct: number; min: number; max: number; listedRows: number }> {
  const manifest = await readManifest(sweepDir);
  const [row] = await db.rows<{ rows: bigint; distinct: bigint; min: bigint; max: bigint }>(
    `select count(*) as rows, count(distinct number) as distinct, min(number) as min, max(number) as max from ${analysisTable(sweepDir, 'tokens')}`,
  );
  return {
    rows: Number(row.rows),
    distinct: Number(row.distinct),
    min: Number(row.min),
    max: Number(row.max),
    listedRows: manifest.files.filter((f) => f.analysis === 'tokens').reduce((sum, f) => sum + f.rows, 0),
  };
}

/** Resident memory of a process in bytes (VmRSS of /proc/<pid>/status), or null once it is gone. */
export async function residentBytes(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Samples a process's resident memory every `intervalMs` until `stop()`, which returns the samples. */
export function sampleResidentMemory(
  pid: number,
  intervalMs: number,
): { stop: () => Promise<{ at: number; bytes: number }[]> } {
  const samples: { at: number; bytes: number }[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const bytes = await residentBytes(pid);
      if (bytes !== null) samples.push({ at: Date.now(), bytes });
      await delay(intervalMs);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

/** Polls `read` until `until` holds, every `intervalMs`, for at most `timeoutMs`; throws with `what` otherwise. */
export async function pollUntil<T>(
  read: () => Promise<T>,
  until: (value: T) => boolean,
  options: { timeoutMs: number; intervalMs?: number; what: string; context?: () => string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await read();
    if (until(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `${options.what} not reached within ${options.timeoutMs} ms; last ${JSON.stringify(value)}\n${options.context?.() ?? ''}`,
      );
    }
    await delay(options.intervalMs ?? 100);
  }
}

export type { ManifestFile };
