import { Redis, ReplyError } from 'ioredis';
import { RedisUnavailableError } from './sweep-errors';

/**
 * Whether `error`, raised by a command on `redis`, means that Redis could not be reached rather than
 * that it answered with an error: Redis's own replies are never an outage; anything else that fails
 * while the connection is not ready is (refused, dropped mid-command, offline queue off).
 */
export function isRedisOutage(error: unknown, redis: Redis): boolean {
  if (error instanceof RedisUnavailableError) return false;
  if (error instanceof ReplyError) return false;
  return redis.status !== 'ready' || (error as Error)?.name === 'MaxRetriesPerRequestError';
}

/**
 * Makes every asynchronous method of `adapter` (an instance of a class whose methods talk to
 * `redis`) reject with a RedisUnavailableError when it fails because Redis cannot be reached; other
 * failures pass as they are. Called by the adapters' constructors, so that each method of theirs,
 * present and future, is classified where the failure happens, without a try/catch in each.
 */
export function reportRedisOutages(adapter: object, redis: Redis): void {
  const prototype = Object.getPrototypeOf(adapter) as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const method = prototype[name];
    if (name === 'constructor' || typeof method !== 'function') continue;
    const classified = function (this: unknown, ...args: unknown[]): unknown {
      const result: unknown = method.apply(this, args);
      if (!(result instanceof Promise)) return result;
      return result.catch((error: unknown) => {
        throw isRedisOutage(error, redis) ? new RedisUnavailableError(error) : error;
      });
    };
    Object.defineProperty(adapter, name, { value: classified, writable: true, configurable: true });
  }
}
