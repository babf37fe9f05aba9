import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * What tokensweep keeps between runs (TOKENSWEEP_CACHE_DIR) goes to a directory of this test run's
 * own, inherited by every test and every process a test starts, and removed at the end: the tests
 * neither read nor fill the cache of the user who runs them.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tokensweep-test-cache-'));
  process.env.TOKENSWEEP_CACHE_DIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
