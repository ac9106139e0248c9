import fc from 'fast-check';
import { randomUUID } from 'node:crypto';

/**
 * What the fuzz test generates: wrong types, huge and deep values, unicode, `__proto__` /
 * `constructor` keys, arrays for objects; JSON bodies mutated from a valid template, query
 * strings and path segments.
 */

const FIELD_NAMES = [
  'clientId',
  'text',
  'attachmentIds',
  'chatId',
  'seq',
  'seqs',
  'fromChatId',
  'scope',
  'pinned',
  'isTyping',
  'before',
  'after',
  'limit',
  'type',
  'userId',
  'title',
  'memberIds',
  'userIds',
  'username',
  'password',
  'displayName',
  'about',
  'refreshToken',
  'cursor',
  'q',
];
const SPECIAL_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'then',
  'length',
  '$where',
  '$ne',
];

function deepArray(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}
function deepObject(depth: number, key = 'a'): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = { [key]: v };
  return v;
}
/** Named for fast-check's reports (a symbol key: not part of the JSON nor of the socket payload). */
function named<T extends object>(name: string, value: T): T {
  Object.defineProperty(value, fc.toStringMethod, { value: () => name, enumerable: false });
  return value;
}
const HUGE = [
  'x'.repeat(200_000),
  '😀'.repeat(20_000),
  'a\u0301'.repeat(10_000),
  named(
    '20000 numbers',
    Array.from({ length: 20_000 }, (_, i) => i),
  ),
  named(
    '5000 uuids',
    Array.from({ length: 5000 }, () => randomUUID()),
  ),
  named('5000 keys', Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]))),
  named('array nested 800 deep', deepArray(800) as object),
  named('object nested 800 deep', deepObject(800) as object),
  named('__proto__ nested 800 deep', deepObject(800, '__proto__') as object),
  named('constructor nested 800 deep', deepObject(800, 'constructor') as object),
];
/** Deeper than the test process can serialise: JSON text made directly, for REST bodies and raw socket frames. */
const DEEP = 20_000;
export const rawDeep = (field: string, extra = '') => ({
  arrays: `{${extra}"${field}":${'['.repeat(DEEP)}${']'.repeat(DEEP)}}`,
  objects: `{${extra}"${field}":${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}}`,
  protos: `{${extra}"${field}":${'{"__proto__":'.repeat(DEEP)}1${'}'.repeat(DEEP)}}`,
});
const RAW_DEEP = Object.values(rawDeep('text'));

/** encodeURIComponent, but a lone surrogate is sent as its raw UTF-8 bytes' escape (never throws). */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...Buffer.from(value)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  }
}
const TRICKY = [
  0,
  -0,
  -1,
  1.5,
  2 ** 31,
  2 ** 31 - 1,
  2 ** 53 + 2,
  -(2 ** 63),
  1e308,
  -1e308,
  Number.MIN_VALUE,
  '1',
  '-1',
  '1e3',
  '0x10',
  ' 1 ',
  '1.0',
  'NaN',
  'Infinity',
  '',
  ' ',
  '\u0000',
  '\u202e',
  '\ud800',
  '\udfff',
  '\uffff',
  '\t\n\r',
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  randomUUID().toUpperCase(),
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '%00',
  '%',
  '${x}',
  '{{7*7}}',
  '/help',
  '//x',
  '/',
  '/title',
  '/invite',
  '/kick',
  'me',
  'everyone',
  'direct',
  'group',
  true,
  false,
  null,
  [],
  {},
  [null],
  [[]],
  [{}],
];

const key = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...FIELD_NAMES) },
  { weight: 2, arbitrary: fc.constantFrom(...SPECIAL_KEYS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
);
const scalar = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(...TRICKY),
);
export const { value: nasty } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: scalar },
    { weight: 1, arbitrary: fc.constantFrom(...HUGE) },
    { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    { weight: 2, arbitrary: fc.dictionary(key, tie('value'), { maxKeys: 4 }) },
  ),
}));

/** A valid template with each field kept, dropped or replaced, plus extra keys (maybe special ones). */
export function mutated(template: Record<string, unknown>): fc.Arbitrary<unknown> {
  const fields = Object.fromEntries(
    Object.entries(template).map(([k, v]) => [
      k,
      fc.oneof({ weight: 2, arbitrary: fc.constant(v) }, { weight: 2, arbitrary: nasty }, { weight: 1, arbitrary: fc.constant(undefined) }),
    ]),
  );
  return fc.tuple(fc.record(fields), fc.dictionary(key, nasty, { maxKeys: 3 }), fc.nat(9)).map(([kept, extra, shape]) => {
    // Spread (not Object.assign): a "__proto__" key stays an own property and reaches the JSON.
    const body = { ...kept, ...(shape < 6 ? {} : extra) };
    return shape === 9 ? [body] : body; // an array where an object is expected
  });
}

/** A JSON body: mostly a mutated valid one, else any value, else text that is not JSON at all. */
export function jsonBody(template: Record<string, unknown>): fc.Arbitrary<{ raw: string }> {
  return fc
    .oneof<fc.MaybeWeightedArbitrary<string>[]>(
      { weight: 6, arbitrary: mutated(template).map((v) => JSON.stringify(v) ?? 'null') },
      { weight: 2, arbitrary: nasty.map((v) => JSON.stringify(v) ?? 'null') },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '{',
          '{"a":',
          '[1,]',
          '{"text": "\\ud800"}',
          'null',
          '"x"',
          '1',
          '{"__proto__": {"isAdmin": true}}',
          '\u0000',
          ...RAW_DEEP,
        ),
      },
    )
    .map((raw) => named(raw.length > 400 ? `${JSON.stringify(raw.slice(0, 200))}…(${raw.length} chars)` : JSON.stringify(raw), { raw }));
}

/** A query string: known and odd keys, repeated keys (arrays), bracket syntax, raw and encoded values. */
const queryPart = fc
  .tuple(
    fc.oneof(
      fc.constantFrom(...FIELD_NAMES),
      fc.constantFrom(...SPECIAL_KEYS),
      fc.constantFrom('limit[]', 'limit[a]', '__proto__[x]', 'constructor[prototype][x]'),
      fc.string({ maxLength: 8 }),
    ),
    fc.oneof(
      // Objects and arrays as String() makes them ("[object Object]", ""): odd values on purpose.
      scalar.map((v) => encode(String(v as string))),
      fc.constantFrom('%', '%zz', '&', '=', '', '[]', '1,2,3', ',,,', 'a'.repeat(5000), `${randomUUID()},${randomUUID()}`),
    ),
  )
  .map(([k, v]) => `${encode(k).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${v}`);
export const query = fc.array(queryPart, { maxLength: 6 }).map((parts) => parts.join('&'));
export const pathSegment = fc
  .oneof(
    fc.integer().map(String),
    fc.constantFrom('0', '-1', '1e3', '2147483648', '99999999999999999999', '1.5', 'abc', ' ', '%00', '..', randomUUID()),
    fc.string({ unit: 'binary', maxLength: 10 }).filter((s) => s.length > 0),
  )
  .map((s) => encode(s));
