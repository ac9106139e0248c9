// @ts-check
// How actions reach the server: over the socket while it is connected (its acknowledgement is the
// answer), else over REST. The server runs the same service method for both.
import { api } from './api.js';

/** @typedef {import('./wire.js').ClientToServerEvents} ClientToServerEvents */
/** @typedef {import('./wire.js').ClientSocket} ClientSocket */

/** @type {ClientSocket | null} */
let socket = null;

/** @param {ClientSocket | null} s the session's socket (null: REST only) */
export function useSocket(s) {
  socket = s;
}

export function closeSocket() {
  socket?.close();
  socket = null;
}

/**
 * @template {keyof ClientToServerEvents} E
 * @param {E} event the socket event
 * @param {ClientToServerEvents[E]} payload its payload
 * @param {{ method: string, path: string, body?: unknown }} rest the same action over REST
 * @returns {Promise<any>} the acknowledgement's `data`, or the REST answer
 */
export function perform(event, payload, rest) {
  return socket?.connected() ? socket.call(event, payload) : api(rest.method, rest.path, rest.body);
}

/**
 * Fire and forget (typing): dropped while disconnected rather than buffered.
 * @template {keyof ClientToServerEvents} E
 * @param {E} event
 * @param {ClientToServerEvents[E]} payload
 */
export function emit(event, payload) {
  socket?.emit(event, payload);
}

/**
 * Sends a message or a command (`message:send`, or POST …/messages).
 * @param {string} chatId
 * @param {{ clientId: string, text?: string, attachmentIds?: string[], replyToSeq?: number }} payload
 * @returns {Promise<any>} the stored Message, or the command's answer
 */
export function sendToServer(chatId, payload) {
  return perform('message:send', { chatId, ...payload }, { method: 'POST', path: `/api/chats/${chatId}/messages`, body: payload });
}
