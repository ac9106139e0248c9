import { ERROR_CODES, ErrorCode } from './error-codes';

export interface FieldError {
  field: string;
  message: string;
}

/** The detail of a 429: whole seconds until a retry can succeed (REST also sends it as Retry-After). */
export interface RetryAfter {
  retryAfter: number;
}

/** `details` lists field errors for VALIDATION_FAILED, and the wait for RATE_LIMITED. */
export type ErrorDetail = FieldError | RetryAfter;

export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
}

/** The one exception type of the project: made from a code of the ErrorCode table, which gives its status. */
export class AppException extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.statusCode = ERROR_CODES[code];
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { statusCode: this.statusCode, code: this.code, message: this.message };
    if (this.details) body.details = this.details;
    return body;
  }

  static validation(message: string, details: FieldError[] = []): AppException {
    return new AppException('VALIDATION_FAILED', message, details);
  }

  static unauthorized(message = 'missing, invalid or expired token'): AppException {
    return new AppException('UNAUTHORIZED', message);
  }

  static forbidden(message: string): AppException {
    return new AppException('FORBIDDEN', message);
  }
}
