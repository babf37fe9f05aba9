import { createParamDecorator, ExecutionContext, RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';

/** A submission's body both parsed and as sent: the text tells what parsing rounds away. */
export interface SpecBody {
  body: unknown;
  raw: string | null;
}

/** The request body with its raw text (kept by the JSON parser: the app is created with `rawBody`). */
export const SpecBodyParam = createParamDecorator((_: unknown, context: ExecutionContext): SpecBody => {
  const request = context.switchToHttp().getRequest<RawBodyRequest<Request>>();
  return { body: request.body, raw: request.rawBody ? request.rawBody.toString('utf8') : null };
});
