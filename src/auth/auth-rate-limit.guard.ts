import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RateLimit, TokenBucketLimiter } from '../common/rate-limit';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/**
 * Register and login: AUTH_RATE_LIMIT_PER_MINUTE requests per client IP (all of them in a row at
 * most), each route counted apart, with the token bucket every other limit uses; then 429
 * RATE_LIMITED. A guard, so a request counts before its body is validated.
 */
@Injectable()
export class AuthRateLimitGuard implements CanActivate {
  private readonly limit = new RateLimit('auth requests from this address', () =>
    TokenBucketLimiter.perMinute(this.config.authRateLimitPerMinute),
  );

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(ctx: ExecutionContext): boolean {
    const http = ctx.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    // req.ip: the peer, or with TRUST_PROXY the client that the trusted proxies' X-Forwarded-For names.
    const client = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    this.limit.consumeReporting(`${ctx.getHandler().name} ${client}`, (name, value) => res.setHeader(name, value));
    return true;
  }
}
