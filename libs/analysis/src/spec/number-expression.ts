/** One item of a number expression: every `start + k·step` up to and including `last`. */
export interface Progression {
  start: number;
  step: number;
  last: number;
}

const ITEM = /^(-?\d+)(?:\.\.(-?\d+)(?::(\d+))?)?$/;

/**
 * Parses `A`, `A..B` or `A..B:STEP` items separated by commas into progressions.
 * Throws an Error whose message names the offending item; values must be safe integers.
 */
export function parseNumberExpression(expression: string): Progression[] {
  if (typeof expression !== 'string' || expression.trim() === '') {
    throw new Error('is empty; expected items like "0..999", "-5", "0..100:10" separated by commas');
  }
  return expression.split(',').map((raw) => parseItem(raw.trim()));
}

function parseItem(item: string): Progression {
  if (item === '') throw new Error('has an empty item (two commas in a row, or a trailing comma)');
  const match = ITEM.exec(item);
  if (!match) {
    throw new Error(
      `item "${truncate(item)}" is malformed; expected A, A..B or A..B:STEP with integers A, B and STEP >= 1`,
    );
  }
  const start = toSafeInteger(match[1], item);
  const end = match[2] === undefined ? start : toSafeInteger(match[2], item);
  const step = match[3] === undefined ? 1 : toSafeInteger(match[3], item);
  if (step < 1) throw new Error(`item "${item}" has step ${step}; STEP must be at least 1`);
  if (start > end)
    throw new Error(`item "${item}" starts after it ends (${start} > ${end}); write it as ${end}..${start}`);
  const last = start + Math.floor((end - start) / step) * step;
  return { start, step, last };
}

function toSafeInteger(digits: string, item: string): number {
  const value = Number(digits);
  if (!Number.isSafeInteger(value)) {
    throw new Error(`item "${truncate(item)}" has ${truncate(digits)}, outside ±(2^53 - 1)`);
  }
  return value;
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
