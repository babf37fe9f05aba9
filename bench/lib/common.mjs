// Shared helpers of the benchmark suite: the built library, timing, statistics, the machine and its load.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const require = createRequire(path.join(REPO, 'package.json'));

/** A module of the compiled library (`dist/libs/analysis/src/<relative>.js`); `npm run build` makes them. */
export function lib(relative) {
  const file = path.join(REPO, 'dist/libs/analysis/src', `${relative}.js`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return require(file);
}

export const now = () => performance.now();

/** Median of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `fn` once to warm up, then `runs` times; the milliseconds of each timed run. */
export async function timeRuns(fn, runs = 5, warmup = 1, { collectBetween = false } = {}) {
  for (let i = 0; i < warmup; i++) await fn(-1);
  const times = [];
  for (let i = 0; i < runs; i++) {
    if (collectBetween) globalThis.gc();
    const start = now();
    await fn(i);
    times.push(now() - start);
  }
  return times;
}

/** The 1-, 5- and 15-minute load averages. */
export function loadAverage() {
  const [one, five, fifteen] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  return { one, five, fifteen };
}

/** CPU model, cores, memory and Node version, as results.json records them. */
export function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const flags = /^flags\s*:\s*(.+)$/m.exec(cpuinfo)?.[1].split(' ') ?? [];
  return {
    cpu: model.trim(),
    cores: os.availableParallelism?.() ?? os.cpus().length,
    simd: ['avx2', 'fma', 'avx512f'].filter((f) => flags.includes(f)),
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAtStart: loadAverage(),
  };
}

/**
 * Polls the load average (other work shares the machine) until the 1-minute figure is below `threshold`,
 * for at most `maxSeconds`; says how long it waited and what it saw.
 */
export async function waitForQuiet(threshold, maxSeconds, log) {
  const start = now();
  let load = loadAverage();
  while (load.one >= threshold && (now() - start) / 1000 < maxSeconds) {
    log(
      `  load ${load.one.toFixed(2)} ≥ ${threshold}; waiting (${Math.round((now() - start) / 1000)} s of at most ${maxSeconds} s)`,
    );
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    load = loadAverage();
  }
  return { waitedS: Math.round((now() - start) / 1000), load };
}

/** Peak and current resident memory of a process, in MiB, from /proc (null once it has exited). */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/** A seeded uniform generator in [0, 1): the library's own (mulberry32), the same seed, the same data. */
export function seeded(seed) {
  return lib('compute/seeded-random').seededUniform(seed);
}

/** `count` random unit vectors of width `dim`, row-major float32. */
export function unitVectors(count, dim, seed) {
  const random = seeded(seed);
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      const v = random() - 0.5;
      out[i * dim + d] = v;
      norm += v * v;
    }
    const scale = 1 / Math.sqrt(norm);
    for (let d = 0; d < dim; d++) out[i * dim + d] *= scale;
  }
  return out;
}

/** A row of the printed table (and of results.json). `goal` is text; `pass` true/false/null when no goal. */
export function row(id, what, value, unit, extra = {}) {
  return {
    id,
    what,
    value,
    unit,
    anchor: null,
    anchorValue: null,
    ratio: null,
    goal: null,
    pass: null,
    note: null,
    ...extra,
  };
}

export const round = (value, digits = 1) =>
  value === null || value === undefined || Number.isNaN(value) ? null : +value.toFixed(digits);
