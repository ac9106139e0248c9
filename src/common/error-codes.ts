/**
 * Every error `code` the API can answer, with its HTTP status: the only way to make an
 * AppException, so a code and its status cannot drift apart and a typo does not compile. The
 * OpenAPI document lists these codes (a test compares the two).
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  MESSAGE_TOO_LONG: 400,
  TOO_MANY_ATTACHMENTS: 400,
  UNKNOWN_COMMAND: 400,
  UNKNOWN_EVENT: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CHAT_NOT_FOUND: 404,
  MESSAGE_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  ATTACHMENT_NOT_FOUND: 404,
  MEMBER_NOT_FOUND: 404,
  PUSH_SUBSCRIPTION_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  CONFLICT: 409,
  USERNAME_TAKEN: 409,
  PAYLOAD_TOO_LARGE: 413,
  ATTACHMENT_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  UNPROCESSABLE: 422,
  CHAT_MEMBER_LIMIT: 422,
  PIN_LIMIT: 422,
  MESSAGE_DELETED: 422,
  MESSAGE_NOT_FORWARDABLE: 422,
  MESSAGE_NOT_REACTABLE: 422,
  REACTION_LIMIT: 422,
  MESSAGE_NOT_REPLIABLE: 422,
  PUSH_SUBSCRIPTION_LIMIT: 422,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  UNAVAILABLE: 503,
  OVERLOADED: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const ALL_ERROR_CODES = Object.keys(ERROR_CODES) as ErrorCode[];

/** The generic code of an HTTP status (an error raised by Express or Nest, not by our services). */
const GENERIC_BY_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  416: 'RANGE_NOT_SATISFIABLE',
  422: 'UNPROCESSABLE',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
};

export function genericCodeFor(status: number): ErrorCode {
  return GENERIC_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST');
}
