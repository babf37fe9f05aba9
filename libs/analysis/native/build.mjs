// Builds the cosine kernel's native code with node-gyp (which npm puts on the PATH of its scripts).
// Node's headers are taken from beside the running node when they are there, as in Debian's nodejs
// and the official images, so that nothing is downloaded; else node-gyp fetches them as usual.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const prefix = resolve(process.execPath, '..', '..');
const args = ['rebuild', `--directory=${here}`];
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h')))
  args.push(`--nodedir=${prefix}`);
const build = spawnSync('node-gyp', args, { stdio: 'inherit' });
if (build.error)
  console.error(`cannot run node-gyp (${build.error.message}): run this through npm (npm run build:native)`);
process.exit(build.status ?? 1);
