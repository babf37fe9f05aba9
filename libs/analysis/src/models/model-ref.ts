import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A model argument: a Hugging Face Hub id (optionally pinned to a revision) or a local directory. */
export type ModelRef = { kind: 'hub'; id: string; revision?: string } | { kind: 'local'; path: string };

const HUB_ID =
  /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?(?:\/[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?)?$/;
const REVISION = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/;

/**
 * Reads a model argument. With `allowLocal`, an absolute path, a path starting with `.` or `~`, or an
 * existing directory is a local directory (the CLI's rule); otherwise it must be a Hub id `name` or
 * `org/name`, optionally `@revision`. Throws an Error saying what is wrong.
 */
export function parseModelRef(arg: string, allowLocal: boolean): ModelRef {
  if (allowLocal && looksLocal(arg)) return { kind: 'local', path: expandHome(arg) };
  const at = arg.indexOf('@');
  const id = at < 0 ? arg : arg.slice(0, at);
  const revision = at < 0 ? undefined : arg.slice(at + 1);
  if (!HUB_ID.test(id) || id.includes('..') || id.includes('--')) {
    const hint = allowLocal ? ' (or a local directory)' : '; the API accepts Hub ids only, never paths';
    throw new Error(
      `"${shorten(arg)}" is not a Hugging Face model id like "gpt2" or "org/name@revision"${hint}`,
    );
  }
  if (revision !== undefined && (!REVISION.test(revision) || revision.includes('..'))) {
    throw new Error(`"${shorten(arg)}" has a malformed revision after "@"`);
  }
  return revision === undefined ? { kind: 'hub', id } : { kind: 'hub', id, revision };
}

/** The canonical string of a model reference (local paths made absolute). */
export function formatModelRef(ref: ModelRef): string {
  if (ref.kind === 'local') return ref.path;
  return ref.revision ? `${ref.id}@${ref.revision}` : ref.id;
}

/** The model's name in output paths: `org--name` for Hub ids, the base name of a local directory. */
export function modelSlug(ref: ModelRef): string {
  const raw = ref.kind === 'hub' ? ref.id.replace('/', '--') : path.basename(ref.path);
  return raw.replace(/[^A-Za-z0-9._-]/g, '_');
}

function looksLocal(arg: string): boolean {
  if (path.isAbsolute(arg) || arg.startsWith('.') || arg.startsWith('~')) return true;
  try {
    return existsSync(arg) && statSync(arg).isDirectory();
  } catch {
    return false;
  }
}

function expandHome(arg: string): string {
  const expanded = arg === '~' || arg.startsWith('~/') ? path.join(os.homedir(), arg.slice(1)) : arg;
  return path.resolve(expanded);
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
