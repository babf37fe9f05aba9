import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

export const SESSION_COOKIE = 'tokensweep_session';

/** Paths open without the key: liveness, readiness and the page's static shell. */
export function isOpenPath(path: string): boolean {
  return (
    path === '/health' ||
    path === '/health/ready' ||
    path === '/' ||
    path === '/index.html' ||
    path.startsWith('/assets/') ||
    path === '/session'
  );
}

/** Compares a presented secret with the key in constant time (hashing first evens out the lengths). */
export function keyMatches(presented: string | undefined, key: string): boolean {
  if (presented === undefined) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(key).digest();
  return timingSafeEqual(a, b);
}

/** The session cookie's value for a key: derived from it, so the cookie never holds the key itself. */
export function sessionToken(key: string): string {
  return createHmac('sha256', key).update('tokensweep session').digest('hex');
}

/** Whether a request presents the key as a bearer token, or the session cookie derived from it. */
export function isAuthorized(request: Request, key: string): boolean {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return keyMatches(header.slice('Bearer '.length).trim(), key);
  const cookies = request.headers.cookie?.split(';').map((c) => c.trim()) ?? [];
  const session = cookies.find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  return (
    session !== undefined &&
    keyMatches(decodeURIComponent(session.slice(SESSION_COOKIE.length + 1)), sessionToken(key))
  );
}
