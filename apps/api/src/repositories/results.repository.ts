import { Injectable } from '@nestjs/common';
import { Manifest, readPart, ResultsRoot, SweepStorage } from '@tokensweep/analysis';
import { Table } from '#arrow';

/**
 * The API's side of the results port (RESULTS_DIR or RESULTS_URL): manifests, listed files, parts as
 * Arrow. It never knows whether they sit in a directory or in a bucket.
 */
@Injectable()
export class ResultsRepository {
  constructor(private readonly results: ResultsRoot) {}

  /** The readiness check's name: `resultsDir` for a directory, `resultsStore` for a bucket. */
  get checkName(): 'resultsDir' | 'resultsStore' {
    return this.results.target.kind === 'file' ? 'resultsDir' : 'resultsStore';
  }

  /**
   * Whether sweeps can be written: 'ok', or why not, naming the store (readiness). A directory must
   * be writable; a bucket must answer HEAD with our credentials, within 3 s.
   */
  async checkWritable(): Promise<'ok' | string> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.results.check(),
        new Promise<void>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out after 3 s')), 3_000);
        }),
      ]);
      return 'ok';
    } catch (error) {
      const message = (error as Error).message;
      return message.includes(this.results.location) ? message : `${this.results.location}: ${message}`;
    } finally {
      clearTimeout(timer);
    }
  }

  private sweep(id: string): SweepStorage {
    return this.results.sweep(id);
  }

  async manifest(id: string): Promise<Manifest | null> {
    try {
      const bytes = await this.sweep(id).read('manifest.json');
      return bytes ? (JSON.parse(Buffer.from(bytes).toString('utf8')) as Manifest) : null;
    } catch {
      return null;
    }
  }

  /**
   * Whether `relative` may be served: the manifest lists it and it names something inside the sweep
   * (no `..`, no empty segment, no absolute path; the filesystem adapter also follows no symlink out).
   */
  isListed(manifest: Manifest, relative: string): boolean {
    const listed =
      manifest.files.some((f) => f.path === relative) || (manifest.plots ?? []).includes(relative);
    return (
      listed &&
      !relative.startsWith('/') &&
      !relative.split('/').some((segment) => segment === '..' || segment === '.' || segment === '')
    );
  }

  /** The bytes of a listed file, or null when it is not stored (or leads out of the sweep). */
  async listedFile(id: string, manifest: Manifest, relative: string): Promise<Uint8Array | null> {
    if (!this.isListed(manifest, relative)) return null;
    return this.sweep(id).read(relative);
  }

  /** Whether a listed file is stored, without reading it. */
  async hasListedFile(id: string, manifest: Manifest, relative: string): Promise<boolean> {
    return this.isListed(manifest, relative) && (await this.sweep(id).size(relative)) !== null;
  }

  readPart(id: string, relative: string): Promise<Table> {
    return readPart(this.sweep(id), relative);
  }
}
