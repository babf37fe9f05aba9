import { Redis, ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { isRedisOutage, reportRedisOutages } from './redis-outage';
import { RedisUnavailableError } from './sweep-errors';

// The classification only: the connection's state is all it reads, so a stand-in with a status is
// enough here; test/api-routes.test.ts stops a real Redis under the API.
const connection = (status: string) => ({ status }) as unknown as Redis;

class Adapter {
  constructor(
    redis: Redis,
    private readonly failure: unknown,
  ) {
    reportRedisOutages(this, redis);
  }

  async read(): Promise<string> {
    throw this.failure;
  }

  async fine(): Promise<string> {
    return 'value';
  }

  key(): string {
    return 'sync methods stay as they are';
  }
}

describe(isRedisOutage.name, () => {
  it.each([
    ['a command refused while reconnecting', new Error("Stream isn't writeable"), 'reconnecting', true],
    ['a connection refused while connecting', new Error('connect ECONNREFUSED'), 'connecting', true],
    ['a closed connection', new Error('Connection is closed.'), 'end', true],
    [
      'retries given up',
      Object.assign(new Error('Reached the max retries'), { name: 'MaxRetriesPerRequestError' }),
      'ready',
      true,
    ],
    [
      'a reply of Redis itself, even while reconnecting',
      new ReplyError('OOM command not allowed'),
      'reconnecting',
      false,
    ],
    ['any other error on a ready connection', new TypeError('x is undefined'), 'ready', false],
  ])('%s: %s', (_, error, status, outage) => {
    expect(isRedisOutage(error, connection(status))).toBe(outage);
  });
});

describe(reportRedisOutages.name, () => {
  it('makes an adapter method reject with RedisUnavailableError when Redis cannot be reached', async () => {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    const failure = await new Adapter(connection('reconnecting'), cause).read().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RedisUnavailableError);
    expect((failure as RedisUnavailableError).cause).toBe(cause);
    expect((failure as Error).message).toBe('Redis is unreachable (connect ECONNREFUSED 127.0.0.1:6379)');
  });

  it('passes other failures, results and synchronous methods through as they are', async () => {
    const bug = new TypeError('x is undefined');
    const adapter = new Adapter(connection('ready'), bug);
    await expect(adapter.read()).rejects.toBe(bug);
    expect(await adapter.fine()).toBe('value');
    expect(adapter.key()).toBe('sync methods stay as they are');
  });
});
