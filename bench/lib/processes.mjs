// Child processes of the benchmark: timed runs with their peak memory, and the distributed stack.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { memoryOf, now, REPO } from './common.mjs';

const TIME = '/usr/bin/time';

/**
 * Runs a command to its end: wall seconds, and peak resident memory in MiB (GNU time's %M where it is
 * installed, else the VmHWM of /proc sampled every 100 ms). Rejects on a non-zero exit, with its output.
 */
export function runMeasured(command, args, options = {}) {
  const timed = existsSync(TIME);
  const child = spawn(timed ? TIME : command, timed ? ['-f', '%M', command, ...args] : args, {
    cwd: options.cwd ?? REPO,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let sampledPeak = 0;
  const sampler = timed
    ? null
    : setInterval(() => {
        const memory = memoryOf(child.pid);
        if (memory) sampledPeak = Math.max(sampledPeak, memory.peakMiB);
      }, 100);
  child.stdout.setEncoding('utf8').on('data', (s) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s) => (stderr += s));
  const start = now();
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallS = (now() - start) / 1000;
      if (sampler) clearInterval(sampler);
      if (code !== 0)
        return reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${stderr.slice(-3000)}`));
      let peakMiB = sampledPeak;
      if (timed) {
        const lines = stderr.trimEnd().split('\n');
        peakMiB = Number(lines.pop()) / 1024;
        stderr = lines.join('\n');
      }
      resolve({ wallS, peakMiB, stdout, stderr });
    });
  });
}

/** A TCP port of 127.0.0.1 that nothing listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** A long-running child whose output is kept; `waitFor(re)` awaits a line, `stop()` sends SIGTERM and awaits the exit. */
class Service {
  constructor(label, child) {
    this.label = label;
    this.child = child;
    this.output = '';
    this.listeners = new Set();
    const take = (s) => {
      this.output += s;
      for (const listener of this.listeners) listener();
    };
    child.stdout.setEncoding('utf8').on('data', take);
    child.stderr.setEncoding('utf8').on('data', take);
    child.on('exit', (code, signal) => take(`[${label} exited: code ${code}, signal ${signal}]\n`));
    living.add(child);
    child.once('exit', () => living.delete(child));
  }

  get pid() {
    return this.child.pid;
  }

  waitFor(pattern, timeoutMs = 60_000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = this.output.replace(ANSI, '').match(pattern);
        if (match) finish(null, match);
        else if (this.child.exitCode !== null)
          finish(new Error(`${this.label} exited before printing ${pattern}\n${this.output.slice(-2000)}`));
      };
      const timer = setTimeout(
        () =>
          finish(
            new Error(`${this.label} printed no ${pattern} in ${timeoutMs} ms\n${this.output.slice(-2000)}`),
          ),
        timeoutMs,
      );
      const finish = (error, match) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        if (error) reject(error);
        else resolve(match);
      };
      this.listeners.add(check);
      check();
    });
  }

  stop(timeoutMs = 15_000) {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const living = new Set();
process.once('exit', () => {
  for (const child of living) child.kill('SIGKILL');
});

/**
 * Its own redis-server on a free port of 127.0.0.1 (never the machine's), the API and workers built in
 * dist/, a fresh results directory; MODELS_DIR is the caller's. `close()` stops everything it started.
 */
export class Stack {
  constructor(root, env, repo) {
    this.root = root;
    this.env = env;
    this.repo = repo;
    this.workers = [];
  }

  /** Redis and the API of the checkout at `repo` (this one unless a baseline's), on free ports. */
  static async start({ modelsDir, env = {}, repo = REPO }) {
    const root = await mkdtemp(path.join(os.tmpdir(), 'tokensweep-bench-stack-'));
    const port = await freePort();
    const stack = new Stack(
      root,
      {
        REDIS_URL: `redis://127.0.0.1:${port}`,
        QUEUE_PREFIX: `bench-${process.pid}`,
        RESULTS_DIR: path.join(root, 'results'),
        MODELS_DIR: modelsDir,
        HF_HOME: path.join(root, 'hf'),
        HF_HUB_OFFLINE: '1',
        SHUTDOWN_TIMEOUT_MS: '5000',
        NO_COLOR: '1',
        ...env,
      },
      repo,
    );
    try {
      stack.redis = new Service(
        'redis-server',
        spawn(
          'redis-server',
          [
            '--port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--dir',
            root,
            '--save',
            '',
            '--appendonly',
            'no',
            '--maxmemory-policy',
            'noeviction',
          ],
          {
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        ),
      );
      await stack.redis.waitFor(/Ready to accept connections/, 10_000);
      stack.api = stack.spawn('api', 'dist/apps/api/src/main.js', { PORT: '0' });
      const [, apiPort] = await stack.api.waitFor(/tokensweep API listening on \S*:(\d+)\b/);
      stack.url = `http://127.0.0.1:${apiPort}`;
    } catch (error) {
      await stack.close();
      throw error;
    }
    return stack;
  }

  spawn(label, main, env = {}) {
    const controlled =
      /^(REDIS_URL|QUEUE_PREFIX|RESULTS_DIR|MODELS_DIR|HF_.*|PORT|API_KEY|RATE_LIMIT_PER_MINUTE|MAX_.*|WORKER_CONCURRENCY|TOKENSWEEP_.*)$/;
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !controlled.test(key)),
    );
    const child = spawn(process.execPath, [path.join(this.repo, main)], {
      cwd: this.repo,
      env: { ...inherited, ...this.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Service(label, child);
  }

  /** Starts `count` more workers, one at a time, each ready before the next. */
  async addWorkers(count, env = {}) {
    for (let i = 0; i < count; i++) {
      const worker = this.spawn(`worker ${this.workers.length + 1}`, 'dist/apps/worker/src/main.js', env);
      this.workers.push(worker);
      await worker.waitFor(new RegExp(`worker ${worker.pid} ready`));
    }
  }

  async stopWorkers() {
    await Promise.all(this.workers.map((w) => w.stop()));
    this.workers = [];
  }

  async request(method, route, body) {
    const response = await fetch(`${this.url}${route}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${route} answered ${response.status}: ${text}`);
    return JSON.parse(text);
  }

  /** Submits a sweep and polls it until it ends; seconds from POST to completed. */
  async runSweep(spec, timeoutS = 600) {
    const start = now();
    const { id, chunks } = await this.request('POST', '/sweeps', spec);
    for (;;) {
      const sweep = await this.request('GET', `/sweeps/${id}`);
      if (sweep.status === 'completed') return { id, chunks, seconds: (now() - start) / 1000 };
      if (sweep.status === 'failed' || sweep.status === 'cancelled')
        throw new Error(`sweep ${id} ${sweep.status}: ${sweep.error}\n${this.logs()}`);
      if ((now() - start) / 1000 > timeoutS)
        throw new Error(
          `sweep ${id} not done after ${timeoutS} s: ${JSON.stringify(sweep.progress)}\n${this.logs()}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  logs() {
    return [this.api, ...this.workers]
      .filter(Boolean)
      .map((s) => `--- ${s.label}\n${s.output.slice(-1500)}`)
      .join('\n');
  }

  async close() {
    await Promise.all([this.api, ...this.workers].filter(Boolean).map((s) => s.stop()));
    await this.redis?.stop();
    await rm(this.root, { recursive: true, force: true });
  }
}
