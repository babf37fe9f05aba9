import { ArgumentsHost, BadRequestException, HttpException, Logger } from '@nestjs/common';
import { RedisUnavailableError, SweepConflictError, SweepNotFoundError } from '@tokensweep/queue';
import { describe, expect, it, vi } from 'vitest';
import { ApiExceptionFilter } from './api-exception.filter';
import { RouteRedisOutage } from './redis-outage';

/** The answer the filter gives to `exception`, through a stand-in express response. */
function answer(exception: unknown, headersSent = false) {
  const sent: { status?: number; body?: unknown; ended?: boolean } = {};
  const response = {
    headersSent,
    status(code: number) {
      sent.status = code;
      return this;
    },
    json(body: unknown) {
      sent.body = body;
      return this;
    },
    end() {
      sent.ended = true;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
  new ApiExceptionFilter().catch(exception, host);
  return sent;
}

const outage = new RedisUnavailableError(new Error("Stream isn't writeable"));

describe(ApiExceptionFilter.name, () => {
  it.each([
    [
      'a validation refusal',
      new BadRequestException(['numbers: step 0', 'formats: unknown']),
      400,
      'Bad Request',
      ['numbers: step 0', 'formats: unknown'],
    ],
    [
      'a missing sweep',
      new SweepNotFoundError('20261201-000000000-abcdef'),
      404,
      'Not Found',
      'no sweep with id 20261201-000000000-abcdef',
    ],
    [
      'a conflict',
      new SweepConflictError('sweep x is running; only failed or cancelled sweeps can be retried'),
      409,
      'Conflict',
      'sweep x is running; only failed or cancelled sweeps can be retried',
    ],
    [
      'a body-parser error',
      Object.assign(new Error('request entity too large'), { status: 413, type: 'entity.too.large' }),
      413,
      'Payload Too Large',
      'request entity too large',
    ],
    [
      'Redis unreachable during a submission',
      new RouteRedisOutage('the sweep was not accepted', outage),
      503,
      'Service Unavailable',
      'Redis is unreachable; the sweep was not accepted. Try again shortly, or check REDIS_URL and the Redis server.',
    ],
    [
      'Redis unreachable during a read',
      new RouteRedisOutage("the sweep's status could not be read", outage),
      503,
      'Service Unavailable',
      "Redis is unreachable; the sweep's status could not be read. Try again shortly, or check REDIS_URL and the Redis server.",
    ],
    [
      'Redis unreachable on a route without words of its own',
      outage,
      503,
      'Service Unavailable',
      'Redis is unreachable. Try again shortly, or check REDIS_URL and the Redis server.',
    ],
  ])('answers %s as %i', (_, exception, statusCode, error, message) => {
    expect(answer(exception)).toEqual({ status: statusCode, body: { statusCode, error, message } });
  });

  it('keeps the extra fields of an HttpException body (readiness checks)', () => {
    const body = {
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'not ready',
      checks: { redis: 'down' },
    };
    expect(answer(new HttpException(body, 503)).body).toEqual(body);
  });

  it('answers a message that merely mentions a connection refusal as what it is: an internal error, logged', () => {
    const logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const sent = answer(new Error('connect ECONNREFUSED 127.0.0.1:9 (the model hub)'));
      expect(sent).toEqual({
        status: 500,
        body: { statusCode: 500, error: 'Internal Server Error', message: 'internal error' },
      });
      expect(logged).toHaveBeenCalledTimes(1);
    } finally {
      logged.mockRestore();
    }
  });

  it('ends a response whose headers are gone already (a stream that failed midway)', () => {
    expect(answer(new Error('stream broke'), true)).toEqual({ ended: true });
  });
});
