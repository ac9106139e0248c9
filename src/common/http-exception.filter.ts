import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { RetryAfter } from './app.exception';
import { toAppException } from './error-mapping';

/** The REST side of error handling: every error becomes the contract's body. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const res = host.switchToHttp().getResponse<Response>();
    const { error, internal } = toAppException(exception);
    if (internal) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // A 429 says when to come back: its `retryAfter` detail (whole seconds) is also the Retry-After header.
    const retry = error.details?.find((d): d is RetryAfter => 'retryAfter' in d);
    if (retry) res.setHeader('Retry-After', String(retry.retryAfter));
    res.status(error.statusCode).json(error.toBody());
  }
}
