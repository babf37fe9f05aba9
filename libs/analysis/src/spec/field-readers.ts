/** Readers of one field of a spec body: each returns the value or throws an Error saying what is wrong with it. */

/** A non-empty list of `allowed` values, without duplicates. */
export function readEnumList<T extends string>(value: unknown, allowed: readonly T[], what: string): T[] {
  const list = readStringList(value, what);
  return [...new Set(list.map((item) => readEnum(item, allowed, what)))];
}

/** One of `allowed`. */
export function readEnum<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`unknown ${what} ${describe(value)}; expected one of ${allowed.join(', ')}`);
}

/** A list of 1 to 64 non-empty strings. */
export function readStringList(value: unknown, what: string): string[] {
  if (!Array.isArray(value)) throw new Error(`must be a list of ${what}s, got ${describe(value)}`);
  if (value.length === 0) throw new Error(`must name at least one ${what}`);
  if (value.length > 64) throw new Error(`has ${value.length} entries; at most 64`);
  for (const item of value) {
    if (typeof item !== 'string' || item.length === 0)
      throw new Error(`each ${what} must be a non-empty string, got ${describe(item)}`);
  }
  return value as string[];
}

/** true or false. */
export function readBoolean(value: unknown): boolean {
  if (typeof value !== 'boolean') throw new Error(`must be true or false, got ${describe(value)}`);
  return value;
}

/** An integer from `min` to `max`. */
export function readInteger(value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

/** A value as a refusal names it: strings quoted and shortened, lists and objects by kind. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(shorten(value));
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${shorten(String(value))}`;
}

/** At most 60 characters of `text`. */
export function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
