// @ts-check
// The socket.io events as the server types them. Their one home is the server's event map,
// src/realtime/wire-events.ts (event name → payload type); this file is the only place the client
// names it, and the socket layer (socket.js, transport.js, realtime.js) takes its types from here.
// Types only: nothing imports this file at run time.

/** @typedef {import('../../src/realtime/wire-events').ServerEvents} ServerToClientEvents payload of each server event */
/**
 * The payload of each client event.
 * @typedef {{ [E in import('../../src/realtime/wire-events').ClientEventName]: import('../../src/realtime/wire-events').ClientEvents[E]['payload'] }} ClientToServerEvents
 */
/** @typedef {ServerToClientEvents['message:new']} Message */

/**
 * A function for each server event the client listens to, called with its payload.
 * @typedef {{ [E in keyof ServerToClientEvents]?: (payload: ServerToClientEvents[E]) => void }} ServerEventHandlers
 */

/** @typedef {'connecting' | 'online' | 'offline' | 'unavailable'} ConnectionStatus */

/**
 * The connected socket, as socket.js hands it out.
 * @typedef {object} ClientSocket
 * @property {() => boolean} connected
 * @property {<E extends keyof ClientToServerEvents>(event: E, payload: ClientToServerEvents[E], timeoutMs?: number) => Promise<any>} call
 *   emits with an acknowledgement: resolves with its `data`, rejects with an ApiError
 * @property {<E extends keyof ClientToServerEvents>(event: E, payload: ClientToServerEvents[E]) => void} emit
 *   fire and forget: dropped while disconnected
 * @property {() => void} close
 */

export {};
