import os from 'node:os';
import path from 'node:path';

/** An environment as processes receive it. */
export type Environment = Record<string, string | undefined>;

/**
 * How one variable's value is read: `parse` gets the raw value (undefined when unset or empty) and
 * the whole environment (for defaults taken from other variables), and throws a ConfigValueError
 * saying what was expected. `shownDefault` is the default as the README states it.
 */
export interface ConfigParser<T> {
  parse(raw: string | undefined, env: Environment): T;
  shownDefault: string;
}

/** A value a variable cannot take; the reader reports it as `NAME=value: <message>`. */
export class ConfigValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigValueError';
  }
}

const code = (value: string | number) => `\`${value}\``;

/** An integer from `min` to `max`; `fallback` may be computed at start-up (`shown` then says how). */
export function integer(
  fallback: number | (() => number),
  { min = 0, max = Number.MAX_SAFE_INTEGER, shown }: { min?: number; max?: number; shown?: string } = {},
): ConfigParser<number> {
  return {
    shownDefault: shown ?? code(fallback as number),
    parse(raw) {
      if (raw === undefined) return typeof fallback === 'function' ? fallback() : fallback;
      const value = Number(raw);
      if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max)
        throw new ConfigValueError(`expected an integer from ${min} to ${max}`);
      return value;
    },
  };
}

/** `1`/`0` (also true/false, yes/no, on/off); unset is off. */
export function flag(): ConfigParser<boolean> {
  return {
    shownDefault: 'off',
    parse(raw) {
      const value = raw?.toLowerCase();
      if (value === undefined) return false;
      if (['1', 'true', 'yes', 'on'].includes(value)) return true;
      if (['0', 'false', 'no', 'off'].includes(value)) return false;
      throw new ConfigValueError('expected 1 or 0');
    },
  };
}

/** A URL with one of `protocols`. */
export function url(fallback: string, protocols: string[]): ConfigParser<string> {
  return {
    shownDefault: code(fallback),
    parse(raw) {
      const value = raw ?? fallback;
      let parsed: URL | undefined;
      try {
        parsed = new URL(value);
      } catch {
        // reported below
      }
      if (!parsed || !protocols.includes(parsed.protocol)) throw new ConfigValueError('expected a URL');
      return value;
    },
  };
}

/** An optional URL with one of `protocols`, unset by default (`shown` says what unset means). */
export function optionalUrl(protocols: string[], shown = '—'): ConfigParser<string | undefined> {
  return {
    shownDefault: shown,
    parse(raw) {
      if (raw === undefined) return undefined;
      let parsed: URL | undefined;
      try {
        parsed = new URL(raw);
      } catch {
        // reported below
      }
      if (!parsed || !protocols.includes(parsed.protocol) || !parsed.host)
        throw new ConfigValueError(`expected an ${protocols.map((p) => `${p}//`).join(' or ')} URL`);
      return raw;
    },
  };
}

/** Free text, unset by default (`shown` says what unset means). */
export function optionalText(shown = '—'): ConfigParser<string | undefined> {
  return { shownDefault: shown, parse: (raw) => raw };
}

/** Text matching `pattern` (`expected` says what it allows), `fallback` when unset. */
export function text(fallback: string, pattern = /^/, expected = ''): ConfigParser<string> {
  return {
    shownDefault: code(fallback),
    parse(raw) {
      const value = raw ?? fallback;
      if (!pattern.test(value)) throw new ConfigValueError(expected);
      return value;
    },
  };
}

/** A directory, resolved against the working directory; `fallback` when unset (none if undefined). */
export function directory(fallback: string): ConfigParser<string>;
export function directory(): ConfigParser<string | undefined>;
export function directory(fallback?: string): ConfigParser<string | undefined> {
  return {
    shownDefault: fallback === undefined ? '—' : code(fallback),
    parse: (raw) => {
      const value = raw ?? fallback;
      return value === undefined ? undefined : path.resolve(value);
    },
  };
}

/**
 * tokensweep's own cache: the value (`off` for none), else XDG_CACHE_HOME/tokensweep, else
 * ~/.cache/tokensweep.
 */
export function cacheDir(): ConfigParser<string | undefined> {
  return {
    shownDefault: '`~/.cache/tokensweep`',
    parse(raw, env) {
      if (raw === 'off') return undefined;
      return raw !== undefined ? path.resolve(raw) : path.join(userCacheDir(env), 'tokensweep');
    },
  };
}

/** The Hugging Face cache root as huggingface_hub finds it: HF_HOME, else XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface. */
export function hfHome(): ConfigParser<string> {
  return {
    shownDefault: '`~/.cache/huggingface`',
    parse(raw, env) {
      return raw !== undefined ? path.resolve(raw) : path.join(userCacheDir(env), 'huggingface');
    },
  };
}

/** Where a user's caches go: XDG_CACHE_HOME, else ~/.cache. */
function userCacheDir(env: Environment): string {
  return env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
}
