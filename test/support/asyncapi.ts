import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Check, DocumentMismatch, mismatches, preview, rewriteRefs as rewrite } from './schema-check';

/**
 * Checks socket traffic against the committed asyncapi.json: a server event's payload, a client
 * event's payload, the acknowledgement of a client event, a handshake refusal. Strict: the
 * document's objects are closed (no field it does not name), and `null` passes only where it
 * allows null. Each check throws an Error that names the event and every mismatch.
 */

export const ASYNCAPI_PATH = join(__dirname, '..', '..', 'asyncapi.json');

type Json = { [key: string]: unknown };
interface Ref {
  $ref: string;
}
interface Message {
  name?: string;
  payload: Json;
}
interface Operation {
  action: 'send' | 'receive';
  messages: Ref[];
  reply?: { messages: Ref[] };
}

/** Base of the schema ids under which the document's component schemas are known to Ajv. */
const BASE = 'asyncapi.json';
const SCHEMAS = '#/components/schemas/';

export class AsyncApiValidator {
  private readonly ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
  private readonly serverEvents = new Map<string, Check>();
  private readonly clientEvents = new Map<string, { payload: Check; ack: Check }>();
  private readonly ackFailure: Check;
  private readonly connectError: Check;

  constructor(private readonly doc: Json) {
    addFormats(this.ajv);
    const schemas = (doc.components as { schemas: Record<string, Json> }).schemas;
    this.ajv.addSchema({ $id: BASE, definitions: rewriteRefs(schemas) });

    const operations = doc.operations as Record<string, Operation>;
    for (const [id, op] of Object.entries(operations)) {
      const [message, ...more] = op.messages.map((r) => this.resolve<Message>(r));
      if (!message || more.length) throw new Error(`asyncapi.json: operation ${id} must have one message`);
      if (!message.name) throw new Error(`asyncapi.json: the message of operation ${id} has no name`);
      if (op.action === 'send') {
        this.serverEvents.set(message.name, this.check(message.payload));
      } else if (message.name === 'connect') {
        this.connectError = this.check(this.replyOf(id, op).payload);
      } else {
        this.clientEvents.set(message.name, { payload: this.check(message.payload), ack: this.check(this.replyOf(id, op).payload) });
      }
    }
    if (!this.connectError) throw new Error('asyncapi.json: no connect operation');
    this.ackFailure = this.check({ $ref: `${SCHEMAS}AckFailure` });
  }

  /** The event names the document lists, server→client and client→server. */
  events(): { server: string[]; client: string[] } {
    return { server: [...this.serverEvents.keys()], client: [...this.clientEvents.keys()] };
  }

  /** A payload the server emitted as `event`. */
  serverEvent(event: string, payload: unknown): void {
    const check = this.serverEvents.get(event);
    if (!check) throw new DocumentMismatch(`asyncapi: the server emitted "${event}", which the document does not list`);
    this.assert(check, payload, `server event "${event}"`);
  }

  /** A payload a client sends as `event` (what the document promises the server accepts in shape). */
  clientPayload(event: string, payload: unknown): void {
    const entry = this.clientEvents.get(event);
    if (!entry) throw new DocumentMismatch(`asyncapi: "${event}" is no client event of the document`);
    this.assert(entry.payload, payload, `payload of client event "${event}"`);
  }

  /**
   * The acknowledgement of client event `event`. An event the document does not list may only be
   * refused (the server answers UNKNOWN_EVENT): its ack must be the common failure.
   */
  ack(event: string, ack: unknown): void {
    const entry = this.clientEvents.get(event);
    this.assert(entry?.ack ?? this.ackFailure, ack, entry ? `ack of "${event}"` : `ack of the undocumented event "${event}"`);
  }

  /** The `connect_error` of a refused handshake (socket.io gives the client `err.message`). */
  connectRefusal(err: { message: string }): void {
    this.assert(this.connectError, { message: err.message }, 'connect_error');
  }

  private replyOf(id: string, op: Operation): Message {
    const [reply, ...more] = (op.reply?.messages ?? []).map((r) => this.resolve<Message>(r));
    if (!reply || more.length) throw new Error(`asyncapi.json: operation ${id} must have one reply message`);
    return reply;
  }

  /** Follows `$ref`s (local JSON pointers) to the object they name. */
  private resolve<T>(node: Ref | T): T {
    let current: unknown = node;
    while (current && typeof current === 'object' && '$ref' in current) {
      const pointer = (current as Ref).$ref;
      if (!pointer.startsWith('#/')) throw new Error(`asyncapi.json: unsupported $ref ${pointer}`);
      current = pointer
        .slice(2)
        .split('/')
        .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce<unknown>((at, key) => (at as Json | undefined)?.[key], this.doc);
      if (current === undefined) throw new Error(`asyncapi.json: $ref ${pointer} leads nowhere`);
    }
    return current as T;
  }

  private check(schema: Json): Check {
    const local = rewriteRefs(schema) as Json;
    const resolved = this.resolve<Json>(schema);
    const branches = Array.isArray(resolved.oneOf) ? (rewriteRefs(resolved.oneOf) as Json[]) : [];
    return { whole: this.ajv.compile(local), branches: branches.map((b) => this.ajv.compile(b)) };
  }

  private assert(check: Check, value: unknown, what: string): void {
    const lines = mismatches(check, value);
    if (lines)
      throw new DocumentMismatch(`asyncapi: ${what} does not match asyncapi.json:\n  ${lines.join('\n  ')}\n  value: ${preview(value)}`);
  }
}

/** `#/components/schemas/X` → the same schema in the definitions known to Ajv. */
function rewriteRefs(node: unknown): unknown {
  return rewrite(node, BASE, 'definitions');
}

let shared: AsyncApiValidator | undefined;

/** The validator of the committed asyncapi.json (read once per test file). */
export function asyncApi(): AsyncApiValidator {
  shared ??= new AsyncApiValidator(JSON.parse(readFileSync(ASYNCAPI_PATH, 'utf8')) as Json);
  return shared;
}
