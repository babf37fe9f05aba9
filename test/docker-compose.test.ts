import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '@tokensweep/analysis';
import { readApiConfig } from '../apps/api/src/config/api-config';
import { readWorkerConfig } from '../apps/worker/src/config/worker-config';

/**
 * No Docker engine runs here, so docker-compose.yml and the Dockerfile are kept honest by reading
 * them against the code: the commands start what `npm run build` produces, and every variable the
 * services are given is one the code reads (the declared table of configuration, which the readers
 * read through: test/configuration.test.ts checks that they read exactly its entries).
 */
const REPO = path.resolve(__dirname, '..');
const READ_CONFIG = { api: readApiConfig, worker: readWorkerConfig };

interface ComposeService {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, string | number | null> | string[];
  volumes?: string[];
  ports?: string[];
  container_name?: string;
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] };
}

function words(command: string | string[] | undefined): string[] {
  if (command === undefined) return [];
  return Array.isArray(command) ? command.map(String) : command.trim().split(/\s+/);
}

function dependsOn(service: ComposeService): string[] {
  const deps = service.depends_on ?? [];
  return Array.isArray(deps) ? deps : Object.keys(deps);
}

function environment(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  const pairs = Array.isArray(env)
    ? env.map((line) => line.split(/=(.*)/s).slice(0, 2))
    : Object.entries(env);
  return Object.fromEntries(pairs.map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]));
}

/** `${NAME:-default}` as Compose substitutes it when NAME is unset; `${NAME}` as the empty string. */
function withDefaults(value: string): string {
  return value.replace(
    /\$\{[A-Z0-9_]+(?::?-([^}]*))?\}/g,
    (_, fallback: string | undefined) => fallback ?? '',
  );
}

describe('docker-compose.yml', () => {
  let services: Record<string, ComposeService>;
  let volumes: Record<string, unknown>;
  let scripts: Record<string, string>;
  let configVariables: Set<string>;

  beforeAll(async () => {
    // merge keys (`<<: *shared-environment`), as Docker Compose reads them
    const compose = parse(await readFile(path.join(REPO, 'docker-compose.yml'), 'utf8'), { merge: true });
    services = compose.services;
    volumes = compose.volumes ?? {};
    scripts = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')).scripts;
    configVariables = new Set(CONFIG_VARIABLES.flatMap((v) => [v.name, ...(v.alsoReads ?? [])]));
  });

  it('finds the configuration variables in the declared table (the list this test checks against)', () => {
    for (const name of [
      'REDIS_URL',
      'QUEUE_PREFIX',
      'RESULTS_DIR',
      'PORT',
      'WORKER_CONCURRENCY',
      'MAX_SWEEP_NUMBERS',
      'MODELS_DIR',
      'HF_TOKEN',
      'HF_HOME',
    ]) {
      expect(configVariables).toContain(name);
    }
    expect(configVariables.size).toBeGreaterThanOrEqual(20);
  });

  it('has the services redis, api and worker', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'redis', 'worker']);
  });

  it('runs Redis with AOF on and maxmemory-policy noeviction (queues and sweep state must not be evicted)', () => {
    const command = words(services.redis.command).join(' ');
    expect(command).toMatch(/^redis-server\b/);
    expect(command).toMatch(/--appendonly yes\b/);
    expect(command).toMatch(/--maxmemory-policy noeviction\b/);
    // and keeps its data in a volume
    expect(services.redis.volumes?.some((v) => v.endsWith(':/data'))).toBe(true);
  });

  it.each([
    ['api', 'start:api', 'dist/apps/api/src/main.js'],
    ['worker', 'start:worker', 'dist/apps/worker/src/main.js'],
  ])('starts %s with the file `npm run build` produces, as package.json’s %s does', (name, script, main) => {
    const command = words(services[name].command);
    expect(command).toEqual(['node', main]);
    expect(scripts[script]).toBe(command.join(' '));
    expect(existsSync(path.join(REPO, main)), `${main}: run \`npm run build\` first`).toBe(true);
  });

  it.each(['api', 'worker'] as const)(
    'gives %s only variables the code reads, with values it accepts',
    (name) => {
      const env = environment(services[name]);
      expect(Object.keys(env).length).toBeGreaterThan(0);
      const unknown = Object.keys(env).filter((variable) => !configVariables.has(variable));
      expect(unknown, `${name} sets variables that no config reader reads`).toEqual([]);
      const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, withDefaults(v)]));
      const config = READ_CONFIG[name](resolved);
      expect(config.redisUrl).toBe('redis://redis:6379');
    },
  );

  it('points REDIS_URL of api and worker at the redis service', () => {
    for (const name of ['api', 'worker']) {
      const url = new URL(environment(services[name]).REDIS_URL);
      expect(url.hostname).toBe('redis');
      expect(Object.keys(services)).toContain(url.hostname);
      expect(dependsOn(services[name])).toContain('redis');
    }
  });

  it('shares one results volume (and the model cache) between api and worker, mounted where the variables say', () => {
    const mounts = (name: string) =>
      Object.fromEntries(
        (services[name].volumes ?? []).map((v) => v.split(':')).map(([source, target]) => [target, source]),
      );
    for (const variable of ['RESULTS_DIR', 'HF_HOME']) {
      const api = environment(services.api)[variable];
      const worker = environment(services.worker)[variable];
      expect(api, variable).toBe(worker);
      expect(mounts('api')[api], `${variable} ${api} is a volume of api`).toBeDefined();
      expect(mounts('worker')[worker]).toBe(mounts('api')[api]);
      expect(Object.keys(volumes)).toContain(mounts('api')[api]);
    }
  });

  it('gives the worker the sweep limits of the api (workers check each job against them again)', () => {
    const limits = [...configVariables]
      .filter((v) => /^MAX_(SWEEP|MATRIX|FOURIER|PCA|NEIGHBOR)_/.test(v))
      .sort();
    expect(limits).toEqual([
      'MAX_FOURIER_NUMBERS',
      'MAX_MATRIX_NUMBERS',
      'MAX_NEIGHBOR_NUMBERS',
      'MAX_PCA_NUMBERS',
      'MAX_SWEEP_CHUNKS',
      'MAX_SWEEP_NUMBERS',
    ]);
    for (const variable of limits) {
      expect(environment(services.api)[variable], variable).toBeDefined();
      expect(environment(services.worker)[variable], variable).toBe(environment(services.api)[variable]);
    }
  });

  it('lets the worker scale (--scale worker=N): no fixed container name, no host ports', () => {
    expect(services.worker.container_name).toBeUndefined();
    expect(services.worker.ports).toBeUndefined();
  });

  it('has the api listen on the PORT it publishes and health-checks', () => {
    const port = environment(services.api).PORT;
    expect(services.api.ports).toContain(`${port}:${port}`);
    expect(services.api.healthcheck?.test.join(' ')).toContain(`:${port}/health/ready`);
  });

  it('builds one image for both apps: the api builds it, the worker runs the same image', () => {
    const built = Object.entries(services)
      .filter(([, s]) => s.build !== undefined)
      .map(([name]) => name);
    expect(built).toEqual(['api']);
    const context = typeof services.api.build === 'string' ? services.api.build : services.api.build!.context;
    expect(path.resolve(REPO, context)).toBe(REPO);
    expect(services.api.image).toBeTruthy();
    expect(services.worker.image).toBe(services.api.image);
    expect(dependsOn(services.worker)).toContain('api');
  });
});

describe('Dockerfile', () => {
  let lines: string[];

  beforeAll(async () => {
    lines = (await readFile(path.join(REPO, 'Dockerfile'), 'utf8'))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
  });

  it('builds once (npm run build in the build stage) and ships dist, node_modules and bin', () => {
    expect(lines.filter((l) => /\bnpm run build\b/.test(l))).toHaveLength(1);
    const stages = lines.filter((l) => l.startsWith('FROM '));
    expect(stages).toHaveLength(2);
    for (const dir of ['dist', 'node_modules', 'bin']) {
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^COPY --from=build /app/${dir} \\./${dir}$`)),
      );
    }
  });

  it('installs from the lock file with the .npmrc the repository has', () => {
    expect(lines).toContainEqual(expect.stringMatching(/^RUN npm ci\b/));
    const copied = lines
      .find((l) => l.startsWith('COPY package.json'))!
      .split(/\s+/)
      .slice(1, -1);
    for (const file of copied) expect(existsSync(path.join(REPO, file)), file).toBe(true);
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json']));
  });

  it('keeps out of the build context nothing the build needs', async () => {
    const ignored = (await readFile(path.join(REPO, '.dockerignore'), 'utf8'))
      .split('\n')
      .map((l) => l.trim());
    for (const needed of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'apps',
      'libs',
      'bin',
    ]) {
      expect(ignored).not.toContain(needed);
    }
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist']));
  });

  it('sets only variables the code reads, and defaults to the api command', async () => {
    const known = new Set(CONFIG_VARIABLES.map((v) => v.name));
    const env = lines
      .filter((l) => l.startsWith('ENV '))
      .flatMap((l) => [...l.matchAll(/([A-Z0-9_]+)=/g)].map((m) => m[1]));
    for (const variable of env.filter((v) => v !== 'NODE_ENV')) expect(known, variable).toContain(variable);
    const cmd = lines.find((l) => l.startsWith('CMD '))!;
    expect(JSON.parse(cmd.slice(4))).toEqual(['node', 'dist/apps/api/src/main.js']);
  });
});
