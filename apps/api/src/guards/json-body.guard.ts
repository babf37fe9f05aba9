import { CanActivate, ExecutionContext, Injectable, UnsupportedMediaTypeException } from '@nestjs/common';
import type { Request } from 'express';

/**
 * A submission must be `Content-Type: application/json`. Checked in a guard, before the body is
 * validated: a body the JSON parser skipped (any other type, `application/jsonp` included) reads as
 * `{}`, which is the default sweep, and would be accepted or refused for the wrong reason.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const type = context
      .switchToHttp()
      .getRequest<Request>()
      .headers['content-type']?.split(';')[0]
      .trim()
      .toLowerCase();
    if (type !== 'application/json')
      throw new UnsupportedMediaTypeException('send the spec as JSON with Content-Type: application/json');
    return true;
  }
}
