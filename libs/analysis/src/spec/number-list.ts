import { createHash } from 'node:crypto';
import { ArrayLiterals } from './json-number-literals';
import type { SweepSpec } from './sweep-spec';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const LITERAL = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
/** Problems listed one by one before the rest are only counted. */
const MAX_LISTED = 5;

/**
 * Validates a list of integers (a `numbers` array): every element a JSON number that is an integer
 * within ±(2^53 − 1), judged on its source text where `literals` has it (parsing rounds), at least
 * one element. Returns the list sorted ascending without duplicates; throws naming each bad index.
 */
export function readNumberList(value: unknown[], literals?: ArrayLiterals | null): number[] {
  if (value.length === 0) throw new Error('is an empty list; give at least one integer');
  const problems: string[] = [];
  for (let i = 0; i < value.length; i++) {
    const problem = elementProblem(value[i], literals?.[i] ?? null);
    if (problem === null) continue;
    if (problems.length < MAX_LISTED) problems.push(`[${i}] ${problem}`);
    else problems.push('');
  }
  if (problems.length > 0) {
    const listed = problems.filter(Boolean);
    const more = problems.length - listed.length;
    throw new Error(`${listed.join('; ')}${more > 0 ? `; and ${more} more` : ''}`);
  }
  return sortedUnique(value as number[]);
}

/** The sorted, de-duplicated copy of a list of safe integers. */
export function sortedUnique(list: readonly number[]): number[] {
  const sorted = Float64Array.from(list).sort();
  const out: number[] = [];
  // `+ 0` makes -0 plain 0: JSON would write both as 0, and they must be one number
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) out.push(sorted[i] + 0);
  return out;
}

function elementProblem(element: unknown, literal: string | null): string | null {
  const expected = `must be an integer within ±${Number.MAX_SAFE_INTEGER}`;
  if (typeof element !== 'number') return `${expected}, got ${describeElement(element)}`;
  if (literal !== null) {
    const exact = literalInteger(literal);
    if (exact === 'fraction') return `${expected}, got ${shorten(literal)} (not an integer)`;
    if (exact === 'huge' || exact > MAX_SAFE || exact < -MAX_SAFE)
      return `${expected}, got ${shorten(literal)} (past the bound: it would be rounded)`;
    return null;
  }
  if (!Number.isInteger(element)) return `${expected}, got ${element} (not an integer)`;
  if (!Number.isSafeInteger(element)) return `${expected}, got ${element} (past the bound)`;
  return null;
}

/** The exact value of a JSON number literal when it is an integer; 'fraction' or 'huge' otherwise. */
function literalInteger(literal: string): bigint | 'fraction' | 'huge' {
  const match = LITERAL.exec(literal);
  if (!match) return 'fraction';
  const [, sign, whole, fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  const digits = (whole + fraction).replace(/^0+(?=\d)/, '');
  const scale = exponent - fraction.length; // value = digits × 10^scale
  if (/^0+$/.test(digits)) return 0n;
  if (scale >= 0) {
    // more than 16 significant digits past the point of 2^53 cannot be safe: no need to expand 1e999
    if (digits.length + scale > 17) return 'huge';
    return BigInt(sign + digits + '0'.repeat(scale));
  }
  const cut = digits.length + scale;
  if (!/^0*$/.test(digits.slice(Math.max(0, cut)))) return 'fraction';
  if (cut <= 0) return 0n;
  if (cut > 17) return 'huge';
  return BigInt(sign + digits.slice(0, cut));
}

function describeElement(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(shorten(value))}`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${shorten(String(value))}`;
}

function shorten(text: string): string {
  return text.length > 30 ? `${text.slice(0, 30)}…` : text;
}

/** What chunk jobs carry in place of a sweep's list of numbers: the list lives once with the sweep. */
export interface NumberListRef {
  /** sha256 of the sorted list's JSON, so that a worker can tell it read the list the job means. */
  listSha256: string;
  count: number;
}

/** The reference to a sorted, de-duplicated list. */
export function numberListRef(list: readonly number[]): NumberListRef {
  return { listSha256: numberListSha256(list), count: list.length };
}

export function numberListSha256(list: readonly number[]): string {
  return createHash('sha256').update(JSON.stringify(list)).digest('hex');
}

export function isNumberListRef(value: unknown): value is NumberListRef {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const ref = value as Partial<NumberListRef>;
  return (
    typeof ref.listSha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(ref.listSha256) &&
    Number.isSafeInteger(ref.count) &&
    (ref.count as number) > 0 &&
    Object.keys(value).length === 2
  );
}

/** A spec whose list of numbers, if it has one, is replaced by its reference: what chunk jobs and the sweep record hold. */
export type SpecByReference = Omit<SweepSpec, 'numbers'> & { numbers: string | NumberListRef };

/** The spec with its list (if any) replaced by a reference; an expression stays as it is. */
export function referToList(spec: SweepSpec): SpecByReference {
  const { numbers } = spec;
  return { ...spec, numbers: typeof numbers === 'string' ? numbers : numberListRef(numbers) };
}

/**
 * Puts `list` back in place of the reference in `spec`, after checking that it is the list the
 * reference names; throws saying so otherwise.
 */
export function withNumberList(spec: SpecByReference, list: readonly number[] | null): SweepSpec {
  if (!isNumberListRef(spec.numbers)) return spec as SweepSpec;
  if (list === null) throw new Error('numbers: the sweep has no stored list of numbers (was it purged?)');
  if (list.length !== spec.numbers.count || numberListSha256(list) !== spec.numbers.listSha256)
    throw new Error('numbers: the stored list of numbers is not the one this sweep was submitted with');
  return { ...spec, numbers: [...list] };
}
