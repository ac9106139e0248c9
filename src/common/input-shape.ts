/** Deepest nesting of objects and arrays accepted in a JSON body or a socket payload. */
export const MAX_INPUT_DEPTH = 32;

/** Keys that no request of the API uses and that reach object prototypes in careless code. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/**
 * Checks the shape of untrusted input before any library walks it recursively: class-transformer
 * (behind the validation of REST bodies and socket payloads) overflows the stack on deeply nested
 * values and throws on nested `constructor` keys, which would otherwise be answered 500; and no
 * string may hold U+0000 or a lone surrogate, which PostgreSQL refuses. Walks iteratively; returns what is wrong, or null.
 */
export function inputShapeProblem(input: unknown, maxDepth = MAX_INPUT_DEPTH): string | null {
  const stack: Array<[unknown, number]> = [[input, 1]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    // PostgreSQL text cannot hold U+0000: refused here with a clear message, not at the INSERT.
    if (typeof value === 'string' && value.includes('\u0000')) return 'text must not contain the NUL character (U+0000)';
    // A lone UTF-16 surrogate is no Unicode character: it cannot be stored as text or JSON.
    if (typeof value === 'string' && !isWellFormed(value)) return 'text must be well-formed Unicode (no lone surrogates)';
    if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) continue;
    if (depth > maxDepth) return `the input is nested too deeply (at most ${maxDepth} levels)`;
    if (Array.isArray(value)) {
      for (const item of value) stack.push([item, depth + 1]);
      continue;
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key) || key.includes('\u0000')) return `the key "${key.replaceAll('\u0000', '\\0')}" is not allowed`;
      stack.push([(value as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return null;
}
