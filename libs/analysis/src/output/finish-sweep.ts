import { asStorage, SweepLocation } from '../storage/as-storage';
import { buildManifest, Manifest, specModels, SweepRecord } from './manifest';
import { findParts } from './part-record';
import { summarize } from './summary';

/**
 * Closes a sweep, whatever its outcome: removes what interrupted writes left (temporary files,
 * incomplete uploads), then writes spec.json, summary.json and manifest.json from the parts actually
 * stored, so a cancelled or failed sweep lists exactly the parts it finished. The manifest goes last:
 * it is the sweep's commit record. `removeTempFiles: false` when chunks may still be writing (a
 * distributed sweep just cancelled or failed): their temporary files and uploads are not strays yet.
 */
export async function finishSweep(
  location: SweepLocation,
  record: SweepRecord,
  options: { removeTempFiles?: boolean } = {},
): Promise<Manifest> {
  const storage = asStorage(location);
  if (options.removeTempFiles ?? true) await storage.removeLeftovers();
  const objects = await storage.list();
  const parts = await findParts(storage, objects);
  const summary = await summarize(storage, parts, specModels(record.spec), record.spec.formats);
  const plots = objects.map((o) => o.path).filter((f) => f.startsWith('plots/'));
  const manifest = buildManifest(record, parts, summary, plots);
  await storage.write('spec.json', json(record.spec));
  await storage.write('summary.json', json(summary));
  await storage.write('manifest.json', json(manifest));
  return manifest;
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
