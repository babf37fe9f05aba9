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

/** The results store cannot be written (missing bucket, wrong credentials, unreachable): nothing was created. */
export class ResultsUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultsUnavailableError';
  }
}
