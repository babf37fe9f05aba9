import { buildManifest, Manifest, specModels, SweepRecord } from './manifest';
import { findParts } from './part-record';
import { summarize } from './summary';
import { listFiles, removeStrayTempFiles, writeFileAtomically } from './sweep-layout';

/**
 * Closes a sweep directory, whatever its outcome: removes stray temporary files, then writes
 * spec.json, summary.json and manifest.json from the parts actually on disk, so a cancelled or
 * failed sweep lists exactly the parts it finished. `removeTempFiles: false` when chunks may still be
 * writing (a distributed sweep just cancelled or failed): their temporary files are not strays yet.
 */
export async function finishSweep(
  sweepDir: string,
  record: SweepRecord,
  options: { removeTempFiles?: boolean } = {},
): Promise<Manifest> {
  if (options.removeTempFiles ?? true) await removeStrayTempFiles(sweepDir);
  const parts = await findParts(sweepDir);
  const summary = await summarize(sweepDir, parts, specModels(record.spec), record.spec.formats);
  const plots = (await listFiles(sweepDir)).filter((f) => f.startsWith('plots/'));
  const manifest = buildManifest(record, parts, summary, plots);
  await writeFileAtomically(sweepDir, 'spec.json', json(record.spec));
  await writeFileAtomically(sweepDir, 'summary.json', json(summary));
  await writeFileAtomically(sweepDir, 'manifest.json', json(manifest));
  return manifest;
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
