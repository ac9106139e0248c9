import { requestedRange } from './byte-range';

describe('requestedRange', () => {
  it.each<[string | undefined, number, ReturnType<typeof requestedRange>]>([
    [undefined, 100, { kind: 'full' }],
    ['bytes=0-9', 100, { kind: 'partial', range: { start: 0, end: 9 } }],
    ['bytes=90-', 100, { kind: 'partial', range: { start: 90, end: 99 } }],
    ['bytes=-10', 100, { kind: 'partial', range: { start: 90, end: 99 } }],
    ['bytes=-500', 100, { kind: 'partial', range: { start: 0, end: 99 } }],
    ['bytes=50-5000', 100, { kind: 'partial', range: { start: 50, end: 99 } }],
    ['Bytes = 1 - 2', 100, { kind: 'partial', range: { start: 1, end: 2 } }],
    // Overlapping ranges are one range.
    ['bytes=0-4,3-9', 100, { kind: 'partial', range: { start: 0, end: 9 } }],
    ['bytes=100-', 100, { kind: 'unsatisfiable' }],
    ['bytes=-0', 100, { kind: 'unsatisfiable' }],
    ['bytes=0-', 0, { kind: 'unsatisfiable' }],
    ['bytes=-5', 0, { kind: 'unsatisfiable' }],
    // A last position before the first: range-parser counts it unsatisfiable (RFC 9110 lets a server ignore or refuse it).
    ['bytes=9-0', 100, { kind: 'unsatisfiable' }],
    ['bytes=0-1,5-6', 100, { kind: 'full' }],
    ['items=0-1', 100, { kind: 'full' }],
    ['bytes=abc', 100, { kind: 'full' }],
    ['bytes=-', 100, { kind: 'full' }],
    ['bytes', 100, { kind: 'full' }],
  ])('%j of %d bytes', (header, size, expected) => {
    expect(requestedRange(header, size)).toEqual(expected);
  });
});
