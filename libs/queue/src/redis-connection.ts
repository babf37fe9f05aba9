import { Redis, RedisOptions } from 'ioredis';

/**
 * A Redis connection for one role. Workers block on Redis and must retry forever
 * (`maxRetriesPerRequest: null`, as BullMQ requires); the API must fail fast when Redis is down
 * rather than queue commands offline, so a request answers 503 instead of hanging.
 */
export function createRedis(url: string, role: 'worker' | 'api'): Redis {
  const options: RedisOptions =
    role === 'worker'
      ? {
          maxRetriesPerRequest: null,
          enableReadyCheck: true,
          retryStrategy: (times) => Math.min(times * 200, 2_000),
        }
      : {
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          connectTimeout: 2_000,
          retryStrategy: (times) => Math.min(times * 200, 2_000),
        };
  const redis = new Redis(url, { ...options, lazyConnect: false });
  // Connection errors are reported by health checks and failed commands; unhandled they would crash.
  redis.on('error', () => undefined);
  return redis;
}

/**
 * Resolves true once `redis` is connected, false if it is not within `timeoutMs` (it keeps retrying).
 * The API must await this before listening: with its offline queue off, a request that comes before
 * the connection is up would be answered 503 although Redis is fine.
 */
export function redisReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    redis.once('ready', onReady);
  });
}

/** Warns (once) when Redis may evict keys: queues and sweep state need `maxmemory-policy noeviction`. */
export async function evictionWarning(redis: Redis): Promise<string | null> {
  try {
    // bounded: a worker's connection waits forever for Redis, and start-up must not hang on a warning
    const answer = redis.config('GET', 'maxmemory-policy') as Promise<[string, string]>;
    const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 2_000).unref());
    const [, policy] = (await Promise.race([answer, timeout])) ?? [];
    if (policy && policy !== 'noeviction') {
      return `Redis maxmemory-policy is "${policy}": under memory pressure Redis may evict jobs and sweep state; set it to noeviction`;
    }
  } catch {
    // CONFIG may be disabled (managed Redis); nothing to check then.
  }
  return null;
}
