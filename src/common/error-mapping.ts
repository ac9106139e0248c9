import { HttpException } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { AppException } from './app.exception';
import { genericCodeFor } from './error-codes';

const DB_UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '53300']);
const NET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

function isDatabaseDown(err: unknown): boolean {
  const e = err as { code?: string; message?: string; driverError?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.driverError && isDatabaseDown(e.driverError)) return true;
  if (e.code && (DB_UNAVAILABLE_CODES.has(e.code) || NET_ERRORS.has(e.code))) return true;
  const msg = e.message ?? '';
  return /Connection terminated|connection timeout|Connection is not established|Cannot connect|terminating connection|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    msg,
  );
}

/**
 * Turns anything thrown while serving a request or a socket event into the contract's error.
 * Returns `internal: true` for faults that are ours (logged, answered 500).
 */
export function toAppException(err: unknown): { error: AppException; internal: boolean } {
  if (err instanceof AppException) return { error: err, internal: false };
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const response = err.getResponse();
    const message = typeof response === 'object' && response && 'message' in response ? String(response.message) : err.message;
    return { error: new AppException(genericCodeFor(status), message), internal: status >= 500 };
  }
  if (isDatabaseDown(err)) {
    return { error: new AppException('UNAVAILABLE', 'the database is unavailable, try again shortly'), internal: false };
  }
  if (err instanceof QueryFailedError) {
    const code = (err.driverError as { code?: string } | undefined)?.code;
    // Malformed values that slipped past validation (bad uuid text, out-of-range ints): the caller's fault.
    // 23502/23514: a null or a value a CHECK refuses, likewise.
    if (code === '22P02' || code === '22003' || code === '22001' || code === '22021' || code === '23502' || code === '23514') {
      // Logged as internal: validation should have caught it first.
      return { error: AppException.validation('a value has the wrong format'), internal: true };
    }
  }
  // Errors of Express middleware (body-parser, multer) carry an HTTP status of their own.
  const e = err as { status?: unknown; statusCode?: unknown; type?: string; message?: string } | null;
  const status = Number(e?.status ?? e?.statusCode);
  if (Number.isInteger(status) && status >= 400 && status < 500) {
    const message = e?.type === 'entity.parse.failed' ? 'the request body is not valid JSON' : (e?.message ?? 'bad request');
    return { error: new AppException(genericCodeFor(status), message), internal: false };
  }
  return { error: new AppException('INTERNAL_ERROR', 'internal error'), internal: true };
}
