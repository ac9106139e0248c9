import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Check, DocumentMismatch, mismatches, preview, rewriteRefs } from './schema-check';

/**
 * Checks HTTP answers against the committed openapi.json, independently of the code that wrote it:
 * the status must be one the operation documents, the media type the documented one (JSON, `*∕*`
 * for downloads, no body for 204 and 304), a JSON body must match the schema (the document's
 * objects are closed: a field it does not name fails), and documented headers must be present when
 * required and match their schema when sent. Each check throws a DocumentMismatch naming the route,
 * the status, every schema error and the start of the body.
 */

export const OPENAPI_PATH = join(__dirname, '..', '..', 'openapi.json');

type Json = { [key: string]: unknown };

interface MediaType {
  schema?: Json;
}
interface HeaderObject {
  required?: boolean;
  schema?: Json;
}
interface ResponseObject {
  content?: Record<string, MediaType>;
  headers?: Record<string, HeaderObject>;
}
interface OperationObject {
  operationId?: string;
  responses: Record<string, ResponseObject>;
}

/** What one documented status of an operation allows. */
interface Expected {
  /** The documented media type (`application/json`, `*∕*`), or null: no body. */
  mediaType: string | null;
  /** The body's schema, for JSON. */
  body?: Check;
  headers: { name: string; required: boolean; check?: Check; numeric: boolean }[];
}

interface Route {
  template: string;
  pattern: RegExp;
  /** Literal segments: `/messages/forward` is preferred to `/messages/{seq}`. */
  literals: number;
  operations: Map<string, Map<string, ResponseObject>>;
}

/** Base of the schema ids under which the document's component schemas are known to Ajv. */
const BASE = 'openapi.json';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

export class OpenApiValidator {
  // strictTypes off: it lints schemas, not data, and the error answers' `allOf` narrows
  // `properties` without repeating `type: object` (valid JSON Schema, the same validation).
  // inlineRefs off: each component schema is compiled once and shared, so that checking the first
  // answer of a route costs next to nothing (timing-sensitive tests send bursts).
  private readonly ajv = new Ajv2020({ strict: true, strictTypes: false, allErrors: true, inlineRefs: false });
  private readonly routes: Route[] = [];
  /** The compiled checks of one operation's status, made on first use (a spec file meets a few dozen of the ~200). */
  private readonly compiled = new Map<ResponseObject, Expected>();

  constructor(doc: Json) {
    addFormats(this.ajv);
    // OpenAPI's own annotation (3.1 keeps it beside JSON Schema's `examples`).
    this.ajv.addKeyword('example');
    const schemas = (doc.components as { schemas: Record<string, Json> }).schemas;
    this.ajv.addSchema({ $id: BASE, $defs: rewriteRefs(schemas, BASE, '$defs') });

    for (const [template, item] of Object.entries(doc.paths as Record<string, Record<string, OperationObject>>)) {
      const operations = new Map<string, Map<string, ResponseObject>>();
      for (const [method, op] of Object.entries(item)) {
        if (HTTP_METHODS.includes(method)) operations.set(method.toUpperCase(), new Map(Object.entries(op.responses)));
      }
      const segments = template.split('/');
      this.routes.push({
        template,
        pattern: new RegExp(`^${segments.map((s) => (/^\{[^}]+\}$/.test(s) ? '[^/]+' : escapeRegExp(s))).join('/')}$`),
        literals: segments.filter((s) => !s.startsWith('{')).length,
        operations,
      });
    }
  }

  /** Compiles the checks of every documented answer now (a schema strict Ajv refuses throws); returns how many. */
  compileAll(): number {
    const responses = this.routes.flatMap((route) => [...route.operations.values()].flatMap((statuses) => [...statuses.values()]));
    for (const response of responses) this.expected(response);
    return responses.length;
  }

  /**
   * One HTTP answer. `path` may carry a query string (ignored). A path no documented template
   * matches (/health, /, /docs, the web client's files) is not the API's: it is skipped; so is a
   * route the server does not have (404 NOT_FOUND) on a documented path, and a CORS preflight.
   */
  validateResponse(method: string, path: string, status: number, headers: Record<string, string | string[] | undefined>, body: Body): void {
    const verb = method.toUpperCase();
    const pathname = normalize(path);
    const candidates = this.routes.filter((r) => r.pattern.test(pathname)).sort((a, b) => b.literals - a.literals);
    if (!candidates.length) return;
    // Preflights are answered by the CORS layer before any route; OpenAPI does not describe them.
    if (verb === 'OPTIONS') return;
    // HEAD is GET without the body (Express answers it from the GET route).
    const lookup = verb === 'HEAD' ? 'GET' : verb;
    const route = candidates.find((r) => r.operations.has(lookup));
    const what = `${verb} ${path} → ${status}`;
    if (!route) {
      if (status === 404 && isJson(headers) && jsonOf(body)?.code === 'NOT_FOUND') return;
      fail(`${what}: the document has no ${verb} on ${candidates[0].template}`, headers, body);
    }
    const doc = `${lookup} ${route.template}`;
    const statuses = route.operations.get(lookup)!;
    const response = statuses.get(String(status)) ?? statuses.get(`${String(status)[0]}XX`) ?? statuses.get('default');
    if (!response) {
      if (isNodeParserAnswer(status, headers, body)) return;
      fail(`${what}: status ${status} is not documented for ${doc} (documented: ${[...statuses.keys()].join(', ')})`, headers, body);
    }

    const expected = this.expected(response);
    const problems: string[] = [];
    for (const header of expected.headers) {
      const raw = headers[header.name.toLowerCase()];
      if (raw === undefined) {
        if (header.required) problems.push(`header ${header.name} is required`);
        continue;
      }
      const value = Array.isArray(raw) ? raw.join(', ') : raw;
      const errors = header.check && mismatches(header.check, header.numeric && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value);
      if (errors)
        problems.push(`header ${header.name}: ${JSON.stringify(value)} ${errors.map((e) => e.replace(/^\(top\) /, '')).join('; ')}`);
    }

    const type = mediaTypeOf(headers);
    const text = textOf(body);
    if (expected.mediaType === null) {
      if (type) problems.push(`the document gives ${doc} ${status} no body, but Content-Type is ${type}`);
      if (text) problems.push(`the document gives ${doc} ${status} no body, but one came`);
    } else if (expected.mediaType === 'application/json') {
      if (type !== 'application/json') problems.push(`Content-Type is ${type ?? '(none)'}, the document says application/json`);
      else if (verb !== 'HEAD' && expected.body) {
        const value = parseJson(text);
        const errors = value === NOT_JSON ? [`the body is not JSON`] : mismatches(expected.body, value);
        if (errors) problems.push(`the body does not match the schema of ${doc} ${status}:\n    ${errors.join('\n    ')}`);
      }
    } else if (expected.mediaType !== '*/*' && type !== expected.mediaType) {
      problems.push(`Content-Type is ${type ?? '(none)'}, the document says ${expected.mediaType}`);
    }
    if (problems.length) fail(`${what} (${doc}):\n  ${problems.join('\n  ')}`, headers, body);
  }

  private expected(response: ResponseObject): Expected {
    const known = this.compiled.get(response);
    if (known) return known;
    const media = Object.keys(response.content ?? {});
    if (media.length > 1) throw new Error(`openapi.json: a response with several media types (${media.join(', ')}) is not supported`);
    const [mediaType = null] = media;
    const schema = mediaType ? response.content![mediaType].schema : undefined;
    const expected: Expected = {
      mediaType,
      body: mediaType === 'application/json' && schema ? this.check(schema) : undefined,
      headers: Object.entries(response.headers ?? {}).map(([name, header]) => ({
        name,
        required: header.required === true,
        check: header.schema ? this.check(header.schema) : undefined,
        numeric: header.schema?.type === 'integer' || header.schema?.type === 'number',
      })),
    };
    this.compiled.set(response, expected);
    return expected;
  }

  private check(schema: Json): Check {
    const local = rewriteRefs(schema, BASE, '$defs') as Json;
    const branches = Array.isArray(local.oneOf) ? (local.oneOf as Json[]) : [];
    return { whole: this.ajv.compile(local), branches: branches.map((b) => this.ajv.compile(b)) };
  }
}

/** A body as supertest gives it: parsed JSON, a Buffer (a binary parser), or the raw text beside. */
export interface Body {
  text?: string;
  body?: unknown;
}

const NOT_JSON = Symbol('not JSON');

function textOf({ text, body }: Body): string {
  if (typeof text === 'string') return text;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  return '';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function jsonOf(body: Body): Json | undefined {
  const value = parseJson(textOf(body));
  return value && typeof value === 'object' ? (value as Json) : undefined;
}

function mediaTypeOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const raw = headers['content-type'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value?.split(';')[0].trim().toLowerCase() || undefined;
}

const isJson = (headers: Record<string, string | string[] | undefined>) => mediaTypeOf(headers) === 'application/json';

/**
 * Node's HTTP parser refuses some requests itself (a URL or headers over its limit: 431; an
 * unparsable request: 400) before the service sees them: no body, no X-Request-Id. No document
 * of the service can describe those.
 */
function isNodeParserAnswer(status: number, headers: Record<string, string | string[] | undefined>, body: Body): boolean {
  return (status === 431 || status === 400) && headers['x-request-id'] === undefined && !mediaTypeOf(headers) && !textOf(body);
}

/** The path without its query string, and without the trailing slash Express ignores. */
function normalize(path: string): string {
  const pathname = path.split(/[?#]/)[0];
  return pathname.length > 1 ? pathname.replace(/\/$/, '') : pathname;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function fail(message: string, headers: Record<string, string | string[] | undefined>, body: Body): never {
  const type = mediaTypeOf(headers) ?? 'no Content-Type';
  const text = textOf(body);
  throw new DocumentMismatch(`openapi: ${message}\n  body (${type}): ${text ? preview(text) : '(empty)'}`);
}

let shared: OpenApiValidator | undefined;

/** The validator of the committed openapi.json (read and compiled once per test file). */
export function openApi(): OpenApiValidator {
  shared ??= new OpenApiValidator(JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as Json);
  return shared;
}
