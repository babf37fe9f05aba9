import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import {
  RedisUnavailableError,
  ResultsUnavailableError,
  SweepConflictError,
  SweepNotFoundError,
} from '@tokensweep/queue';
import type { Response } from 'express';
import { RouteRedisOutage } from './redis-outage';

/**
 * Answers every error as `{statusCode, error, message}`: domain errors get their status (404, 409),
 * an unreachable Redis (as the store and queue adapters report it) is 503 in the words of the route
 * it interrupted, with what to check, and so is a results store that cannot be written; anything
 * unexpected is logged and 500.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Api');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) {
      response.end();
      return;
    }
    const [status, message] = this.describe(exception);
    response
      .status(status)
      .json({ statusCode: status, error: reason(status), message, ...details(exception) });
  }

  private describe(exception: unknown): [number, string | string[]] {
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      const message =
        typeof body === 'object' && body !== null && 'message' in body
          ? (body as { message: string | string[] }).message
          : exception.message;
      return [exception.getStatus(), message];
    }
    if (exception instanceof SweepNotFoundError) return [HttpStatus.NOT_FOUND, exception.message];
    if (exception instanceof SweepConflictError) return [HttpStatus.CONFLICT, exception.message];
    if (exception instanceof RouteRedisOutage) return [HttpStatus.SERVICE_UNAVAILABLE, exception.answer];
    if (exception instanceof RedisUnavailableError)
      return [HttpStatus.SERVICE_UNAVAILABLE, new RouteRedisOutage(undefined, exception).answer];
    if (exception instanceof ResultsUnavailableError)
      return [HttpStatus.SERVICE_UNAVAILABLE, exception.message];
    const error = exception as { status?: number; statusCode?: number; type?: string; message?: string };
    // body-parser errors carry their own status (400 bad JSON, 413 too large, 415 charset)
    const status = error?.status ?? error?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500)
      return [status, error.message ?? reason(status)];
    this.logger.error((exception as Error)?.stack ?? String(exception));
    return [HttpStatus.INTERNAL_SERVER_ERROR, 'internal error'];
  }
}

/** Fields an HttpException's body carries besides the standard three (e.g. readiness `checks`), kept in the answer. */
function details(exception: unknown): Record<string, unknown> {
  if (!(exception instanceof HttpException)) return {};
  const body = exception.getResponse();
  if (typeof body !== 'object' || body === null) return {};
  return Object.fromEntries(
    Object.entries(body).filter(([key]) => !['statusCode', 'error', 'message'].includes(key)),
  );
}

function reason(status: number): string {
  const names: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    404: 'Not Found',
    409: 'Conflict',
    413: 'Payload Too Large',
    415: 'Unsupported Media Type',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
  };
  return names[status] ?? 'Error';
}
