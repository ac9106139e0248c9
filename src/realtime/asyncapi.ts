import { COMMAND_RESULTS } from '../conversations/dto/message-requests.dto';
import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, ReferenceObject, SchemaObject, SwaggerModule } from '@nestjs/swagger';
import { ErrorResponseDto, FieldErrorDto, RetryAfterDto } from '../common/api-errors';
import { SOCKET_MAX_FRAME_BYTES } from './socket-io.adapter';
import {
  AnswerClasses,
  CLIENT_EVENT_ANSWERS,
  CLIENT_EVENT_PAYLOADS,
  ClientEventName,
  ConnectErrorDto,
  HandshakeAuthDto,
  SERVER_EVENT_PAYLOADS,
  ServerEventName,
  WireClass,
} from './wire-events';

/**
 * The AsyncAPI 3.0 document of the socket.io protocol, generated from the wire map
 * (wire-events.ts) and the DTO classes it names: their JSON schemas are the ones @nestjs/swagger
 * makes for the OpenAPI document, turned from OpenAPI 3.0 into plain JSON Schema (`nullable`
 * becomes a `null` type) and closed (`additionalProperties: false`), as the server validates
 * client payloads with forbidNonWhitelisted and sends nothing but the DTO fields.
 *
 * Modelling (the usual one for socket.io): the default namespace is the channel, each socket.io
 * event is a message whose `name` is the event name, a client event is an operation the server
 * receives and its acknowledgement the operation's reply.
 */

export type JsonSchema = { [keyword: string]: unknown };

export interface AsyncApiDocument {
  asyncapi: '3.0.0';
  info: { title: string; version: string; description: string };
  defaultContentType: string;
  servers: Record<string, unknown>;
  channels: Record<string, unknown>;
  operations: Record<string, unknown>;
  components: { securitySchemes: Record<string, unknown>; messages: Record<string, unknown>; schemas: Record<string, JsonSchema> };
}

const CHANNEL = 'default';
const CHANNEL_REF = { $ref: `#/channels/${CHANNEL}` };
const SCHEMAS = '#/components/schemas/';
const ACK_FAILURE = 'AckFailure';

/** What each client event does and what its acknowledgement means (API.md, "Realtime"). */
const CLIENT_EVENT_DOCS = {
  'message:send':
    'Sends a message (text, attachments or both; text starting with "/" is a command). The ack comes only after the message is durably stored: it is the "sent" tick. A retry with the same clientId answers the message first stored and stores nothing new. data: the Message, or the command answer.',
  'message:edit': 'Edits the text of an own message that is not deleted (sets editedAt). data: the Message.',
  'message:delete':
    'Deletes a message: scope "me" (default) hides it for the caller only; "everyone" (sender, or group owner/admin) leaves a tombstone.',
  'message:forward':
    'Copies messages of another chat (the caller is a member of both) into this one, in order, each with forwardedFrom. data: { items }.',
  'message:delivered': 'Moves the caller’s delivered cursor of a chat forward (a lower seq is accepted and ignored).',
  'message:read': 'Moves the caller’s read cursor of a chat forward (a lower seq is accepted and ignored).',
  'messages:history':
    'A page of the visible messages before `before` (the newest when absent) or after `after`, in ascending seq. data: { items, hasMore }, as over REST.',
  'reaction:set':
    'Puts (`on: true`) or takes back (`on: false`) the caller’s reaction with one emoji on a message, as PUT / DELETE /api/chats/:id/messages/:seq/reactions/:emoji. What is already so succeeds and announces nothing.',
  'messages:search':
    'The messages the caller can see that contain every word of q (the last one also as a prefix; case and diacritics ignored; Chinese and Japanese by substring), newest first, each with a snippet. data: { items, nextCursor }, as GET /api/search/messages.',
  'chat:pin': 'Pins or unpins a chat for the caller (other members are unaffected).',
  'chat:delete': 'Deletes the dialog for the caller: it leaves the caller’s list and every message up to now is hidden from the caller.',
  typing: 'Tells the chat’s other members that the caller started or stopped typing.',
} satisfies { [E in ClientEventName]: string };

/** What each server event means and who gets it (API.md, "Realtime"). */
const SERVER_EVENT_DOCS = {
  'message:new':
    'A message was stored. Sent to every socket of every member except the socket that sent it; status is set as the sender sees it on the sender’s devices, null for the others.',
  'message:updated':
    'A message changed (edit, delete for everyone, attachment removed). Sent to the same sockets as message:new; its reactions carry `me` as that recipient sees it.',
  receipt: 'A member’s delivered or read cursor moved. Sent to the members of the chat.',
  reaction:
    'A member put or took back a reaction (only when that changed something), with every emoji now on the message and its count. Sent to every socket of every member, the reacting socket included.',
  typing: 'A member started or stopped typing. Sent to the other members.',
  presence:
    'A user turned online (its first socket, on any instance) or offline (a few seconds after its last socket went; lastSeenAt records when). Sent to the users who share a chat with it.',
  'chat:updated':
    'The chat as the recipient sees it (ChatSummary): sent to members when the chat is created, renamed or its members change, and to the recipient’s other devices when it pinned or unpinned it.',
  'chat:removed': 'The chat left the recipient’s list: it was removed from the chat, or deleted it on another device.',
  'server:closing':
    'The server is closing this socket (a socket.io disconnect follows): SLOW_READER when the client did not read fast enough and more was waiting for it than the server keeps. What was waiting is not sent: reconnect and catch up over REST.',
} satisfies { [E in ServerEventName]: string };

/** `message:send` → `MessageSend`: a component key (AsyncAPI keys take no ":"). */
function pascal(event: string): string {
  return event
    .split(/[^A-Za-z0-9]+/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

const ref = (target: string) => ({ $ref: target });
const messageRef = (id: string) => ref(`#/channels/${CHANNEL}/messages/${id}`);

export function buildAsyncApi(app: INestApplication): AsyncApiDocument {
  const openApiSchemas = wireSchemas(app);
  const schemaOf = (cls: WireClass) => {
    if (!openApiSchemas[cls.name]) throw new Error(`no schema for ${cls.name}: is it a DTO with @ApiProperty?`);
    return ref(SCHEMAS + cls.name);
  };

  const messages: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};

  messages.handshake = {
    name: 'connect',
    title: 'Handshake',
    summary: 'The socket.io CONNECT packet: `io(url, { auth: { token } })`.',
    payload: schemaOf(HandshakeAuthDto),
  };
  messages.connectError = {
    name: 'connect_error',
    title: 'Handshake refused',
    summary: 'The socket.io CONNECT_ERROR packet; a client sees it as a `connect_error` whose message is the reason.',
    payload: schemaOf(ConnectErrorDto),
  };
  operations.connect = {
    action: 'receive',
    channel: CHANNEL_REF,
    title: 'Connect',
    description:
      'Every connection presents an access token in the handshake auth. A valid token of a live session connects (socket.io answers with its own CONNECT packet) and the socket then receives the events of all of the user’s chats; else the connection fails with a connect_error.',
    messages: [messageRef('handshake')],
    reply: { channel: CHANNEL_REF, messages: [messageRef('connectError')] },
  };

  for (const event of Object.keys(CLIENT_EVENT_PAYLOADS) as ClientEventName[]) {
    const id = `client${pascal(event)}`;
    messages[id] = { name: event, title: event, payload: schemaOf(CLIENT_EVENT_PAYLOADS[event]) };
    messages[`${id}Ack`] = {
      title: `${event} acknowledgement`,
      summary: 'The argument of the acknowledgement callback (no event of its own).',
      payload: ackSchema(CLIENT_EVENT_ANSWERS[event], schemaOf),
    };
    operations[`receive${pascal(event)}`] = {
      action: 'receive',
      channel: CHANNEL_REF,
      title: event,
      description: `${CLIENT_EVENT_DOCS[event]} Emit it with an acknowledgement callback: \`socket.emit('${event}', payload, (ack) => …)\`.`,
      messages: [messageRef(id)],
      reply: { channel: CHANNEL_REF, messages: [messageRef(`${id}Ack`)] },
    };
  }

  for (const event of Object.keys(SERVER_EVENT_PAYLOADS) as ServerEventName[]) {
    const id = `server${pascal(event)}`;
    messages[id] = { name: event, title: event, payload: schemaOf(SERVER_EVENT_PAYLOADS[event]) };
    operations[`send${pascal(event)}`] = {
      action: 'send',
      channel: CHANNEL_REF,
      title: event,
      description: SERVER_EVENT_DOCS[event],
      messages: [messageRef(id)],
    };
  }

  const schemas: Record<string, JsonSchema> = {
    [ACK_FAILURE]: {
      type: 'object',
      description: 'A refused client event: the same error body as REST (status, stable code, message, details).',
      properties: { ok: { const: false }, error: schemaOf(ErrorResponseDto) },
      required: ['ok', 'error'],
      additionalProperties: false,
    },
  };
  for (const name of reachableSchemas(openApiSchemas, [...Object.values(messages), schemas[ACK_FAILURE]])) {
    schemas[name] = toJsonSchema(openApiSchemas[name]);
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Chat service — realtime',
      version: '1',
      description: [
        'The socket.io protocol of the chat service (default namespace). The REST API is in the OpenAPI document (/docs-json).',
        '',
        'Connect with `io(url, { auth: { token: accessToken } })`. Every socket of a user receives the events of all of the user’s chats, on whichever instance it is connected to.',
        'Each client event takes one payload and an acknowledgement callback, answered `{ ok: true, data }` or `{ ok: false, error }` where error is the REST error body.',
        'Client events of one socket run one at a time, in arrival order. After a reconnect a client catches up over REST: GET /api/chats, then the history after the highest seq it has, for every chat whose lastSeq is higher.',
      ].join('\n'),
    },
    defaultContentType: 'application/json',
    servers: {
      service: {
        host: '{host}',
        pathname: '/socket.io/',
        protocol: 'socket.io',
        protocolVersion: '5',
        description: `The service's HTTP port (socket.io on the same port as REST; WebSocket or HTTP long-polling transport). A frame larger than ${SOCKET_MAX_FRAME_BYTES} bytes closes the connection.`,
        variables: { host: { default: 'localhost:3000', description: 'host and port of the service (PORT, default 3000)' } },
        security: [ref('#/components/securitySchemes/accessToken')],
      },
    },
    channels: {
      [CHANNEL]: {
        address: '/',
        title: 'Default namespace',
        messages: Object.fromEntries(Object.keys(messages).map((id) => [id, ref(`#/components/messages/${id}`)])),
      },
    },
    operations,
    components: {
      securitySchemes: {
        accessToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'The access token of REST, given in the socket.io handshake as `auth: { token }` (not in an Authorization header). A missing, bad or expired token, or one of a logged-out session, is refused with connect_error "unauthorized"; while the database is down, "unavailable". Logout closes the session’s sockets.',
        },
      },
      messages,
      schemas,
    },
  };
}

/** The OpenAPI schemas of every class on the wire, as @nestjs/swagger makes them for REST. */
function wireSchemas(app: INestApplication): Record<string, SchemaObject | ReferenceObject> {
  const answers = Object.values(CLIENT_EVENT_ANSWERS).flatMap(classesOf);
  const extraModels = [
    ...new Set<WireClass>([
      HandshakeAuthDto,
      ConnectErrorDto,
      ErrorResponseDto,
      FieldErrorDto,
      RetryAfterDto,
      ...Object.values(CLIENT_EVENT_PAYLOADS),
      ...answers,
      ...Object.values(SERVER_EVENT_PAYLOADS),
      ...COMMAND_RESULTS,
    ]),
  ];
  const doc = SwaggerModule.createDocument(app, new DocumentBuilder().build(), { extraModels });
  return doc.components?.schemas ?? {};
}

/** The classes one of which an ack's `data` is (none: it is null). */
function classesOf(answer: AnswerClasses): readonly WireClass[] {
  if (answer === null) return [];
  return typeof answer === 'function' ? [answer] : answer;
}

/** `{ ok: true, data }` with the event's answer, or the common failure. */
function ackSchema(answer: AnswerClasses, schemaOf: (cls: WireClass) => JsonSchema): JsonSchema {
  const classes = classesOf(answer);
  const data = classes.length === 0 ? { type: 'null' } : classes.length === 1 ? schemaOf(classes[0]) : { oneOf: classes.map(schemaOf) };
  return {
    oneOf: [
      { type: 'object', properties: { ok: { const: true }, data }, required: ['ok', 'data'], additionalProperties: false },
      ref(SCHEMAS + ACK_FAILURE),
    ],
  };
}

/** The names of the component schemas that `roots` reference, directly or through each other, sorted. */
function reachableSchemas(all: Record<string, SchemaObject | ReferenceObject>, roots: unknown[]): string[] {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(SCHEMAS)) {
        const name = value.slice(SCHEMAS.length);
        if (!found.has(name) && all[name]) {
          found.add(name);
          visit(all[name]);
        }
      } else visit(value);
    }
  };
  visit(roots);
  return [...found].sort();
}

/**
 * An OpenAPI 3.0 schema as JSON Schema (draft 7, what AsyncAPI schemas are): `nullable` becomes a
 * `null` alternative, `example` becomes `examples`, and an object with properties is closed.
 * Keywords keep their order, so that the document reads like the OpenAPI one.
 */
function toJsonSchema(schema: SchemaObject | ReferenceObject): JsonSchema {
  if ('$ref' in schema) return { $ref: schema.$ref };
  const out: JsonSchema = {};
  for (const [keyword, value] of Object.entries(schema) as [keyof SchemaObject, unknown][]) {
    if (keyword === 'nullable') continue;
    if (keyword === 'example') out.examples = [value];
    else if (keyword === 'properties') out.properties = mapValues(value as Record<string, SchemaObject>, toJsonSchema);
    else if (keyword === 'items' || keyword === 'not') out[keyword] = toJsonSchema(value as SchemaObject);
    else if (keyword === 'allOf' || keyword === 'oneOf' || keyword === 'anyOf') out[keyword] = (value as SchemaObject[]).map(toJsonSchema);
    else if (keyword === 'additionalProperties' && typeof value === 'object') out[keyword] = toJsonSchema(value as SchemaObject);
    else out[keyword] = value;
  }
  if (schema.properties && schema.additionalProperties === undefined) out.additionalProperties = false;
  return schema.nullable ? orNull(out) : out;
}

function mapValues<T, U>(record: Record<string, T>, fn: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fn(value)]));
}

/** The schema, or null. */
function orNull(schema: JsonSchema): JsonSchema {
  const { description, examples, ...rest } = schema;
  const notes = { ...(description === undefined ? {} : { description }), ...(examples === undefined ? {} : { examples }) };
  // A scalar: one more type (and, for an enum, one more value).
  if (typeof rest.type === 'string' && !rest.allOf) {
    return { ...schema, type: [rest.type, 'null'], ...(Array.isArray(rest.enum) ? { enum: [...(rest.enum as unknown[]), null] } : {}) };
  }
  // A reference (@nestjs/swagger writes `{ type: 'object', allOf: [ref] }`): the reference or null.
  const { type, allOf, ...others } = rest;
  const only = Array.isArray(allOf) && allOf.length === 1 && Object.keys(others).length === 0 && (type === undefined || type === 'object');
  return { ...notes, oneOf: [only ? (allOf[0] as JsonSchema) : rest, { type: 'null' }] };
}
