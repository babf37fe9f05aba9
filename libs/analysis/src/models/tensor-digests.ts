import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * What identifies a file's contents without reading them, as git's index and Bazel's digest cache
 * take it: any write changes the size, the modification time or the status-change time (which no
 * user can set back), and a replaced file has another inode.
 */
export interface FileIdentity {
  dev: string;
  ino: string;
  size: string;
  mtimeNs: string;
  ctimeNs: string;
}

/** One remembered digest: the bytes [begin, end) of a file, as it was when they were hashed. */
interface DigestEntry extends FileIdentity {
  file: string;
  begin: number;
  end: number;
  sha256: string;
}

/**
 * A file whose status changed less than this long before its bytes were hashed is not remembered:
 * file times are kept to a clock tick (a few milliseconds, two seconds on FAT), so a write in the
 * same tick as the hash could leave the identity as it was. Once this long has passed, any later
 * write has a later time.
 */
export const SETTLED_NS = 2_000_000_000n;

/** The layout of the entries; a new one starts afresh instead of reading the old. */
const LAYOUT = 'tensor-digests-v1';

/**
 * The sha256 of tensors' stored bytes, kept per file identity in a directory of small entries, so
 * that a matrix read again from a file that has not changed since is not hashed again (half a
 * gigabyte of BF16 matrix is about half a second of sha256 per run). Only an optimization: an entry
 * that is missing, stale, unreadable or cannot be written only means hashing the bytes once more.
 */
export class TensorDigests {
  private constructor(
    private readonly dir: string,
    private readonly clock: () => bigint,
  ) {}

  /**
   * The digests kept under `cacheDir` (TOKENSWEEP_CACHE_DIR); none when it is not set. `clock`: the
   * wall clock in nanoseconds, which file times are compared with.
   */
  static at(
    cacheDir: string | undefined,
    clock: () => bigint = () => BigInt(Date.now()) * 1_000_000n,
  ): TensorDigests | null {
    return cacheDir ? new TensorDigests(path.join(cacheDir, LAYOUT), clock) : null;
  }

  /** Now, on the clock file times are compared with: when hashing starts, for `remember`. */
  now(): bigint {
    return this.clock();
  }

  /** The digest remembered for bytes [begin, end) of `file`, if the file is still as it was then. */
  async recall(file: string, begin: number, end: number, now: FileIdentity): Promise<string | null> {
    try {
      const entryPath = this.entryPath(await realpath(file), begin, end);
      const entry = JSON.parse(await readFile(entryPath, 'utf8')) as DigestEntry;
      const same =
        entry.begin === begin && entry.end === end && sameIdentity(entry, now) && isSha256(entry.sha256);
      return same ? entry.sha256 : null;
    } catch {
      return null; // no entry yet, or one this version cannot read: hash the bytes again
    }
  }

  /**
   * Remembers `sha256` for bytes [begin, end) of `file`, hashed from `hashStartedNs` (wall clock)
   * while its identity was `before` and then `after`: only when the two agree and the file had
   * settled (SETTLED_NS) before the hashing began.
   */
  async remember(
    file: string,
    begin: number,
    end: number,
    sha256: string,
    identity: { before: FileIdentity; after: FileIdentity; hashStartedNs: bigint },
  ): Promise<void> {
    const { before, after, hashStartedNs } = identity;
    if (!sameIdentity(before, after) || hashStartedNs - BigInt(before.ctimeNs) < SETTLED_NS) return;
    const real = await realpath(file);
    const target = this.entryPath(real, begin, end);
    const entry: DigestEntry = { file: real, begin, end, sha256, ...before };
    // written aside and renamed over, so a reader sees a whole entry or none
    const temporary = `${target}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    try {
      await mkdir(this.dir, { recursive: true });
      await writeFile(temporary, JSON.stringify(entry) + '\n');
      await rename(temporary, target);
    } catch {
      await rm(temporary, { force: true }).catch(() => undefined);
    }
  }

  /** The entry of bytes [begin, end) of the file at `realPath` (symlinks resolved, so each file has one). */
  private entryPath(realPath: string, begin: number, end: number): string {
    const key = sha256Hex(JSON.stringify([realPath, begin, end]));
    return path.join(this.dir, `${key}.json`);
  }
}

/**
 * Reads bytes [begin, end) of `file` with `read`, which hands each block it reads to the function it
 * is given, in order, and returns the bytes; with their sha256. With `digests`, the digest remembered
 * for the file as it is stands in for hashing them, and one computed is remembered; a file written to
 * while it was read is hashed as read.
 */
export async function readHashed<T extends Uint8Array>(
  file: string,
  begin: number,
  end: number,
  digests: TensorDigests | null,
  read: (onBlock?: (block: Uint8Array) => void) => Promise<T>,
): Promise<{ bytes: T; sha256: string }> {
  const before = digests ? await fileIdentity(file) : null;
  const known = before ? await digests!.recall(file, begin, end, before) : null;
  const hashStartedNs = digests?.now() ?? 0n;
  // the bytes are hashed block by block as they arrive, while the next blocks are read
  const hash = known ? null : createHash('sha256');
  const bytes = await read(hash ? (block) => hash.update(block) : undefined);
  if (!before) return { bytes, sha256: hash!.digest('hex') };
  const after = await fileIdentity(file);
  if (hash) {
    const sha256 = hash.digest('hex');
    await digests!.remember(file, begin, end, sha256, { before, after, hashStartedNs });
    return { bytes, sha256 };
  }
  return { bytes, sha256: sameIdentity(before, after) ? known! : sha256Hex(bytes) };
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The identity of `file` now (see FileIdentity). */
export async function fileIdentity(file: string): Promise<FileIdentity> {
  const s = await stat(file, { bigint: true });
  return {
    dev: String(s.dev),
    ino: String(s.ino),
    size: String(s.size),
    mtimeNs: String(s.mtimeNs),
    ctimeNs: String(s.ctimeNs),
  };
}

/** Whether two identities of a file are the same, i.e. nothing wrote to it in between. */
function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return (
    a.dev === b.dev &&
    a.ino === b.ino &&
    a.size === b.size &&
    a.mtimeNs === b.mtimeNs &&
    a.ctimeNs === b.ctimeNs
  );
}

function isSha256(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}
