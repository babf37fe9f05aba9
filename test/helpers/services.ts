import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { variablesReadBy } from '@tokensweep/analysis';
import { ChildOutput, ExitStatus, exitOf, killOnExit } from './child-output';

const REPO = path.resolve(__dirname, '../..');
export const API_MAIN = path.join(REPO, 'dist/apps/api/src/main.js');
export const WORKER_MAIN = path.join(REPO, 'dist/apps/worker/src/main.js');

/**
 * Variables of the machine's environment that would change what a service does (above all a REDIS_URL
 * pointing at the machine's own Redis): every one the declared table lists, and any other Hugging
 * Face one the libraries might read. The children never inherit them; tests set what they mean to.
 */
const CONTROLLED = new Set([
  ...variablesReadBy('api'),
  ...variablesReadBy('worker'),
  ...variablesReadBy('cli'),
]);
const controlled = (name: string) => CONTROLLED.has(name) || /^(HF|AWS)_/.test(name);

/** The test run's own TOKENSWEEP_CACHE_DIR (test/global-setup.ts), which children keep too. */
export function testCache(): Record<string, string> {
  const dir = process.env.TOKENSWEEP_CACHE_DIR;
  return dir ? { TOKENSWEEP_CACHE_DIR: dir } : {};
}

/** The environment of a child: the machine's, less the controlled variables, plus `env`. */
export function childEnv(env: Record<string, string>): Record<string, string> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !controlled(entry[0]),
    ),
  );
  return { ...inherited, ...testCache(), NO_COLOR: '1', HF_HUB_OFFLINE: '1', ...env };
}

/** One API or worker process, started from the build, with its output kept for failure messages. */
export class ServiceProcess {
  readonly output: ChildOutput;

  private constructor(
    readonly label: string,
    readonly child: ChildProcess,
  ) {
    this.output = new ChildOutput(label);
    this.output.attach(child);
    killOnExit(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /**
   * Starts `main` with node; with a shell `prelude` (e.g. `ulimit -f 64`, for conditions only a shell
   * sets up) through `bash -c '<prelude>; exec node …'`, whose `exec` keeps the pid.
   */
  static spawn(
    label: string,
    main: string,
    env: Record<string, string>,
    prelude?: string,
    place: { cwd?: string; wrapper?: string[] } = {},
  ): ServiceProcess {
    if (!existsSync(main)) throw new Error(`${main} is missing; run \`npm run build\` before these tests`);
    const options = { cwd: place.cwd ?? REPO, stdio: ['ignore', 'pipe', 'pipe'] as ('ignore' | 'pipe')[] };
    // a wrapper runs node through another program that execs it (`ip netns exec NAME`: another host)
    const child = place.wrapper
      ? spawn(place.wrapper[0], [...place.wrapper.slice(1), process.execPath, main], {
          ...options,
          env: childEnv(env),
        })
      : prelude === undefined
        ? spawn(process.execPath, [main], { ...options, env: childEnv(env) })
        : spawn('bash', ['-c', `${prelude}; exec "$NODE" "$MAIN"`], {
            ...options,
            env: childEnv({ ...env, NODE: process.execPath, MAIN: main }),
          });
    return new ServiceProcess(label, child);
  }

  /** Awaits a line matching `pattern` (rejects if the process exits first). */
  waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    return this.output.waitFor(pattern, timeoutMs, this.child);
  }

  /** SIGTERM, then awaits the exit (SIGKILL after `timeoutMs`). */
  stop(timeoutMs = 15_000): Promise<ExitStatus> {
    return exitOf(this.child, timeoutMs);
  }
}

/** Starts the API with `env` (PORT=0 unless given) and resolves once it prints that it listens. */
export async function startApi(
  env: Record<string, string>,
): Promise<{ process: ServiceProcess; url: string }> {
  const api = ServiceProcess.spawn('api', API_MAIN, { PORT: '0', ...env });
  try {
    const [, port] = await api.waitFor(/tokensweep API listening on \S*:(\d+)\b/);
    return { process: api, url: `http://127.0.0.1:${port}` };
  } catch (error) {
    await api.stop(2_000);
    throw error;
  }
}

/** Starts a worker with `env` (under a shell `prelude` if given) and resolves once it prints `worker <pid> ready`. */
export async function startWorker(
  env: Record<string, string>,
  label = 'worker',
  prelude?: string,
): Promise<ServiceProcess> {
  const worker = ServiceProcess.spawn(label, WORKER_MAIN, env, prelude);
  try {
    await worker.waitFor(new RegExp(`worker ${worker.pid} ready`));
    return worker;
  } catch (error) {
    await worker.stop(2_000);
    throw error;
  }
}

/**
 * The API and N workers of one test file, sharing one environment. `stop()` ends them all with
 * SIGTERM and awaits their exits; `logs()` is their output for a failure message.
 */
export class Services {
  private constructor(
    readonly url: string,
    readonly api: ServiceProcess,
    readonly workers: ServiceProcess[],
  ) {}

  static async start(env: Record<string, string>, workers: number): Promise<Services> {
    const started: ServiceProcess[] = [];
    try {
      const api = await startApi(env);
      started.push(api.process);
      // one at a time: each loads its thread pool, and two cores are all CI may have
      const workerProcesses: ServiceProcess[] = [];
      for (let i = 0; i < workers; i++) {
        const worker = await startWorker(env, `worker ${i + 1}`);
        started.push(worker);
        workerProcesses.push(worker);
      }
      return new Services(api.url, api.process, workerProcesses);
    } catch (error) {
      await Promise.all(started.map((p) => p.stop(2_000)));
      throw error;
    }
  }

  get all(): ServiceProcess[] {
    return [this.api, ...this.workers];
  }

  logs(lines = 40): string {
    return this.all.map((p) => p.output.tail(lines)).join('\n');
  }

  /** SIGTERM to every process; resolves with their exit statuses once all have exited. */
  stop(): Promise<ExitStatus[]> {
    return Promise.all(this.all.map((p) => p.stop()));
  }
}
