// @ts-check
// What the server's socket events do to the client's state.
import { acknowledgeDelivery, loadDetail, putChat, readElsewhere, removeChat } from './chats.js';
import { receive, update } from './history.js';
import { mentionsMe } from './mentions.js';
import { reactionChanged } from './reactions.js';
import { changed, state } from './state.js';
import { ticksMayHaveMoved } from './ticks.js';
import { typingChanged } from './typing.js';
import { rememberUser } from './users.js';

/** @type {import('./wire.js').ServerEventHandlers} */
export const socketHandlers = {
  'message:new'(m) {
    const chat = state.chats.get(m.chatId);
    const known = chat?.lastSeq ?? 0; // the summary's unreadCount already counts up to here
    receive(m);
    if (!chat || m.senderId === state.me?.id) return;
    if (m.seq > known && m.seq > chat.readSeq) {
      chat.unreadCount += 1;
      if (mentionsMe(m)) chat.mentionCount = (chat.mentionCount ?? 0) + 1;
    }
    acknowledgeDelivery(chat);
    typingChanged(m.chatId, m.senderId, false);
    state.incoming = m;
    changed('incoming');
  },
  'message:updated'(m) {
    // An edit that adds or removes a mention of me in an unread message moves the mention count.
    const chat = state.chats.get(m.chatId);
    const held = state.conversations.get(m.chatId)?.messages.get(m.seq);
    if (chat && held && m.senderId !== state.me?.id && m.seq > chat.readSeq && mentionsMe(held) !== mentionsMe(m)) {
      chat.mentionCount = Math.max(0, (chat.mentionCount ?? 0) + (mentionsMe(m) ? 1 : -1));
    }
    update(m);
  },
  reaction(n) {
    reactionChanged(n);
  },
  receipt({ chatId, userId, type, seq }) {
    if (userId !== state.me?.id) ticksMayHaveMoved(chatId, type, seq);
    else if (type === 'read') readElsewhere(chatId, seq);
  },
  typing({ chatId, userId, isTyping }) {
    if (userId !== state.me?.id) typingChanged(chatId, userId, isTyping);
  },
  presence({ userId, online, lastSeenAt }) {
    rememberUser({ id: userId, online, lastSeenAt });
    for (const chat of state.chats.values()) {
      if (chat.peer?.id === userId) chat.peer = { ...chat.peer, online, lastSeenAt };
    }
    changed('list', 'header');
  },
  'chat:updated'(summary) {
    const prev = putChat(summary);
    const c = state.conversations.get(summary.id);
    if (c?.detailLoaded && prev?.memberCount !== summary.memberCount) loadDetail(summary.id).catch(() => {});
    changed('list', 'header');
  },
  'chat:removed'({ chatId }) {
    removeChat(chatId);
  },
};
