import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ERROR_CODES_EXTENSION, ErrorResponseDto, FieldErrorDto, RetryAfterDto, errorResponseSchema } from './common/api-errors';
import { ERROR_CODES, ErrorCode } from './common/error-codes';
import { COMMAND_RESULTS } from './conversations/dto/message-requests.dto';

type Json = Record<string, unknown>;
interface Operation extends Json {
  security?: Array<Record<string, string[]>>;
  requestBody?: Json;
  parameters?: Json[];
  responses: Record<string, Json>;
  [ERROR_CODES_EXTENSION]?: ErrorCode[];
}

const TAGS: Array<[string, string]> = [
  ['auth', 'Accounts and sessions: register, log in, refresh the token pair, log out. Each login is a session (a device).'],
  ['users', 'Profiles and username search.'],
  ['presence', 'Who is online, and when each user was last seen.'],
  ['chats', 'Direct chats and groups, members and roles, pins, read and delivered cursors, delete-for-me.'],
  ['messages', 'History, sending (idempotent by clientId), commands, edits, deletes, forwards, receipts.'],
  ['attachments', 'Files: upload (streamed, capped), download with access checks, ranges and ETags, delete.'],
  ['push', 'Web Push (RFC 8030/8291/8292): the VAPID key, and the push subscriptions of this session (device).'],
];

const REQUEST_ID = {
  'X-Request-Id': { description: 'the request id (the one sent, or a new one), also in the logs', schema: { type: 'string' } },
};
const RETRY_AFTER = {
  'Retry-After': { description: 'whole seconds until a retry can succeed', schema: { type: 'integer', minimum: 1 } },
};

/**
 * The OpenAPI 3.1 document of the REST API, from the controllers and DTOs (the Swagger plugin adds
 * the class-validator rules), finished by one pass that gives every operation the errors all routes
 * share and writes each error status's schema with exactly the codes the route can answer.
 */
export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Chat service')
    .setDescription(
      'REST API of the chat service. Realtime traffic uses socket.io: see the AsyncAPI document (`/docs/asyncapi.json`) ' +
        'and the reference in the repository (`docs/`).',
    )
    .setVersion('1.1')
    .setLicense('UNLICENSED', 'https://en.wikipedia.org/wiki/All_rights_reserved')
    .addServer('/', 'the instance that serves this document (`npm start` listens on port 3000)')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'the access token of a session' }, 'bearer');
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), {
    extraModels: [ErrorResponseDto, FieldErrorDto, RetryAfterDto, ...COMMAND_RESULTS],
  });
  finish(document as unknown as Json);
  return document;
}

function finish(document: Json): void {
  const paths = document.paths as Record<string, Record<string, Operation>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) finishOperation(path, method, operation);
  }
  const schemas = (document.components as { schemas: Record<string, Json> }).schemas;
  // The server answers with exactly the DTOs' fields and refuses unknown ones in requests.
  for (const schema of Object.values(schemas))
    if (schema.properties && schema.additionalProperties === undefined) schema.additionalProperties = false;
}

function finishOperation(path: string, method: string, operation: Operation): void {
  const secured = (operation.security ?? []).length > 0;
  // Public routes say so (Redocly's security-defined rule): no token needed.
  operation.security ??= [];
  const codes = new Set<ErrorCode>(operation[ERROR_CODES_EXTENSION] ?? []);
  delete operation[ERROR_CODES_EXTENSION];
  codes.add('UNAVAILABLE');
  if (secured) codes.add('UNAUTHORIZED');
  const hasPathIds = (operation.parameters ?? []).some((p) => p.in === 'path');
  const hasQuery = (operation.parameters ?? []).some((p) => p.in === 'query');
  if (hasPathIds || hasQuery || operation.requestBody) codes.add('VALIDATION_FAILED');
  const json = (operation.requestBody?.content as Json | undefined)?.['application/json'];
  if (json) for (const code of ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'] as const) codes.add(code);
  if (!operation.description)
    operation.description = typeof operation.summary === 'string' ? operation.summary : `${method.toUpperCase()} ${path}`;

  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_CODES[code], [...(byStatus.get(ERROR_CODES[code]) ?? []), code]);
  for (const [status, list] of byStatus) {
    operation.responses[String(status)] = {
      description: list.join(', '),
      headers: status === 429 ? { ...REQUEST_ID, ...RETRY_AFTER } : REQUEST_ID,
      content: { 'application/json': { schema: errorResponseSchema(status, list) } },
    };
  }
  for (const [status, response] of Object.entries(operation.responses)) {
    if (Number(status) < 400) response.headers = { ...REQUEST_ID, ...(response.headers as Json | undefined) };
  }
}
