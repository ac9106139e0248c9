// A logged-in session of the client: the chat list, the socket, and catching up after a reconnect.
import { ApiError } from './api.js';
import { loadChats, loadDetail } from './chats.js';
import { fetchAfter } from './history.js';
import { forgetMedia } from './media.js';
import { retryFailed } from './messages.js';
import { watchMuteExpiry } from './mute.js';
import { socketHandlers } from './realtime.js';
import { connectSocket } from './socket.js';
import { changed, failed, resetState, state } from './state.js';
import { ticksMayHaveMoved } from './ticks.js';
import { closeSocket, useSocket } from './transport.js';
import { clearTyping } from './typing.js';
import { rememberUser } from './users.js';

let generation = 0; // bumped at stopSession(): late answers of a previous session are dropped

export async function startSession(me) {
  const gen = ++generation;
  state.me = me;
  rememberUser(me);
  changed('list', 'header', 'conn');
  await loadChats().catch(failed);
  if (gen !== generation) return;
  const socket = await connectSocket(socketHandlers, (status, info) => {
    if (gen !== generation) return;
    state.connection = status;
    changed('conn');
    if (status === 'online') catchUp(info?.reconnected ?? false);
  });
  if (gen === generation) useSocket(socket);
  else socket?.close();
}

export function stopSession() {
  generation++;
  closeSocket();
  clearTyping();
  resetState();
  watchMuteExpiry(); // no chats now: the timer stops
  forgetMedia();
}

/** After a (re)connect: the chat list again, then what each loaded chat missed. */
async function catchUp(reconnected) {
  try {
    if (reconnected) await loadChats();
    for (const [chatId, c] of state.conversations) {
      const chat = state.chats.get(chatId);
      if (c.loaded && chat && chat.lastSeq > c.maxSeq) await fetchAfter(chatId);
      // Receipts sent while this socket was away are lost: the held ticks again from the server.
      if (reconnected && c.loaded) ticksMayHaveMoved(chatId, 'read', c.maxSeq);
    }
    if (reconnected && state.openChatId) await loadDetail(state.openChatId);
    retryFailed();
  } catch (err) {
    if (!(err instanceof ApiError && err.transient)) failed(err);
  }
}
