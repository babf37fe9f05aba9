import { ModelUnavailableError } from '../models/model-errors';
import { SpecError } from '../spec/spec-error';
import { StorageAccessError } from '../storage/sweep-storage';
import { ExecutorClosedError } from './chunk-executor';

/**
 * An error as it crosses the thread boundary: structured clone keeps neither classes nor own fields
 * faithfully, so each error callers branch on has a declared form that rebuilds it whole (its class,
 * message and fields); any other error travels as name, message and stack.
 */
export type SerializedError =
  | { kind: 'model-unavailable'; model: string; detail: string }
  | { kind: 'spec'; problems: string[] }
  | { kind: 'executor-closed'; message: string }
  | { kind: 'storage-access'; message: string }
  | { kind: 'other'; name: string; message: string; stack?: string };

/** The declared form of `error`, for postMessage. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof ModelUnavailableError)
    return { kind: 'model-unavailable', model: error.model, detail: error.detail };
  if (error instanceof SpecError) return { kind: 'spec', problems: [...error.problems] };
  if (error instanceof ExecutorClosedError) return { kind: 'executor-closed', message: error.message };
  if (error instanceof StorageAccessError) return { kind: 'storage-access', message: error.message };
  if (error instanceof Error)
    return { kind: 'other', name: error.name, message: error.message, stack: error.stack };
  return { kind: 'other', name: 'Error', message: String(error) };
}

/** The error `data` describes, rebuilt with its class. */
export function deserializeError(data: SerializedError): Error {
  switch (data.kind) {
    case 'model-unavailable':
      return new ModelUnavailableError(data.model, data.detail);
    case 'spec':
      return new SpecError(data.problems);
    case 'executor-closed':
      return new ExecutorClosedError(data.message);
    case 'storage-access':
      return new StorageAccessError(data.message);
    case 'other': {
      const error = new Error(data.message);
      error.name = data.name;
      if (data.stack) error.stack = data.stack;
      return error;
    }
  }
}
