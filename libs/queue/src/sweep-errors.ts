/** No sweep has this id. */
export class SweepNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`no sweep with id ${id}`);
    this.name = 'SweepNotFoundError';
  }
}

/** The sweep is not in a state that allows the request (e.g. retrying a running sweep). */
export class SweepConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SweepConflictError';
  }
}

/**
 * Redis could not be reached (refused, dropped, or still reconnecting): the request may succeed
 * shortly. Raised by the store and queue adapters, where the failure happens; `cause` is the
 * driver's error.
 */
export class RedisUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`Redis is unreachable (${(cause as Error)?.message ?? String(cause)})`, { cause });
    this.name = 'RedisUnavailableError';
  }
}

/** The results store cannot be written (missing bucket, wrong credentials, unreachable): nothing was created. */
export class ResultsUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultsUnavailableError';
  }
}
