import type { ErrorBody } from '../common/app.exception';
import type { Ack } from './wire-events';

export type { Ack };

export type AckCallback = (answer: Ack) => void;

/**
 * socket.io hands a listener the event's arguments, the acknowledgement callback last when the
 * client asked for one. The contract's events take one payload: zero arguments leave it
 * undefined, several make it an array (both then fail validation).
 */
export function splitArgs(args: unknown[]): { payload: unknown; ack: AckCallback | null } {
  const last = args.length ? args[args.length - 1] : undefined;
  const ack = typeof last === 'function' ? (last as AckCallback) : null;
  const rest = ack ? args.slice(0, -1) : args;
  return { payload: rest.length === 1 ? rest[0] : rest.length === 0 ? undefined : rest, ack };
}

export function ackError(error: ErrorBody): Ack {
  return { ok: false, error };
}
