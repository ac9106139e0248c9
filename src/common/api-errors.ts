import { applyDecorators } from '@nestjs/common';
import { ApiExtension, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { ALL_ERROR_CODES, ERROR_CODES, ErrorCode } from './error-codes';

export class FieldErrorDto {
  @ApiProperty() field: string;
  @ApiProperty() message: string;
}

/** The `details` entry of a 429: how long to wait (v1.1). */
export class RetryAfterDto {
  @ApiProperty({ type: 'integer', minimum: 1, description: 'seconds until a retry can succeed (also the Retry-After header)' })
  retryAfter: number;
}

export class ErrorResponseDto {
  @ApiProperty({ type: 'integer', example: 400 }) statusCode: number;
  @ApiProperty({ enum: ALL_ERROR_CODES, enumName: 'ErrorCode', example: 'VALIDATION_FAILED' }) code: ErrorCode;
  @ApiProperty() message: string;
  @ApiProperty({
    required: false,
    type: 'array',
    items: { oneOf: [{ $ref: getSchemaPath(FieldErrorDto) }, { $ref: getSchemaPath(RetryAfterDto) }] },
    description: 'field errors of VALIDATION_FAILED; `{ retryAfter }` on RATE_LIMITED and OVERLOADED',
  })
  details?: Array<FieldErrorDto | RetryAfterDto>;
}

/** Where a route's error codes wait for the document's finishing pass (src/openapi.ts). */
export const ERROR_CODES_EXTENSION = 'x-error-codes';

/**
 * Documents the error codes a route can answer with, each under its status from the ErrorCode table:
 * `@ApiErrors('CHAT_NOT_FOUND', 'VALIDATION_FAILED')`. The codes every route shares (401, 413, 415,
 * 503) are added by the finishing pass, which also writes each status's response and schema.
 */
export function ApiErrors(...codes: ErrorCode[]) {
  return applyDecorators(ApiExtension(ERROR_CODES_EXTENSION, codes));
}

/** The error body of one status: the contract's body, its `code` limited to the codes given. */
export function errorResponseSchema(status: number, codes: ErrorCode[]): Record<string, unknown> {
  return {
    allOf: [
      { $ref: getSchemaPath(ErrorResponseDto) },
      { properties: { statusCode: { const: status }, code: { enum: [...new Set(codes)].sort() } } },
    ],
  };
}

export function statusOf(code: ErrorCode): number {
  return ERROR_CODES[code];
}
