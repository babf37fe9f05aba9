import { ExecutionContext, HttpException } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiConfig } from '../config/api-config';
import { RateLimitGuard } from './rate-limit.guard';

/** A request from `ip`, and the headers the guard set on its response. */
function request(ip: string, authorization?: string) {
  const headers: Record<string, string> = {};
  const context = {
    switchToHttp: () => ({
      getRequest: () => ({ ip, headers: { authorization }, socket: { remoteAddress: ip } }),
      getResponse: () => ({ setHeader: (name: string, value: string) => (headers[name] = value) }),
    }),
  } as unknown as ExecutionContext;
  return { context, headers };
}

function guard(limit: number) {
  return new RateLimitGuard({ rateLimitPerMinute: limit } as ApiConfig);
}

/** Whether the guard lets the request through; a 429 is returned, not thrown. */
function admit(limiter: RateLimitGuard, ip: string, authorization?: string) {
  const { context, headers } = request(ip, authorization);
  try {
    return { admitted: limiter.canActivate(context), headers };
  } catch (error) {
    return { admitted: false, error: error as HttpException, headers };
  }
}

describe(RateLimitGuard.name, () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-12-01T10:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('admits RATE_LIMIT_PER_MINUTE submissions a minute per client, then answers 429 with Retry-After', () => {
    const limiter = guard(3);
    expect([1, 2, 3].map(() => admit(limiter, '10.0.0.1').admitted)).toEqual([true, true, true]);
    vi.advanceTimersByTime(20_000);
    const refused = admit(limiter, '10.0.0.1');
    expect(refused.admitted).toBe(false);
    expect(refused.error!.getStatus()).toBe(429);
    expect(refused.error!.message).toMatch(
      /more than 3 submissions in a minute.*retry in 40 s \(RATE_LIMIT_PER_MINUTE\)/,
    );
    expect(refused.headers['Retry-After']).toBe('40');
  });

  it('counts each client apart', () => {
    const limiter = guard(1);
    expect(admit(limiter, '10.0.0.1').admitted).toBe(true);
    expect(admit(limiter, '10.0.0.2').admitted).toBe(true);
    expect(admit(limiter, '10.0.0.1').admitted).toBe(false);
  });

  it('does not give a new budget to new credentials', () => {
    const limiter = guard(1);
    expect(admit(limiter, '10.0.0.1', 'Bearer a').admitted).toBe(true);
    expect(admit(limiter, '10.0.0.1', 'Bearer b').admitted).toBe(false);
  });

  it('slides: a submission older than a minute no longer counts', () => {
    const limiter = guard(2);
    admit(limiter, '10.0.0.1');
    vi.advanceTimersByTime(30_000);
    admit(limiter, '10.0.0.1');
    expect(admit(limiter, '10.0.0.1').admitted).toBe(false);
    vi.advanceTimersByTime(30_001);
    expect(admit(limiter, '10.0.0.1').admitted).toBe(true);
    expect(admit(limiter, '10.0.0.1').admitted).toBe(false);
  });

  it('is off at 0', () => {
    const limiter = guard(0);
    expect(Array.from({ length: 1000 }, () => admit(limiter, '10.0.0.1').admitted).every(Boolean)).toBe(true);
  });
});
