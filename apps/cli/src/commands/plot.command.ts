import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { listFiles, Manifest, renderPlots, writeFileAtomically } from '@tokensweep/analysis';
import { CliError } from '../cli-error';

/**
 * `tokensweep plot DIR`: renders a sweep directory's figures into DIR/plots/ and lists them in its
 * manifest, so the API and `fetch` serve them like any other file of the sweep.
 */
export async function plotCommand(dir: string): Promise<string[]> {
  const sweepDir = path.resolve(dir);
  const manifestFile = path.join(sweepDir, 'manifest.json');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as Manifest;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new CliError(
      `${manifestFile}: ${missing ? 'not found; is this a sweep directory?' : (error as Error).message}`,
      2,
    );
  }
  const plots = await renderPlots(sweepDir);
  // Only the manifest's list of figures changes; it names what plots/ holds, as finishSweep does.
  manifest.plots = (await listFiles(sweepDir)).filter((file) => file.startsWith('plots/'));
  await writeFileAtomically(sweepDir, 'manifest.json', JSON.stringify(manifest, null, 2) + '\n');
  process.stdout.write(
    plots.length > 0
      ? `${plots.map((file) => path.join(sweepDir, file)).join('\n')}\n`
      : `no figures: ${sweepDir} has no part files to draw\n`,
  );
  return plots;
}
