import type { ErrorObject, ValidateFunction } from 'ajv';

/**
 * What the document validators (openapi.ts, asyncapi.ts) share: the error they throw, and how a
 * schema mismatch is put into words.
 */

/**
 * The service sent something its committed document does not describe. Its own class, so that
 * helpers which swallow errors on purpose (polls, client-side timeouts) can let it through.
 */
export class DocumentMismatch extends Error {
  override name = 'DocumentMismatch';
}

export const isDocumentMismatch = (err: unknown): err is DocumentMismatch => err instanceof DocumentMismatch;

/** One schema, and the alternatives of its top-level `oneOf` kept apart so that a mismatch reports the right one. */
export interface Check {
  whole: ValidateFunction;
  branches: ValidateFunction[];
}

/** The lines that say why `value` fails `check`, or null when it passes. */
export function mismatches(check: Check, value: unknown): string[] | null {
  if (check.whole(value)) return null;
  // Of the alternatives (e.g. ack success or failure), report the one the value came closest to.
  const candidates = check.branches.length ? check.branches : [check.whole];
  const wholeErrors = check.whole.errors ?? [];
  const errors = candidates
    .map((validate) => (validate(value) ? [] : (validate.errors ?? [])))
    .filter((errs) => errs.length)
    .sort((a, b) => shallow(a) - shallow(b) || a.length - b.length)[0];
  return [...new Set(withoutNoise(errors ?? wholeErrors).map(describeError))];
}

/**
 * How many errors say the value is of another alternative: its own fields missing or extra, or a
 * constant (`ok`) that differs. Errors inside a field only say the value is a broken one of this kind.
 */
function shallow(errors: ErrorObject[]): number {
  return errors.filter((e) => e.instancePath === '' || (e.keyword === 'const' && e.instancePath.split('/').length === 2)).length;
}

/**
 * A broken field inside alternatives (a nullable field, a nested `oneOf`): when some errors go
 * deeper than the alternatives, the value is a broken one of the alternative they are in; "must
 * be null", "match one of" and the other alternatives' complaints about the field itself add nothing.
 */
function withoutNoise(errors: ErrorObject[]): ErrorObject[] {
  const deeper = (at: string) => errors.some((o) => o.keyword !== 'oneOf' && !isNullType(o) && o.instancePath.startsWith(at + '/'));
  const choice = new Set(errors.filter((e) => e.keyword === 'oneOf' && deeper(e.instancePath)).map((e) => e.instancePath));
  const inside = (e: ErrorObject) =>
    errors.some((o) => o !== e && o.keyword !== 'oneOf' && !isNullType(o) && (o.instancePath + '/').startsWith(e.instancePath + '/'));
  return errors.filter(
    (e) => !((e.keyword === 'oneOf' || isNullType(e)) && inside(e)) && !(e.keyword !== 'oneOf' && choice.has(e.instancePath)),
  );
}

function isNullType(e: ErrorObject): boolean {
  return e.keyword === 'type' && (e.params as { type?: unknown }).type === 'null';
}

function describeError(e: ErrorObject): string {
  const at = e.instancePath || '(top)';
  const params = e.params as { additionalProperty?: string; allowedValues?: unknown[]; allowedValue?: unknown };
  let detail = '';
  if (params.additionalProperty !== undefined) detail = `: "${params.additionalProperty}" is not documented`;
  else if (params.allowedValues) detail = `: ${JSON.stringify(params.allowedValues)}`;
  else if (params.allowedValue !== undefined) detail = `: ${JSON.stringify(params.allowedValue)}`;
  return `${at} ${e.message ?? e.keyword}${detail}`;
}

/** The start of a value, for an error message. */
export function preview(value: unknown, max = 800): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** `#/components/schemas/X` → `${base}#/${defs}/X`: the same schema among the definitions known to Ajv. */
export function rewriteRefs(node: unknown, base: string, defs: string): unknown {
  const prefix = '#/components/schemas/';
  if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, base, defs));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) =>
      key === '$ref' && typeof value === 'string' && value.startsWith(prefix)
        ? [key, `${base}#/${defs}/${value.slice(prefix.length)}`]
        : [key, rewriteRefs(value, base, defs)],
    ),
  );
}
