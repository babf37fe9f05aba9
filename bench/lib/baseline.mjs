// An earlier commit of tokensweep, built beside this one, so the bench can run both in one session.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './common.mjs';

const run = promisify(execFile);

/**
 * Checks `ref` out as a detached git worktree under `workDir` and builds it (`npm run build`), with
 * this checkout's node_modules hard-linked in: the bench compares commits whose dependencies are the
 * same. Returns its directory and a function that removes the worktree again.
 */
export async function prepareBaseline(ref, workDir, log) {
  const dir = path.join(workDir, 'baseline');
  const { stdout } = await run('git', ['rev-parse', '--short', `${ref}^{commit}`], { cwd: REPO });
  const commit = stdout.trim();
  log(`building the baseline ${ref} (${commit}) in ${dir}`);
  await run('git', ['worktree', 'add', '--detach', dir, commit], { cwd: REPO });
  const remove = async () => {
    await run('git', ['worktree', 'remove', '--force', dir], { cwd: REPO }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    if (!existsSync(path.join(REPO, 'node_modules')))
      throw new Error('node_modules is missing: run `npm ci` first');
    await run('cp', ['-al', path.join(REPO, 'node_modules'), path.join(dir, 'node_modules')]);
    await run('npm', ['run', 'build'], { cwd: dir, maxBuffer: 64 << 20 });
  } catch (error) {
    await remove();
    throw new Error(`cannot build the baseline ${ref}: ${error.stderr || error.message}`);
  }
  return { ref, commit, dir, remove };
}
