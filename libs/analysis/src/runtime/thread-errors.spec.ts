import { describe, expect, it } from 'vitest';
import { ModelUnavailableError } from '../models/model-errors';
import { SpecError } from '../spec/spec-error';
import { ExecutorClosedError } from './chunk-executor';
import { deserializeError, serializeError } from './thread-errors';

/** As postMessage would carry it: structured clone, which keeps data and drops classes. */
const acrossThreads = (error: unknown) => deserializeError(structuredClone(serializeError(error)));

describe(serializeError.name, () => {
  it.each([
    [new ModelUnavailableError('org/name', 'no embedding tensor'), ModelUnavailableError],
    [new SpecError(['numbers: step 0', 'formats[1]: unknown format "x"']), SpecError],
    [new ExecutorClosedError('the thread pool closed'), ExecutorClosedError],
  ])('rebuilds %s with its class, message and fields', (error, type) => {
    const rebuilt = acrossThreads(error);
    expect(rebuilt).toBeInstanceOf(type);
    expect(rebuilt.name).toBe(error.name);
    expect(rebuilt.message).toBe(error.message);
    expect({ ...rebuilt }).toEqual({ ...error });
  });

  it('keeps any other error’s name, message and stack', () => {
    const error = new RangeError('offset out of range');
    const rebuilt = acrossThreads(error);
    expect([rebuilt.name, rebuilt.message, rebuilt.stack]).toEqual([error.name, error.message, error.stack]);
  });

  it('turns a thrown non-error into an error saying what was thrown', () => {
    expect(acrossThreads('a string').message).toBe('a string');
  });
});
