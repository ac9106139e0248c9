import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';
import { ALL_ERROR_CODES, ErrorCode } from './error-codes';

export class FieldErrorDto {
  @ApiProperty() field: string;
  @ApiProperty() message: string;
}

export class ErrorResponseDto {
  @ApiProperty({ example: 400 }) statusCode: number;
  @ApiProperty({ enum: ALL_ERROR_CODES, enumName: 'ErrorCode', example: 'VALIDATION_FAILED' }) code: ErrorCode;
  @ApiProperty() message: string;
  @ApiProperty({ type: [FieldErrorDto], required: false }) details?: FieldErrorDto[];
}

/** Documents the error answers of a route: `ApiErrors(400, 404)` — each with the contract's body. */
export function ApiErrors(...statuses: number[]) {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, type: ErrorResponseDto, description: `error (${status})` })));
}
