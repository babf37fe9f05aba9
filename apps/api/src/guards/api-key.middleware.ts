import type { NextFunction, Request, Response } from 'express';
import { isAuthorized, isOpenPath } from './api-key';

/**
 * With API_KEY set, every route but the open ones wants `Authorization: Bearer <key>` or the session
 * cookie. A middleware (not a guard) so that it also covers /docs, /queues and /metrics, which are
 * mounted outside Nest's controllers.
 */
export function apiKeyMiddleware(key: string | undefined) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (!key || isOpenPath(request.path) || isAuthorized(request, key)) return next();
    response.status(401).setHeader('WWW-Authenticate', 'Bearer').json({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'this tokensweep API wants its key: send Authorization: Bearer <API_KEY>',
    });
  };
}
