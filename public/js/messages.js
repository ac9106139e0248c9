// Writing messages: send (shown at once, "sending" until the server stores it), retry with the same
// clientId, delete, forward.
import { ApiError, api } from './api.js';
import { chatTitle } from './chats.js';
import { isCommand, runCommand } from './commands.js';
import { uuid } from './dom.js';
import { receive } from './history.js';
import { changed, conversation, failed, notice, state } from './state.js';
import { sendToServer } from './transport.js';

/** Sends text and/or already uploaded attachments; a command's answer becomes a notice. */
export function send(chatId, text, attachments = []) {
  const clientId = uuid();
  // With files attached, a leading "/" is just text (so the server says too).
  if (isCommand(text) && attachments.length === 0) return runCommand(chatId, clientId, text);
  const msg = {
    id: null,
    chatId,
    seq: null,
    senderId: state.me.id,
    type: 'text',
    text: text || null,
    attachments,
    forwardedFrom: null,
    deleted: false,
    editedAt: null,
    createdAt: new Date().toISOString(),
    clientId,
    status: null,
    local: 'sending',
  };
  conversation(chatId).pending.set(clientId, msg);
  changed('chat', 'sent');
  return deliver(msg);
}

/** (Re)sends a local message with its clientId: the server stores it once. */
export async function deliver(msg) {
  const c = conversation(msg.chatId);
  msg.local = 'sending';
  msg.error = null;
  changed('chat');
  const payload = { clientId: msg.clientId };
  if (msg.text) payload.text = msg.text;
  if (msg.attachments.length) payload.attachmentIds = msg.attachments.map((a) => a.id);
  try {
    const stored = await sendToServer(msg.chatId, payload);
    c.pending.delete(msg.clientId);
    receive(stored);
  } catch (err) {
    msg.local = 'failed';
    msg.error = err.message;
    msg.retryable = !(err instanceof ApiError) || err.transient;
    changed('chat');
  }
}

/** After a reconnect: what failed for want of a connection goes again. */
export function retryFailed() {
  for (const c of state.conversations.values()) {
    for (const msg of c.pending.values()) if (msg.local === 'failed' && msg.retryable) deliver(msg);
  }
}

export function discard(msg) {
  conversation(msg.chatId).pending.delete(msg.clientId);
  changed('chat');
}

export async function deleteMessage(chatId, seq, scope) {
  try {
    await api('DELETE', `/api/chats/${chatId}/messages/${seq}?scope=${scope}`);
    const c = conversation(chatId);
    const m = c.messages.get(seq);
    if (scope === 'me') c.messages.delete(seq);
    else if (m) Object.assign(m, { deleted: true, text: null, attachments: [] });
    changed('chat', 'list');
  } catch (err) {
    failed(err);
  }
}

export async function forward(fromChatId, seq, toChatId) {
  try {
    const res = await api('POST', `/api/chats/${toChatId}/messages/forward`, { fromChatId, seqs: [seq] });
    res.items.forEach(receive);
    notice(`Forwarded to ${chatTitle(state.chats.get(toChatId) ?? { type: 'group', title: 'the chat' })}`);
  } catch (err) {
    failed(err);
  }
}
