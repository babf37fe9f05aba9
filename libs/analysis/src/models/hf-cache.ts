import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

const COMMIT = /^[0-9a-f]{40}$/;

/** One model repository in the Hugging Face cache, in huggingface_hub's layout (`models--org--name/`). */
export class HfCacheRepo {
  readonly root: string;

  constructor(
    hfHome: string,
    readonly id: string,
  ) {
    this.root = path.join(hfHome, 'hub', `models--${id.replace('/', '--')}`);
  }

  /** The commit a revision points at in this cache (a commit id stands for itself), or null. */
  commitFor(revision: string): string | null {
    if (COMMIT.test(revision)) return existsSync(this.snapshotDir(revision)) ? revision : null;
    const ref = path.join(this.root, 'refs', revision);
    if (!existsSync(ref)) return null;
    const commit = readFileSync(ref, 'utf8').trim();
    return COMMIT.test(commit) ? commit : null;
  }

  snapshotDir(commit: string): string {
    return path.join(this.root, 'snapshots', commit);
  }

  /**
   * Records that `revision` now points at `commit`, as huggingface_hub does after a download (the
   * commit alone, no newline); written aside and renamed, so a reader never sees half a ref.
   */
  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    const ref = path.join(this.root, 'refs', revision);
    await mkdir(path.dirname(ref), { recursive: true });
    const scratch = `${ref}.${uniqueSuffix()}.incomplete`;
    await writeFile(scratch, commit);
    await rename(scratch, ref);
  }

  /** Moves a downloaded file into `blobs/<etag>` and links it from the snapshot, replacing nothing half-written. */
  async storeBlob(commit: string, file: string, downloaded: string, etag: string): Promise<string> {
    const blob = path.join(this.root, 'blobs', etag);
    await mkdir(path.dirname(blob), { recursive: true });
    await rename(downloaded, blob);
    const link = path.join(this.snapshotDir(commit), file);
    await mkdir(path.dirname(link), { recursive: true });
    const target = path.relative(path.dirname(link), blob);
    const existing = await readlink(link).catch(() => null);
    if (existing !== target) {
      // linked aside and renamed over the entry: another downloader of the same file may be
      // linking it at the same moment, and removing then linking would race with it
      const scratch = `${link}.${uniqueSuffix()}.incomplete`;
      await symlink(target, scratch);
      await rename(scratch, link).catch(async (error: unknown) => {
        await rm(scratch, { force: true });
        throw error;
      });
    }
    return link;
  }

  /**
   * A scratch path for a download in progress, in the same directory as the blobs so a rename is
   * atomic; its own for every download (threads of one process share its pid), so that concurrent
   * downloaders of one file never write into the same one.
   */
  incompletePath(name: string): string {
    return path.join(this.root, 'blobs', `${name}.${uniqueSuffix()}.incomplete`);
  }
}

function uniqueSuffix(): string {
  return `${process.pid}-${randomBytes(6).toString('hex')}`;
}
