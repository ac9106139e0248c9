import rangeParser from 'range-parser';
import type { ByteRange } from './storage/attachment-storage';

export type RequestedRange =
  /** No usable Range header: send the whole file (200). */
  | { kind: 'full' }
  | { kind: 'partial'; range: ByteRange }
  /** No byte of the file is asked for: 416. */
  | { kind: 'unsatisfiable' };

const FULL: RequestedRange = { kind: 'full' };

/** `bytes=-n` with n ≥ 1: the last n bytes. */
const SUFFIX = /^\s*bytes\s*=\s*-\s*0*[1-9]\d*\s*$/i;

/**
 * What a `Range` header asks of a file of `size` bytes, parsed by range-parser. One byte range is
 * served (clamped to the file); a header that is malformed, uses another unit or asks for several
 * ranges is ignored and the whole file is sent, which RFC 9110 §14.2 allows.
 */
export function requestedRange(header: string | undefined, size: number): RequestedRange {
  if (!header) return FULL;
  const ranges = rangeParser(size, header, { combine: true });
  if (ranges === -2) return FULL;
  if (ranges === -1) {
    // range-parser refuses a suffix longer than the file; RFC 9110 §14.1.3 serves the whole file.
    return SUFFIX.test(header) && size > 0 ? { kind: 'partial', range: { start: 0, end: size - 1 } } : { kind: 'unsatisfiable' };
  }
  if (ranges.type.trim().toLowerCase() !== 'bytes' || ranges.length !== 1) return FULL;
  return { kind: 'partial', range: { start: ranges[0].start, end: ranges[0].end } };
}
