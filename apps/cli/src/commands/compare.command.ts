import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Summary } from '@tokensweep/analysis';
import { CliError } from '../cli-error';
import { formatSummaryTable } from '../summary-table';

/** `tokensweep compare DIR`: prints the per model × format comparison of a finished sweep again. */
export async function compareCommand(dir: string, options: { json?: boolean }): Promise<void> {
  const file = path.join(path.resolve(dir), 'summary.json');
  let summary: Summary;
  try {
    summary = JSON.parse(await readFile(file, 'utf8')) as Summary;
  } catch (error) {
    throw new CliError(
      `${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found; is this a finished sweep directory?' : (error as Error).message}`,
      2,
    );
  }
  if (!Array.isArray(summary.entries)) throw new CliError(`${file} has no comparison entries`, 2);
  process.stdout.write(
    options.json ? JSON.stringify(summary, null, 2) + '\n' : formatSummaryTable(summary) + '\n',
  );
}
