import { access, constants, mkdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { Manifest, readParquetTable } from '@tokensweep/analysis';
import { SERVICE_CONFIG, ServiceConfig } from '@tokensweep/queue';
import { Table } from 'apache-arrow';

/** The one adapter over RESULTS_DIR on the API side: manifests, listed files, parts as Arrow. */
@Injectable()
export class ResultsRepository {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {}

  /** Whether sweeps can be written: 'ok', or why not (readiness). */
  async checkWritable(): Promise<'ok' | string> {
    try {
      await mkdir(this.config.resultsDir, { recursive: true });
      await access(this.config.resultsDir, constants.W_OK);
      return 'ok';
    } catch (error) {
      return `${this.config.resultsDir} is not writable: ${(error as Error).message}`;
    }
  }

  sweepDir(id: string): string {
    return path.join(this.config.resultsDir, id);
  }

  async manifest(id: string): Promise<Manifest | null> {
    try {
      return JSON.parse(await readFile(path.join(this.sweepDir(id), 'manifest.json'), 'utf8')) as Manifest;
    } catch {
      return null;
    }
  }

  /**
   * The absolute path of `relative` if the manifest lists it and it really lies inside the sweep
   * directory (no `..`, no absolute path, no symlink leading out); null otherwise.
   */
  async listedFile(id: string, manifest: Manifest, relative: string): Promise<string | null> {
    const listed =
      manifest.files.some((f) => f.path === relative) || (manifest.plots ?? []).includes(relative);
    if (
      !listed ||
      relative.split('/').some((segment) => segment === '..' || segment === '') ||
      path.isAbsolute(relative)
    )
      return null;
    const root = await realpath(this.sweepDir(id)).catch(() => null);
    const file = await realpath(path.join(this.sweepDir(id), relative)).catch(() => null);
    if (!root || !file || !file.startsWith(root + path.sep)) return null;
    return file;
  }

  async readPart(id: string, relative: string): Promise<Table> {
    return readParquetTable(path.join(this.sweepDir(id), relative));
  }
}
