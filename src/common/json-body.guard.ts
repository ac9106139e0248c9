import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DECORATORS } from '@nestjs/swagger';
import type { Request } from 'express';
import { AppException } from './app.exception';

/** The one body type of the API's JSON routes, and what the JSON body parser is told to read. */
export const JSON_MEDIA_TYPE = 'application/json';

/** A body with bytes in it: a declared non-zero length, or a chunked one (its length is unknown). */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) > 0);
}

/**
 * A JSON route given a body of another type (text/plain, a form, multipart …) answers 415
 * UNSUPPORTED_MEDIA_TYPE instead of running with the body unread (the JSON parser skips other
 * types) — a client that sent the wrong type learns it, and nothing is changed. A request without a
 * body (no Content-Length, or 0) passes whatever its Content-Type says: there is nothing to misread.
 *
 * A route that declares other media types with `@ApiConsumes` (POST /api/attachments:
 * multipart/form-data) reads its body itself and answers a wrong one on its own terms, so the
 * OpenAPI document and this check cannot disagree about which routes take JSON.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(ctx: ExecutionContext): boolean {
    if (ctx.getType() !== 'http') return true;
    const consumes = this.reflector.getAllAndOverride<string[] | undefined>(DECORATORS.API_CONSUMES, [ctx.getHandler(), ctx.getClass()]);
    if (consumes?.length) return true;
    const req = ctx.switchToHttp().getRequest<Request>();
    if (!hasBody(req) || req.is(JSON_MEDIA_TYPE)) return true;
    const given = req.headers['content-type'] ? `got ${req.headers['content-type']}` : 'no Content-Type given';
    throw new AppException('UNSUPPORTED_MEDIA_TYPE', `the request body must be ${JSON_MEDIA_TYPE} (${given})`);
  }
}
