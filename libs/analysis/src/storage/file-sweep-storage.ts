import { open, readFile, realpath, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { isTempFile, listFiles, removeStrayTempFiles, writeFileAtomically } from '../output/sweep-layout';
import { checkRelativePath } from './relative-path';
import { StoredObject, SweepStorage } from './sweep-storage';

/**
 * The filesystem adapter: a sweep directory. Writes go to a temporary name that does not end in
 * `.parquet`, synced, then renamed; reads follow no symlink out of the directory.
 */
export class FileSweepStorage implements SweepStorage {
  readonly location: string;

  constructor(dir: string) {
    this.location = path.resolve(dir);
  }

  write(relative: string, bytes: Uint8Array | string): Promise<number> {
    return writeFileAtomically(this.location, checkRelativePath(relative), bytes);
  }

  async read(relative: string): Promise<Uint8Array | null> {
    const file = await this.inside(relative);
    return file ? readFile(file).catch(notFound) : null;
  }

  async size(relative: string): Promise<number | null> {
    const file = await this.inside(relative);
    if (!file) return null;
    const stats = await stat(file).catch(notFound);
    return stats?.isFile() ? stats.size : null;
  }

  async readRange(relative: string, start: number, end: number): Promise<Uint8Array> {
    const file = await this.inside(relative);
    if (!file) throw new Error(`${path.join(this.location, relative)} does not exist`);
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(end - start);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
      if (bytesRead !== buffer.length)
        throw new Error(`${file}: asked for bytes ${start}..${end}, the file ends at ${start + bytesRead}`);
      return buffer;
    } finally {
      await handle.close();
    }
  }

  async list(): Promise<StoredObject[]> {
    const files = (await listFiles(this.location)).filter((file) => !isTempFile(file));
    const sizes = await Promise.all(
      files.map((file) => stat(path.join(this.location, file)).catch(notFound)),
    );
    return files.flatMap((file, i) => (sizes[i] ? [{ path: file, bytes: sizes[i].size }] : []));
  }

  removeLeftovers(): Promise<number> {
    return removeStrayTempFiles(this.location);
  }

  async removeAll(): Promise<void> {
    await rm(this.location, { recursive: true, force: true });
  }

  /** The real path of `relative` if it exists and lies inside the directory (no symlink leading out). */
  private async inside(relative: string): Promise<string | null> {
    const root = await this.realRoot();
    const file = await realpath(path.join(this.location, checkRelativePath(relative))).catch(() => null);
    return root && file && file.startsWith(root + path.sep) ? file : null;
  }

  /**
   * The directory's own real path, resolved once it exists: finishing a sweep reads thousands of
   * footers, and resolving the root again for each doubled the system calls.
   */
  private realRoot(): Promise<string | null> {
    this.root ??= realpath(this.location).catch(() => {
      this.root = undefined;
      return null;
    });
    return this.root;
  }

  private root?: Promise<string | null>;
}

function notFound(error: NodeJS.ErrnoException): null {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR' || error.code === 'EISDIR') return null;
  throw error;
}
