export interface FieldError {
  field: string;
  message: string;
}

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: FieldError[];
}

/** The one exception type of the project: carries the contract's status and stable `code`. */
export class AppException extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: FieldError[],
  ) {
    super(message);
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { statusCode: this.statusCode, code: this.code, message: this.message };
    if (this.details) body.details = this.details;
    return body;
  }

  static validation(message: string, details: FieldError[] = []): AppException {
    return new AppException(400, 'VALIDATION_FAILED', message, details);
  }

  static notFound(code: string, message: string): AppException {
    return new AppException(404, code, message);
  }

  static unauthorized(message = 'missing, invalid or expired token'): AppException {
    return new AppException(401, 'UNAUTHORIZED', message);
  }

  static forbidden(message: string): AppException {
    return new AppException(403, 'FORBIDDEN', message);
  }
}
