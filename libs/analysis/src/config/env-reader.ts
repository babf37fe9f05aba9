import os from 'node:os';
import path from 'node:path';

/** Reads typed values from an environment, collecting one line per bad variable. */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Record<string, string | undefined>) {}

  string(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  integer(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      this.problems.push(`${name}=${raw}: expected an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  boolean(name: string): boolean {
    const raw = this.string(name)?.toLowerCase();
    if (raw === undefined) return false;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    this.problems.push(`${name}=${raw}: expected 1 or 0`);
    return false;
  }

  url(name: string, fallback: string): string {
    const raw = this.string(name) ?? fallback;
    try {
      const url = new URL(raw);
      if (!['http:', 'https:', 'redis:', 'rediss:'].includes(url.protocol)) throw new Error();
      return raw;
    } catch {
      this.problems.push(`${name}=${raw}: expected a URL`);
      return fallback;
    }
  }
}

/** The Hugging Face cache root as huggingface_hub finds it: HF_HOME, else XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface. */
export function defaultHfHome(env: Record<string, string | undefined>): string {
  if (env.HF_HOME) return path.resolve(env.HF_HOME);
  const cache = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'huggingface');
}
