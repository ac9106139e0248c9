// Writing messages: send (shown at once, "sending" until the server stores it), retry with the same
// clientId, reply, edit (and its history), delete, forward.
import { ApiError, api } from './api.js';
import { chatTitle } from './chats.js';
import { isCommand, runCommand } from './commands.js';
import { uuid } from './dom.js';
import { quoteOf, receive, update } from './history.js';
import { changed, conversation, failed, notice, state } from './state.js';
import { perform, sendToServer } from './transport.js';

/**
 * Sends text and/or already uploaded attachments, as a reply to `replyTo` (a held message) when
 * given; a command's answer becomes a notice.
 */
export function send(chatId, text, attachments = [], replyTo = null) {
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
    replyTo: replyTo && quoteOf(replyTo),
    reactions: [],
    mentions: [],
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
  if (msg.replyTo) payload.replyToSeq = msg.replyTo.seq;
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
    if (scope === 'everyone') return update({ chatId, seq, deleted: true, text: null, attachments: [], reactions: [] });
    conversation(chatId).messages.delete(seq);
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

/** Replaces the text of my message; resolves with whether the server took it. */
export async function editMessage(chatId, seq, text) {
  try {
    update(
      await perform(
        'message:edit',
        { chatId, seq, text },
        { method: 'PATCH', path: `/api/chats/${chatId}/messages/${seq}`, body: { text } },
      ),
    );
    return true;
  } catch (err) {
    failed(err);
    return false;
  }
}

/** The earlier versions of a message's text, oldest first: [{ text, editedAt }]. */
export async function editHistory(chatId, seq) {
  return (await api('GET', `/api/chats/${chatId}/messages/${seq}/edits`)).items;
}
