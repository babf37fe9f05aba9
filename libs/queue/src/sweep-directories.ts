import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { finishSweep, Manifest, SweepRecord, SweepSpec, writeFileAtomically } from '@tokensweep/analysis';

/**
 * Where the lifecycle reaches a sweep's results: every file access of the lifecycle goes through
 * these four operations, so another results store replaces this one class.
 */
export interface SweepResultsStore {
  /** The location chunks write a sweep's parts to. */
  location(id: string): string;
  /** Prepares a new sweep's location and writes its spec.json. */
  create(id: string, spec: SweepSpec): Promise<void>;
  /** Writes summary and manifest from the parts present (`removeTempFiles` when no chunk may still write). */
  finish(id: string, record: SweepRecord, options: { removeTempFiles: boolean }): Promise<Manifest>;
  /** Deletes everything of a sweep. */
  remove(id: string): Promise<void>;
}

/** Results on a filesystem shared by the API and the workers: `RESULTS_DIR/<id>/`. */
export class SweepDirectories implements SweepResultsStore {
  constructor(private readonly resultsDir: string) {}

  location(id: string): string {
    return path.join(this.resultsDir, id);
  }

  async create(id: string, spec: SweepSpec): Promise<void> {
    const dir = this.location(id);
    await mkdir(dir, { recursive: true });
    await writeFileAtomically(dir, 'spec.json', JSON.stringify(spec, null, 2) + '\n');
  }

  finish(id: string, record: SweepRecord, options: { removeTempFiles: boolean }): Promise<Manifest> {
    return finishSweep(this.location(id), record, options);
  }

  async remove(id: string): Promise<void> {
    await rm(this.location(id), { recursive: true, force: true });
  }
}
