import { ParsedSpec, parseSweepSpec, SpecOptions } from './sweep-spec';
import { SpecError } from './spec-error';

/**
 * How a sweep's chunks rank against other sweeps' on a shared fleet: strictly between classes,
 * fairly within one. Not part of the spec: the same spec gives the same results at any priority.
 */
export const SWEEP_PRIORITIES = ['low', 'normal', 'high'] as const;
export type SweepPriority = (typeof SWEEP_PRIORITIES)[number];
export const DEFAULT_PRIORITY: SweepPriority = 'normal';

/** A submission: the parsed spec and the scheduling hint that travelled with it. */
export interface ParsedSubmission extends ParsedSpec {
  priority: SweepPriority;
}

/** Reads `priority` (optional, `normal` by default); the error names the field and what it may be. */
export function readPriority(value: unknown): SweepPriority {
  if (value === undefined) return DEFAULT_PRIORITY;
  if (typeof value === 'string' && (SWEEP_PRIORITIES as readonly string[]).includes(value))
    return value as SweepPriority;
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
  throw new Error(`priority: unknown priority ${shown}; expected one of ${SWEEP_PRIORITIES.join(', ')}`);
}

/**
 * Validates a submission body: the spec's fields through the one spec schema, plus `priority`. Every
 * problem of both is reported together, one line each.
 */
export function parseSubmission(input: unknown, options: SpecOptions = {}): ParsedSubmission {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    parseSweepSpec(input, options); // throws the spec schema's own message for a body that is no object
  }
  const { priority: rawPriority, ...specBody } = input as Record<string, unknown>;
  const problems: string[] = [];
  let priority: SweepPriority = DEFAULT_PRIORITY;
  try {
    priority = readPriority(rawPriority);
  } catch (error) {
    problems.push((error as Error).message);
  }
  try {
    const parsed = parseSweepSpec(specBody, options);
    if (problems.length > 0) throw new SpecError(problems);
    return { ...parsed, priority };
  } catch (error) {
    if (error instanceof SpecError && problems.length > 0 && error.problems !== problems)
      throw new SpecError([...error.problems, ...problems]);
    throw error;
  }
}
