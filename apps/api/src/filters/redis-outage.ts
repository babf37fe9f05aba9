import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RedisUnavailableError } from '@tokensweep/queue';
import { catchError, Observable, throwError } from 'rxjs';

const CONSEQUENCE = 'tokensweep:redis-outage-consequence';

/** What a route's request did not do when Redis is unreachable ("the sweep was not accepted"). */
export const WhenRedisIsDown = (consequence: string) => SetMetadata(CONSEQUENCE, consequence);

/** A RedisUnavailableError met by a route, with the route's own words for what did not happen. */
export class RouteRedisOutage extends Error {
  constructor(
    readonly consequence: string | undefined,
    cause: RedisUnavailableError,
  ) {
    super(cause.message, { cause });
    this.name = 'RouteRedisOutage';
  }

  /** The 503 message: what happened, what did not, what to do. */
  get answer(): string {
    const what = this.consequence ? `Redis is unreachable; ${this.consequence}.` : 'Redis is unreachable.';
    return `${what} Try again shortly, or check REDIS_URL and the Redis server.`;
  }
}

/** Gives a RedisUnavailableError the words of the route it interrupted (its @WhenRedisIsDown). */
@Injectable()
export class RedisOutageInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (!(error instanceof RedisUnavailableError)) return throwError(() => error);
        const consequence = this.reflector.get<string | undefined>(CONSEQUENCE, context.getHandler());
        return throwError(() => new RouteRedisOutage(consequence, error));
      }),
    );
  }
}
