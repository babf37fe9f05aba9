import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { nativeGemm } from '../compute/native-gemm';
import { Analysis, ANALYSES, NumberFormat } from '../spec/vocabulary';

/** Where a part lives inside a sweep directory: `<analysis>/model=<slug>/format=<f>/part-00000.parquet`. */
export function partPath(analysis: Analysis, slug: string, format: NumberFormat, part: number): string {
  return `${analysis}/model=${slug}/format=${format}/part-${String(part).padStart(5, '0')}.parquet`;
}

const PART = /^([a-z-]+)\/model=([A-Za-z0-9._-]+)\/format=([a-z]+)\/part-(\d{5,})\.parquet$/;

/** The analysis, model slug, format and part number a relative part path encodes, or null. */
export function parsePartPath(
  relative: string,
): { analysis: Analysis; slug: string; format: NumberFormat; part: number } | null {
  const match = PART.exec(relative);
  if (!match || !(ANALYSES as readonly string[]).includes(match[1])) return null;
  return {
    analysis: match[1] as Analysis,
    slug: match[2],
    format: match[3] as NumberFormat,
    part: Number(match[4]),
  };
}

const TEMP_SUFFIX = '.tmp';

/**
 * Writes `bytes` to `sweepDir/relative` so that the file appears only complete: written and synced
 * under a temporary name that does not end in `.parquet`, then renamed over any earlier copy.
 */
export async function writeFileAtomically(
  sweepDir: string,
  relative: string,
  bytes: Uint8Array | string,
): Promise<number> {
  const target = path.join(sweepDir, relative);
  const temp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`,
  );
  try {
    await writeAndRename(temp, target, bytes);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new Error(`cannot write ${target}: ${(error as Error).message}`);
  }
  return typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
}

/**
 * Write, fsync, close and rename as one task of libuv's pool (the addon's writeFileDurably): the
 * caller goes on (a chunk encodes its next part) while the disk takes this one. As separate fs calls
 * each step was a trip through the pool and back, which cost as much as the write of a small part.
 */
async function writeAndRename(temp: string, target: string, bytes: Uint8Array | string): Promise<void> {
  const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  const write = () => nativeGemm().writeFileDurably(temp, target, data);
  // the folders are made when the first write finds them missing (a chunk's parts reuse them)
  await write().catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT' || error.syscall !== 'open') throw error;
    await mkdir(path.dirname(target), { recursive: true });
    return write();
  });
}

/** Every file below `dir`, as paths relative to it with `/` separators, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/** Whether a file is a write still under way, or one that an interruption left behind. */
export function isTempFile(relative: string): boolean {
  return relative.endsWith(TEMP_SUFFIX);
}

/** Removes temporary files that interrupted writes left behind. */
export async function removeStrayTempFiles(sweepDir: string): Promise<number> {
  const strays = (await listFiles(sweepDir)).filter(isTempFile);
  await Promise.all(strays.map((file) => rm(path.join(sweepDir, file), { force: true })));
  return strays.length;
}
