import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ENDED_STATUSES, Manifest, readPriority, writeFileAtomically } from '@tokensweep/analysis';
import { ApiClient, ApiTarget } from '../client/api-client';
import { CliError } from '../cli-error';
import { ProgressBar } from '../progress-bar';
import { formatSummaryTable } from '../summary-table';
import { RunOptions, specInput } from './run.command';

interface SweepView {
  id: string;
  status: string;
  priority: string | null;
  progress: {
    done: number | null;
    total: number;
    running: number;
    queued: number;
    chunksPerSecond: number | null;
    etaSeconds: number | null;
  };
  createdAt: string;
  finishedAt: string | null;
  error: string | null;
}

const TERMINAL: readonly string[] = ENDED_STATUSES;

/** `tokensweep submit`: sends a spec (from flags or --spec FILE) to the API and prints the new sweep's id. */
export async function submitCommand(
  options: RunOptions & ApiTarget & { spec?: string; priority?: string },
): Promise<string> {
  let body: Record<string, unknown> = await specInput(options);
  if (options.priority !== undefined) {
    try {
      body.priority = readPriority(options.priority);
    } catch (error) {
      throw new CliError(`--${(error as Error).message}`, 2);
    }
  }
  if (options.spec) {
    try {
      body = { ...(JSON.parse(await readFile(options.spec, 'utf8')) as object), ...body };
    } catch (error) {
      throw new CliError(`--spec ${options.spec}: ${(error as Error).message}`, 2);
    }
  }
  const created = await new ApiClient(options).json<{ id: string; chunks: number }>('POST', '/sweeps', body);
  process.stdout.write(`${created.id}\n`);
  return created.id;
}

/** `tokensweep status ID`: follows the sweep with a progress bar until it ends (exit 0 only if completed). */
export async function statusCommand(
  id: string,
  options: ApiTarget & { wait?: boolean; pollMs?: number },
): Promise<number> {
  const client = new ApiClient(options);
  let sweep = await client.json<SweepView>('GET', `/sweeps/${encodeURIComponent(id)}`);
  if (options.wait !== false) {
    const bar = new ProgressBar(process.stderr, sweep.progress.total);
    while (!TERMINAL.includes(sweep.status)) {
      bar.update(sweep.progress.done ?? 0);
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1_000));
      sweep = await client.json<SweepView>('GET', `/sweeps/${encodeURIComponent(id)}`);
    }
    bar.update(sweep.progress.done ?? 0, true);
    bar.finish();
  }
  const error = sweep.error ? `  ${sweep.error}` : '';
  process.stdout.write(`${sweep.id}  ${sweep.status}  ${describeProgress(sweep)}${error}\n`);
  // 0 for a completed sweep, and with --no-wait for one that has not ended yet
  return sweep.status === 'completed' || (options.wait === false && !TERMINAL.includes(sweep.status)) ? 0 : 1;
}

/** `12/40 chunks, 2 running, 26 queued, 1.5 chunks/s, ETA 18 s, priority high`: what is known, nothing guessed. */
function describeProgress(sweep: SweepView): string {
  const p = sweep.progress;
  const parts = [`${p.done ?? '?'}/${p.total} chunks`];
  if (!TERMINAL.includes(sweep.status)) parts.push(`${p.running} running`, `${p.queued} queued`);
  if (p.chunksPerSecond !== null) parts.push(`${p.chunksPerSecond} chunks/s`);
  if (p.etaSeconds !== null && p.etaSeconds > 0) parts.push(`ETA ${formatSeconds(p.etaSeconds)}`);
  if (sweep.priority) parts.push(`priority ${sweep.priority}`);
  return parts.join(', ');
}

/** The rate and ETA column of `list`: `-` until the rate is known. */
function rate(sweep: SweepView): string {
  const { chunksPerSecond, etaSeconds } = sweep.progress;
  if (chunksPerSecond === null) return '-'.padEnd(22);
  const eta = etaSeconds ? `, ETA ${formatSeconds(etaSeconds)}` : '';
  return `${chunksPerSecond}/s${eta}`.padEnd(22);
}

function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3_600).toFixed(1)} h`;
}

/** `tokensweep list`: the newest sweeps, one line each. */
export async function listCommand(options: ApiTarget & { limit?: number }): Promise<void> {
  const page = await new ApiClient(options).json<{ items: SweepView[] }>(
    'GET',
    `/sweeps?limit=${options.limit ?? 20}`,
  );
  for (const s of page.items) {
    process.stdout.write(
      `${s.id}  ${s.status.padEnd(9)}  ${String(s.progress.done ?? '?').padStart(5)}/${s.progress.total}  ${rate(s)}  ${s.createdAt}\n`,
    );
  }
}

/** `tokensweep cancel ID`: cancels a sweep (and with --purge deletes its results). */
export async function cancelCommand(id: string, options: ApiTarget & { purge?: boolean }): Promise<void> {
  const query = options.purge ? '?purge=true' : '';
  const sweep = await new ApiClient(options).json<SweepView>(
    'DELETE',
    `/sweeps/${encodeURIComponent(id)}${query}`,
  );
  process.stdout.write(`${sweep.id}  ${sweep.status}\n`);
}

/** `tokensweep fetch ID --out DIR`: downloads a finished sweep's directory (every listed file, manifest, spec, summary). */
export async function fetchCommand(
  id: string,
  options: ApiTarget & { out?: string; force?: boolean },
): Promise<void> {
  const client = new ApiClient(options);
  const manifest = await client.json<Manifest>('GET', `/sweeps/${encodeURIComponent(id)}/manifest`);
  const dir = path.resolve(options.out ?? path.join('results', id));
  const existing = await readdir(dir).catch(() => []);
  if (existing.length > 0 && !options.force)
    throw new CliError(`--out ${dir} is not empty; choose another directory or pass --force`, 2);
  await mkdir(dir, { recursive: true });
  const files = [...manifest.files.map((f) => f.path), ...(manifest.plots ?? [])];
  const bar = new ProgressBar(process.stderr, files.length, 'files');
  let done = 0;
  for (const file of files) {
    const bytes = await client.bytes(
      `/sweeps/${encodeURIComponent(id)}/files/${file.split('/').map(encodeURIComponent).join('/')}`,
    );
    await writeFileAtomically(dir, file, bytes);
    bar.update(++done);
  }
  bar.finish();
  await writeFileAtomically(dir, 'spec.json', JSON.stringify(manifest.spec, null, 2) + '\n');
  await writeFileAtomically(dir, 'summary.json', JSON.stringify(manifest.summary, null, 2) + '\n');
  await writeFileAtomically(dir, 'manifest.json', JSON.stringify(manifest, null, 2) + '\n');
  process.stdout.write(`${formatSummaryTable(manifest.summary)}\n\n${files.length} files in ${dir}\n`);
}
