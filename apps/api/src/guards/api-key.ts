import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

export const SESSION_COOKIE = 'tokensweep_session';

/** Paths open without the key: liveness, readiness and the page's static shell. */
export function isOpenPath(path: string): boolean {
  return path === '/health' || path === '/health/ready' || path === '/' || path === '/index.html' || path.startsWith('/assets/') || path === '/session';
}

/** Compares a presented secret with the key in constant time (hashing first evens out the lengths). */
export function keyMatches(presented: string | undefined, key: string): boolean {
  if (presented === undefined) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(key).digest();
  return timingSafeEqual(a, b);
}

/** The bearer token or session cookie a request presents. */
export function presentedKey(request: Request): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  const cookies = request.headers.cookie?.split(';').map((c) => c.trim()) ?? [];
  const session = cookies.find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  return session ? decodeURIComponent(session.slice(SESSION_COOKIE.length + 1)) : undefined;
}
