import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  CONFIG_VARIABLES,
  ConfigError,
  ConfigProcess,
  DEFAULT_LIMITS,
  LIMIT_ENTRIES,
  LIMIT_VARIABLES,
  usedBy,
  variablesReadBy,
} from '@tokensweep/analysis';
import { readApiConfig } from '../apps/api/src/config/api-config';
import { readCliConfig } from '../apps/cli/src/cli-config';
import { readWorkerConfig } from '../apps/worker/src/config/worker-config';

/**
 * The declared table of configuration (libs/analysis/src/config/config-variables.ts) is the one list
 * of variables: each process's reader reads exactly its entries, and the README's table and
 * docker-compose.yml are checked against it.
 */
const REPO = path.resolve(__dirname, '..');

/** The variable names a reader looked up, recorded through a proxy over an empty environment. */
function namesRead(read: (env: Record<string, string | undefined>) => unknown): string[] {
  const seen = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get: (_, name) => {
      if (typeof name === 'string') seen.add(name);
      return undefined;
    },
  });
  read(env);
  return [...seen].sort();
}

const READERS: [ConfigProcess, (env: Record<string, string | undefined>) => unknown][] = [
  ['api', readApiConfig],
  ['worker', readWorkerConfig],
  ['cli', readCliConfig],
];

/** The rows of the README's "## Configuration" table, as cells. */
async function readmeRows(): Promise<string[][]> {
  const readme = await readFile(path.join(REPO, 'README.md'), 'utf8');
  const section = readme.split(/^## Configuration$/m)[1].split(/^## /m)[0];
  const cells = (line: string) =>
    line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim().replace(/\\\|/g, '|'));
  const lines = section.split('\n').filter((line) => line.startsWith('|'));
  return lines.slice(2).map(cells);
}

describe('the table of configuration', () => {
  it('names each variable once', () => {
    const names = CONFIG_VARIABLES.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(READERS)('is what the %s reads, and nothing else', (process, read) => {
    expect(namesRead(read)).toEqual([...new Set(variablesReadBy(process))].sort());
  });

  it.each(READERS.slice(0, 2))('has every bad value refused by the %s, one line each', (_, read) => {
    const env = { MAX_SWEEP_NUMBERS: 'many', REDIS_URL: 'http://x', QUEUE_PREFIX: 'a:b' };
    let error: unknown;
    try {
      read(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'MAX_SWEEP_NUMBERS=many: expected an integer from 1 to 9007199254740991',
      'REDIS_URL=http://x: expected a URL',
      "QUEUE_PREFIX=a:b: use letters, digits, '.', '_' or '-'",
    ]);
  });

  it('has each sweep limit under the variable its refusals name, with the limit as its default', () => {
    for (const [key, name] of Object.entries(LIMIT_VARIABLES)) {
      const entry = LIMIT_ENTRIES[key as keyof typeof LIMIT_VARIABLES];
      expect(entry.name).toBe(name);
      expect(entry.parser.parse(undefined, {})).toBe(DEFAULT_LIMITS[key as keyof typeof DEFAULT_LIMITS]);
      expect(entry.processes).toEqual(['api', 'worker', 'cli']);
    }
  });

  it('takes an empty value as unset', () => {
    const config = readApiConfig({ PORT: '', MAX_SWEEP_NUMBERS: '' });
    expect(config.port).toBe(3000);
    expect(config.limits.maxSweepNumbers).toBe(10_000_000);
  });

  it('keeps its cache where XDG puts caches, where TOKENSWEEP_CACHE_DIR says, or nowhere', () => {
    const cacheDir = (env: Record<string, string>) => readCliConfig(env).config.models.cacheDir;
    expect(cacheDir({ HOME: '/home/u', XDG_CACHE_HOME: '/var/cache/u' })).toBe('/var/cache/u/tokensweep');
    expect(cacheDir({ TOKENSWEEP_CACHE_DIR: '/data/ts-cache' })).toBe('/data/ts-cache');
    expect(cacheDir({ TOKENSWEEP_CACHE_DIR: 'relative' })).toBe(path.resolve('relative'));
    expect(cacheDir({ TOKENSWEEP_CACHE_DIR: 'off' })).toBeUndefined();
    expect(readWorkerConfig({ TOKENSWEEP_CACHE_DIR: 'off' }).models.cacheDir).toBeUndefined();
  });

  it("is the README's configuration table, row for row", async () => {
    const rows = await readmeRows();
    const expected = CONFIG_VARIABLES.map((v) => [
      `\`${v.name}\``,
      usedBy(v),
      v.description,
      v.parser.shownDefault,
    ]);
    const markdown = (row: string[]) => `| ${row.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
    expect(rows.map(markdown).join('\n')).toBe(expected.map(markdown).join('\n'));
  });
});

describe('docker-compose.yml against the table', () => {
  const environment = async () => {
    const compose = parse(await readFile(path.join(REPO, 'docker-compose.yml'), 'utf8'), {
      merge: true,
    });
    const env = (name: string) => Object.keys(compose.services[name].environment ?? {});
    return { shared: Object.keys(compose['x-shared-environment']), api: env('api'), worker: env('worker') };
  };

  it('sets once, for both api and worker, exactly the variables they must agree on', async () => {
    const { shared } = await environment();
    const agreed = CONFIG_VARIABLES.filter((v) => v.shared).map((v) => v.name);
    expect(shared.sort()).toEqual(agreed.sort());
    for (const name of agreed) {
      const entry = CONFIG_VARIABLES.find((v) => v.name === name)!;
      expect(entry.processes, name).toEqual(expect.arrayContaining(['api', 'worker']));
    }
  });

  it.each(['api', 'worker'] as const)('gives %s only variables it reads', async (process) => {
    const env = (await environment())[process];
    expect(env.filter((name) => !variablesReadBy(process).includes(name))).toEqual([]);
  });
});
