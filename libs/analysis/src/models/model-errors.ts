/**
 * A model that cannot be used as asked (missing, incomplete, no embedding tensor, offline without a
 * cache): retrying will not help, so callers fail fast instead of burning attempts.
 */
export class ModelUnavailableError extends Error {
  constructor(
    readonly model: string,
    readonly detail: string,
  ) {
    super(`model ${model}: ${detail}`);
    this.name = 'ModelUnavailableError';
  }
}
