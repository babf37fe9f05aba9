import { CanActivate, ExecutionContext, HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { API_CONFIG, ApiConfig } from '../config/api-config';

/**
 * Limits submissions per client (by address; behind a reverse proxy on loopback, the address it
 * forwards) to RATE_LIMIT_PER_MINUTE in any sliding minute; 0 turns it off. Over the limit: 429 with
 * Retry-After.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly hits = new Map<string, number[]>();

  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const limit = this.config.rateLimitPerMinute;
    if (limit === 0) return true;
    const request = context.switchToHttp().getRequest<Request>();
    // Not keyed by the Authorization header: a client chooses it freely (any value when API_KEY is
    // unset, and `Bearer <key> ` with extra spaces still matches), so each new value was a new budget.
    const client = request.ip ?? request.socket.remoteAddress ?? 'unknown';
    const now = Date.now();
    const recent = (this.hits.get(client) ?? []).filter((t) => t > now - 60_000);
    if (recent.length >= limit) {
      const retryAfter = Math.max(1, Math.ceil((recent[0] + 60_000 - now) / 1000));
      context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(retryAfter));
      throw new HttpException(
        `more than ${limit} submissions in a minute from this client; retry in ${retryAfter} s (RATE_LIMIT_PER_MINUTE)`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    recent.push(now);
    this.hits.set(client, recent);
    if (this.hits.size > 10_000) this.forgetIdle(now);
    return true;
  }

  private forgetIdle(now: number): void {
    for (const [client, times] of this.hits)
      if (times[times.length - 1] <= now - 60_000) this.hits.delete(client);
  }
}
