import { createHash } from 'node:crypto';
import { formatModelRef, modelSlug, parseModelRef } from '../models/model-ref';
import { countTasks } from '../plan/plan-sweep';
import { DEFAULT_LIMITS, LIMIT_VARIABLES, SweepLimits } from './limits';
import {
  describe,
  readBoolean,
  readEnum,
  readEnumList,
  readInteger,
  readStringList,
  shorten,
} from './field-readers';
import { ArrayLiterals } from './json-number-literals';
import { parseNumberExpression } from './number-expression';
import { readNumberList } from './number-list';
import { NumberSet, NumberSetTooLarge } from './number-set';
import { SpecError } from './spec-error';
import { ANALYSES, Analysis, MATRIX_KINDS, NUMBER_FORMATS, NumberFormat, POOLINGS } from './vocabulary';
import type { MatrixKind, Pooling } from './vocabulary';

/** A validated sweep spec with every default filled in: what spec.json holds and what job data carries. */
export interface SweepSpec {
  models: string[];
  /** A number expression, or a list of integers (sorted ascending, without duplicates once normalized). */
  numbers: string | number[];
  formats: NumberFormat[];
  analyses: Analysis[];
  matrix: MatrixKind;
  pooling: Pooling;
  plots: boolean;
  chunkSize: number;
  tileSize: number;
}

export const SPEC_FIELDS = [
  'models',
  'numbers',
  'formats',
  'analyses',
  'matrix',
  'pooling',
  'plots',
  'chunkSize',
  'tileSize',
] as const;

export const DEFAULT_SPEC: SweepSpec = {
  models: ['gpt2'],
  numbers: '-1000..1000',
  formats: ['plain'],
  analyses: ['tokens', 'sign-symmetry', 'successive-cosine', 'cosine-matrix'],
  matrix: 'input',
  pooling: 'none',
  plots: false,
  // a chunk's fixed costs (a job, a part file synced per analysis, a footer read at the end) are a
  // few ms: at 50,000 numbers they stay a small share of a chunk's 60-70 ms of work
  chunkSize: 50_000,
  tileSize: 1_024,
};

const MAX_MODELS = 16;
const MAX_EXPRESSION_LENGTH = 10_000;
const MAX_CHUNK_SIZE = 1_000_000;

export interface SpecOptions {
  limits?: SweepLimits;
  /** Whether model arguments may be local directories (the CLI) or only Hub ids (the API, job data). */
  allowLocalModels?: boolean;
  /**
   * The source text of each element of a `numbers` list, as the raw body wrote it (see
   * jsonArrayLiterals): parsing rounds, so only the text tells 9007199254740993 or 1.0000000000000001
   * from a safe integer.
   */
  numberLiterals?: ArrayLiterals | null;
}

/** A parsed spec together with its expanded number set. */
export interface ParsedSpec {
  spec: SweepSpec;
  numbers: NumberSet;
}

/**
 * Validates untrusted input (CLI flags, an HTTP body, job data) against the one spec schema, fills
 * defaults, and throws a SpecError listing every problem, each naming its field.
 */
export function parseSweepSpec(input: unknown, options: SpecOptions = {}): ParsedSpec {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const problems: string[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new SpecError(['the spec must be a JSON object with fields ' + SPEC_FIELDS.join(', ')]);
  }
  const body = input as Record<string, unknown>;
  for (const key of Object.keys(body)) {
    if (!(SPEC_FIELDS as readonly string[]).includes(key)) {
      problems.push(`${shorten(key)}: unknown field; allowed fields are ${SPEC_FIELDS.join(', ')}`);
    }
  }
  const field = <T>(name: keyof SweepSpec, read: (value: unknown) => T): T => {
    if (body[name] === undefined) return DEFAULT_SPEC[name] as T;
    try {
      return read(body[name]);
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
      return DEFAULT_SPEC[name] as T;
    }
  };

  const models = field('models', (v) => readModels(v, options.allowLocalModels ?? false));
  const numbers = field('numbers', (v) => readNumbers(v, limits, options.numberLiterals));
  const formats = field('formats', (v) => readEnumList(v, NUMBER_FORMATS, 'format'));
  const analyses = field('analyses', (v) => readEnumList(v, ANALYSES, 'analysis'));
  const matrix = field('matrix', (v) => readEnum(v, MATRIX_KINDS, 'matrix'));
  const pooling = field('pooling', (v) => readEnum(v, POOLINGS, 'pooling'));
  const plots = field('plots', readBoolean);
  const chunkSize = field('chunkSize', (v) => readInteger(v, 1, MAX_CHUNK_SIZE));
  // The default tile must fit under MAX_MATRIX_NUMBERS too: workers re-validate the filled-in spec,
  // and would refuse a default the API let through (1,024 when the limit is set lower).
  const tileSize = Math.min(
    field('tileSize', (v) => readInteger(v, 1, limits.maxMatrixNumbers)),
    limits.maxMatrixNumbers,
  );
  const spec: SweepSpec = {
    models,
    numbers,
    formats,
    analyses,
    matrix,
    pooling,
    plots,
    chunkSize,
    tileSize,
  };

  const set = problems.some((p) => p.startsWith('numbers:')) ? null : expand(spec, limits, problems);
  if (problems.length > 0 || set === null) throw new SpecError(problems);
  return { spec, numbers: set };
}

/** sha256 of the spec's canonical JSON: equal specs hash equally whatever their key order. */
export function specHash(spec: SweepSpec): string {
  const canonical = JSON.stringify(spec, [...SPEC_FIELDS]);
  return createHash('sha256').update(canonical).digest('hex');
}

function expand(spec: SweepSpec, limits: SweepLimits, problems: string[]): NumberSet | null {
  const kind = typeof spec.numbers === 'string' ? 'expression' : 'list';
  let set: NumberSet;
  try {
    set = NumberSet.of(spec.numbers, limits.maxSweepNumbers);
  } catch (error) {
    if (error instanceof NumberSetTooLarge) {
      problems.push(
        `numbers: ${overLimit(`the ${kind} sweeps`, `more than ${format(limits.maxSweepNumbers)}`, limits, 'maxSweepNumbers')}`,
      );
    } else {
      problems.push(`numbers: ${(error as Error).message}`);
    }
    return null;
  }
  if (set.size > limits.maxSweepNumbers) {
    problems.push(`numbers: ${overLimit(`the ${kind} sweeps`, format(set.size), limits, 'maxSweepNumbers')}`);
  }
  if (spec.analyses.includes('cosine-matrix') && set.size > limits.maxMatrixNumbers) {
    problems.push(
      `analyses: ${overLimit('cosine-matrix would compare', format(set.size), limits, 'maxMatrixNumbers')}`,
    );
  }
  if (spec.analyses.includes('fourier') && set.size > limits.maxFourierNumbers) {
    problems.push(
      `analyses: ${overLimit('fourier would transform', format(set.size), limits, 'maxFourierNumbers')}`,
    );
  }
  for (const [analysis, what, limit] of [
    ['pca', 'pca would project', 'maxPcaNumbers'],
    ['neighbors', 'neighbors would search the vocabulary for', 'maxNeighborNumbers'],
  ] as const) {
    if (spec.analyses.includes(analysis) && set.size > limits[limit])
      problems.push(`analyses: ${overLimit(what, format(set.size), limits, limit)}`);
  }
  const chunks = countTasks(spec, set.size);
  if (set.size <= limits.maxSweepNumbers && chunks.total > limits.maxSweepChunks)
    problems.push(tooManyChunks(spec, set.size, chunks, limits));
  return set;
}

/**
 * Names the size field that makes most of the chunks, and the least value of it that would fit
 * (when changing it alone can): `chunkSize: the sweep would run 100,000 chunks …`.
 */
function tooManyChunks(
  spec: SweepSpec,
  size: number,
  chunks: ReturnType<typeof countTasks>,
  limits: SweepLimits,
): string {
  const runs = spec.models.length * spec.formats.length;
  const perRun = Math.floor(limits.maxSweepChunks / runs) - (chunks.fourier + chunks.pca) / runs;
  // neighbour chunks are slices of chunkSize too: in the budget they count with the per-number ones
  const sliced = chunks.numbers + chunks.neighbors;
  const slicesPerRun = (chunks.numbers > 0 ? 1 : 0) + (chunks.neighbors > 0 ? 1 : 0);
  const kinds = [
    chunks.numbers > 0 ? `${format(chunks.numbers)} by chunkSize ${format(spec.chunkSize)}` : '',
    chunks.neighbors > 0
      ? `${format(chunks.neighbors)} neighbors by chunkSize ${format(spec.chunkSize)}`
      : '',
    chunks.tiles > 0
      ? `${format(chunks.tiles)} cosine-matrix tiles by tileSize ${format(spec.tileSize)}`
      : '',
    chunks.fourier > 0 ? `${format(chunks.fourier)} fourier` : '',
    chunks.pca > 0 ? `${format(chunks.pca)} pca` : '',
  ].filter(Boolean);
  const over = `${spec.models.length} model(s) × ${spec.formats.length} format(s)`;
  const field = sliced >= chunks.tiles ? 'chunkSize' : 'tileSize';
  let least: number | null = null;
  if (field === 'chunkSize') {
    const budget = Math.floor((perRun - chunks.tiles / runs) / slicesPerRun);
    if (budget >= 1) least = Math.ceil(size / budget);
  } else {
    const edges = Math.floor(Math.sqrt(perRun - sliced / runs));
    if (edges >= 1) least = Math.ceil(size / edges);
  }
  return (
    `${field}: the sweep would run ${format(chunks.total)} chunks (${kinds.join(', ')}; over ${over}), over the limit of ` +
    `${format(limits.maxSweepChunks)}; raise ${field}${least === null ? '' : ` to at least ${format(least)}`}, ` +
    `or raise ${LIMIT_VARIABLES.maxSweepChunks}`
  );
}

function overLimit(what: string, count: string, limits: SweepLimits, limit: keyof SweepLimits): string {
  return (
    `${what} ${count} numbers, over the limit of ${format(limits[limit])}; ` +
    `narrow the range, or raise ${LIMIT_VARIABLES[limit]}`
  );
}

function format(count: number): string {
  return count.toLocaleString('en-US');
}

function readModels(value: unknown, allowLocal: boolean): string[] {
  const list = readStringList(value, 'model id');
  if (list.length > MAX_MODELS) throw new Error(`at most ${MAX_MODELS} models per sweep, got ${list.length}`);
  const refs = list.map((arg) => parseModelRef(arg, allowLocal));
  const normalized = [...new Set(refs.map(formatModelRef))];
  const slugs = new Map<string, string>();
  for (const ref of refs) {
    const slug = modelSlug(ref);
    const other = slugs.get(slug);
    const self = formatModelRef(ref);
    if (other !== undefined && other !== self) {
      throw new Error(
        `"${other}" and "${self}" would both be written as model=${slug}; sweep them separately`,
      );
    }
    slugs.set(slug, self);
  }
  return normalized;
}

function readNumbers(
  value: unknown,
  limits: SweepLimits,
  literals: ArrayLiterals | null | undefined,
): string | number[] {
  if (!Array.isArray(value)) return readExpression(value);
  // refused before sorting: the body limit allows lists far past any sweep limit
  if (value.length > limits.maxSweepNumbers)
    throw new Error(overLimit('the list holds', format(value.length), limits, 'maxSweepNumbers'));
  return readNumberList(value, literals);
}

function readExpression(value: unknown): string {
  if (typeof value !== 'string')
    throw new Error(
      `must be a string like "-1000..1000" or a list of integers like [1990, 2024], got ${describe(value)}`,
    );
  if (value.length > MAX_EXPRESSION_LENGTH) {
    throw new Error(`is ${value.length} characters long; at most ${MAX_EXPRESSION_LENGTH}`);
  }
  parseNumberExpression(value); // syntax only; size and limits are checked once every field is read
  return value
    .split(',')
    .map((item) => item.trim())
    .join(',');
}
