import type { ByteRange } from './storage/attachment-storage';

export type RangeResult =
  /** No usable Range header: send the whole file (200). */
  | { kind: 'full' }
  | { kind: 'partial'; range: ByteRange }
  /** A valid single range that starts past the end: 416. */
  | { kind: 'unsatisfiable' };

/**
 * One byte range of a `Range` header (RFC 9110 §14): `bytes=a-b`, `bytes=a-` or `bytes=-n`. A header
 * that is malformed, uses another unit or asks for several ranges is ignored (the whole file is
 * sent), which the RFC allows; an end past the file is clamped to the last byte.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return { kind: 'full' };
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match || (match[1] === '' && match[2] === '')) return { kind: 'full' };
  const [, first, last] = match;
  if (first === '') {
    // Suffix: the last n bytes.
    const n = Number(last);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', range: { start: Math.max(0, size - n), end: size - 1 } };
  }
  const start = Number(first);
  const end = last === '' ? Number.MAX_SAFE_INTEGER : Number(last);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', range: { start, end: Math.min(end, size - 1) } };
}

/** Whether an `If-None-Match` header matches the (strong) ETag: weak comparison, as RFC 9110 asks. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
