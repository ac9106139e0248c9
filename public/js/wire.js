// @ts-check
// The socket.io events as the server types them. Their one home is the server's event map,
// src/realtime/wire-events.ts (event name → payload type); this file is the only place the client
// names it, and the socket layer (socket.js, transport.js, realtime.js) takes its types from here.
// Types only: nothing imports this file at run time.

/** @typedef {import('../../src/realtime/wire-events').ServerEvents} ServerMapEvents */
/** @typedef {import('../../src/realtime/wire-events').ClientEventName} ClientMapEventName */

// The contract's v1.1 shapes (API.md, "v1.1 additions": Objects and Realtime), written here as the
// contract states them. Each is intersected with the server's map below, so they change nothing
// once the server's map carries the same fields and events.

/** @typedef {{ seq: number, senderId: string, text: string | null, deleted: boolean }} ReplyTo what a reply quotes */
/** @typedef {{ emoji: string, count: number, me: boolean }} Reaction one emoji on a message; `me`: the caller put it there */
/** @typedef {{ replyTo: ReplyTo | null, reactions: Reaction[], mentions: string[] }} MessageV11 Message additions */
/** @typedef {{ muted: boolean, mutedUntil: string | null, mentionCount: number }} ChatSummaryV11 ChatSummary additions */
/**
 * The `reaction` event: the message's new counts (without `me`) after `userId` set or removed `emoji`.
 * @typedef {{ chatId: string, seq: number, userId: string, emoji: string, on: boolean, reactions: { emoji: string, count: number }[] }} ReactionNotice
 */

/** @typedef {ServerMapEvents['message:new'] & MessageV11} Message */
/** @typedef {ServerMapEvents['chat:updated'] & ChatSummaryV11} ChatSummary */

/**
 * The payload of each server event.
 * @typedef {Omit<ServerMapEvents, 'message:new' | 'message:updated' | 'chat:updated'>
 *   & { 'message:new': Message, 'message:updated': Message, 'chat:updated': ChatSummary, reaction: ReactionNotice }} ServerToClientEvents
 */
/**
 * The payload of each client event.
 * @typedef {{ [E in ClientMapEventName]: import('../../src/realtime/wire-events').ClientEvents[E]['payload'] }} ClientMapEvents
 */
/**
 * @typedef {Omit<ClientMapEvents, 'message:send'> & {
 *   'message:send': ClientMapEvents['message:send'] & { replyToSeq?: number },
 *   'reaction:set': { chatId: string, seq: number, emoji: string, on: boolean },
 * }} ClientToServerEvents
 */

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
