// A chat's messages as the client holds them: opening a chat, history pages (older on scrolling
// up, newer after a gap or a reconnect) and stored messages arriving. Page sizes are the server's:
// no request names a limit, and the loops follow `hasMore`.
import { ApiError, api } from './api.js';
import { loadDetail, refreshChat, removeChat } from './chats.js';
import { changed, conversation, failed, state } from './state.js';
import { setTyping } from './typing.js';
import { ensureUser } from './users.js';

/** The chat's messages by seq, then the ones still being sent. */
export function messagesOf(chatId) {
  const c = state.conversations.get(chatId);
  if (!c) return [];
  const stored = [...c.messages.values()].sort((a, b) => a.seq - b.seq);
  return stored.concat([...c.pending.values()]);
}

/**
 * One page of history, as many messages as the server's default page (HISTORY_PAGE_SIZE) holds.
 * @param {string} chatId
 * @param {{ before?: number, after?: number }} [around] none: the newest messages
 * @returns {Promise<{ items: any[], hasMore: boolean }>}
 */
export function historyPage(chatId, around = {}) {
  const query = new URLSearchParams(Object.entries(around).map(([k, v]) => [k, String(v)])).toString();
  return api('GET', `/api/chats/${chatId}/messages${query ? `?${query}` : ''}`);
}

export async function openChat(chatId) {
  if (state.openChatId && state.openChatId !== chatId) setTyping(state.openChatId, false);
  state.openChatId = chatId;
  changed('list', 'chat', 'header');
  if (!chatId) return;
  const c = conversation(chatId);
  // Opened at a search result, it holds a stretch of the past: the newest messages again.
  if (c.hasNewer) state.conversations.delete(chatId);
  try {
    await Promise.all([c.hasNewer || !c.loaded ? loadNewest(chatId) : fetchAfter(chatId), loadDetail(chatId)]);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'CHAT_NOT_FOUND') removeChat(chatId);
    failed(err);
  }
}

/**
 * Opens the chat at message `seq` (a search result): the page up to it and the page after it, unless
 * the chat already holds it. Newer pages then load on scrolling down (`loadNewer`).
 * @param {string} chatId
 * @param {number} seq
 */
export async function openChatAt(chatId, seq) {
  const held = state.conversations.get(chatId);
  if (held?.loaded && held.messages.has(seq)) return openChat(chatId);
  if (state.openChatId && state.openChatId !== chatId) setTyping(state.openChatId, false);
  state.conversations.delete(chatId);
  state.openChatId = chatId;
  changed('list', 'chat', 'header');
  try {
    const [before, after] = await Promise.all([
      historyPage(chatId, { before: seq + 1 }),
      historyPage(chatId, { after: seq }),
      loadDetail(chatId),
    ]);
    const c = conversation(chatId);
    addMessages(c, before.items.concat(after.items));
    Object.assign(c, { hasMore: before.hasMore, hasNewer: after.hasMore, loaded: true });
    changed('chat');
  } catch (err) {
    if (err instanceof ApiError && err.code === 'CHAT_NOT_FOUND') removeChat(chatId);
    failed(err);
  }
}

/** The page after the newest message held, when the chat was opened in its past. */
export function loadNewer(chatId) {
  const c = conversation(chatId);
  if (!c.loaded || !c.hasNewer || c.catchingUp) return;
  c.catchingUp = historyPage(chatId, { after: c.maxSeq })
    .then((res) => {
      addMessages(c, res.items);
      c.hasNewer = res.hasMore;
      c.keepScroll = true;
    })
    .catch(failed)
    .finally(() => {
      c.catchingUp = null;
      changed('chat');
    });
}

async function loadNewest(chatId) {
  const res = await historyPage(chatId);
  const c = conversation(chatId);
  addMessages(c, res.items);
  c.hasMore = res.hasMore;
  c.loaded = true;
  changed('chat');
}

/**
 * The page before the oldest message held; the view keeps the scroll position. Resolves with
 * whether a page came (false: none left, or it failed and was reported).
 */
export function loadOlder(chatId) {
  const c = conversation(chatId);
  if (!c.loaded || !c.hasMore) return Promise.resolve(false);
  c.loadingOlder ??= (async () => {
    changed('chat');
    try {
      const res = await historyPage(chatId, { before: c.minSeq });
      addMessages(c, res.items);
      c.hasMore = res.hasMore;
      return true;
    } catch (err) {
      failed(err);
      return false;
    } finally {
      c.loadingOlder = null;
      changed('chat');
    }
  })();
  return c.loadingOlder;
}

/** Older pages until message `seq` is held or the beginning is reached: whether it is held. */
export async function loadBackTo(chatId, seq) {
  const c = conversation(chatId);
  while (c.minSeq > seq && (await loadOlder(chatId)));
  return c.messages.has(seq);
}

/** Everything after the newest message held (after a gap or a reconnect), page by page. */
export function fetchAfter(chatId) {
  const c = conversation(chatId);
  c.catchingUp ??= (async () => {
    for (;;) {
      const res = await historyPage(chatId, { after: c.maxSeq });
      addMessages(c, res.items);
      changed('chat');
      if (!res.hasMore || res.items.length === 0) break;
    }
  })().finally(() => (c.catchingUp = null));
  return c.catchingUp;
}

function addMessages(c, items) {
  for (const m of items) {
    c.messages.set(m.seq, m);
    if (m.clientId && m.senderId === state.me.id) c.pending.delete(m.clientId);
    c.minSeq = c.minSeq ? Math.min(c.minSeq, m.seq) : m.seq;
    c.maxSeq = Math.max(c.maxSeq, m.seq);
    ensureUser(m.senderId);
  }
}

/** A stored message, from the server's events or an acknowledgement. */
export function receive(m) {
  const chat = state.chats.get(m.chatId);
  if (!chat) {
    refreshChat(m.chatId); // e.g. a dialog I deleted, brought back by a new message
    return;
  }
  if (m.seq >= chat.lastSeq) Object.assign(chat, { lastSeq: m.seq, lastMessage: m, lastActivityAt: m.createdAt });
  const c = state.conversations.get(m.chatId);
  if (c?.loaded && !c.hasNewer) {
    if (c.maxSeq && m.seq > c.maxSeq + 1) fetchAfter(m.chatId).catch(() => {});
    else addMessages(c, [m]);
  }
  changed('list', 'chat');
}

const QUOTE_LENGTH = 200; // code points of the original a reply shows (API.md, v1.1 Objects: replyTo)

/** What a reply shows of `m` now. */
export function quoteOf(m) {
  const text = m.deleted || m.text === null ? null : [...m.text].slice(0, QUOTE_LENGTH).join('');
  return { seq: m.seq, senderId: m.senderId, text, deleted: Boolean(m.deleted) };
}

/** A stored message changed (edit, delete for everyone, attachment removed, ticks, reactions). */
export function update(m) {
  const c = state.conversations.get(m.chatId);
  const held = c?.messages.get(m.seq);
  if (held) {
    const now = { ...held, ...m };
    c.messages.set(m.seq, now);
    // Replies held show the original as it is now.
    if ('text' in m || 'deleted' in m) {
      for (const r of c.messages.values()) if (r.replyTo?.seq === m.seq) c.messages.set(r.seq, { ...r, replyTo: quoteOf(now) });
    }
  }
  const chat = state.chats.get(m.chatId);
  if (chat?.lastMessage?.seq === m.seq) chat.lastMessage = { ...chat.lastMessage, ...m };
  changed('chat', 'list');
}
