// The chat list: summaries and details from the server, the actions on a chat as a whole (pin,
// delete for me, create) and the member's cursors (delivered, read).
import { api } from './api.js';
import { watchMuteExpiry } from './mute.js';
import { changed, conversation, failed, state } from './state.js';
import { perform } from './transport.js';
import { rememberUser } from './users.js';

// --- selectors ------------------------------------------------------------------------------

/** Pinned first (latest pin first), then by last activity: the server's order. */
export function chatList() {
  return [...state.chats.values()].sort((a, b) => {
    if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
    if (a.pinned) return (b.pinnedAt ?? '').localeCompare(a.pinnedAt ?? '');
    return (b.lastActivityAt ?? '').localeCompare(a.lastActivityAt ?? '');
  });
}

export function chatTitle(chat) {
  if (chat.type === 'group') return chat.title ?? 'Group';
  return chat.peer ? chat.peer.displayName || chat.peer.username : 'Deleted user';
}

export function myRole(chatId) {
  return state.conversations.get(chatId)?.members.get(state.me?.id)?.role ?? null;
}

// --- summaries and details ------------------------------------------------------------------

/** Takes a ChatSummary (or ChatDetail) from the server; answers the one it replaces. */
export function putChat(summary) {
  const { members, ...chat } = summary;
  rememberUser(chat.peer);
  const prev = state.chats.get(chat.id);
  // Summaries and live messages race: a summary older than what is already known (a lower lastSeq)
  // must not take back the messages counted since.
  if (prev && prev.lastSeq > chat.lastSeq) {
    Object.assign(chat, {
      lastSeq: prev.lastSeq,
      lastMessage: prev.lastMessage,
      lastActivityAt: prev.lastActivityAt,
      unreadCount: prev.unreadCount,
      mentionCount: prev.mentionCount,
    });
  }
  state.chats.set(chat.id, chat);
  if (members) setMembers(chat.id, members);
  if (chat.muted || prev?.muted) watchMuteExpiry();
  acknowledgeDelivery(chat);
  return prev;
}

function setMembers(chatId, members) {
  const c = conversation(chatId);
  c.members = new Map(members.map((m) => [m.user.id, { role: m.role }]));
  members.forEach((m) => rememberUser(m.user));
  c.detailLoaded = true;
}

/** One page of the chat list, of the server's default size; `cursor` absent: the first. */
async function fetchChatPage(cursor) {
  const page = await api('GET', cursor ? `/api/chats?cursor=${encodeURIComponent(cursor)}` : '/api/chats');
  state.chatsCursor = page.nextCursor;
  return page.items;
}

export async function loadChats() {
  const items = await fetchChatPage(null);
  const open = state.openChatId && state.chats.get(state.openChatId);
  state.chats = new Map();
  items.forEach(putChat);
  if (open && !state.chats.has(open.id)) state.chats.set(open.id, open);
  changed('list', 'header');
}

export async function loadMoreChats() {
  if (!state.chatsCursor) return;
  (await fetchChatPage(state.chatsCursor)).forEach(putChat);
  changed('list');
}

export async function loadDetail(chatId) {
  putChat(await api('GET', `/api/chats/${chatId}`));
  changed('chat', 'header', 'list');
}

/** The chat again, e.g. a dialog I deleted that a new message brought back. */
export async function refreshChat(chatId) {
  try {
    await loadDetail(chatId);
  } catch {
    // not ours (any more)
  }
}

export function removeChat(chatId) {
  state.chats.delete(chatId);
  state.conversations.delete(chatId);
  state.typing.delete(chatId);
  if (state.openChatId === chatId) state.openChatId = null;
  changed('list', 'chat', 'header');
}

// --- actions --------------------------------------------------------------------------------

/** What the server confirmed about the pin (by PUT/DELETE …/pin or by /pin and /unpin). */
export function applyPinned(chatId, pinned) {
  const chat = state.chats.get(chatId);
  if (chat) Object.assign(chat, { pinned, pinnedAt: pinned ? new Date().toISOString() : null });
  changed('list', 'header');
}

export async function setPinned(chatId, pinned) {
  try {
    await api(pinned ? 'PUT' : 'DELETE', `/api/chats/${chatId}/pin`);
    applyPinned(chatId, pinned);
  } catch (err) {
    failed(err);
  }
}

export async function deleteChat(chatId) {
  try {
    await api('DELETE', `/api/chats/${chatId}`);
    removeChat(chatId);
  } catch (err) {
    failed(err);
  }
}

/** The direct chat with `userId` (made, or the existing one): its id. */
export async function startDirect(userId) {
  const detail = await api('POST', '/api/chats', { type: 'direct', userId });
  putChat(detail);
  return detail.id;
}

/** A new group with me as its owner: its id. */
export async function createGroup(title, userIds) {
  const detail = await api('POST', '/api/chats', { type: 'group', title, memberIds: userIds });
  putChat(detail);
  return detail.id;
}

// --- cursors --------------------------------------------------------------------------------

function moveCursor(event, chatId, seq) {
  const type = event === 'message:read' ? 'read' : 'delivered';
  perform(event, { chatId, seq }, { method: 'POST', path: `/api/chats/${chatId}/${type}`, body: { seq } }).catch(() => {});
}

/** Messages others sent reached this device: tells the server (once per seq). */
export function acknowledgeDelivery(chat) {
  if (chat.unreadCount > 0 && chat.lastSeq > (state.deliveredSent.get(chat.id) ?? 0)) {
    state.deliveredSent.set(chat.id, chat.lastSeq);
    moveCursor('message:delivered', chat.id, chat.lastSeq);
  }
}

/** The view calls this while the chat is on screen, visible and scrolled to the newest message. */
export function markRead(chatId) {
  const chat = state.chats.get(chatId);
  const c = state.conversations.get(chatId);
  if (!chat || !c?.maxSeq) return;
  if (c.maxSeq > chat.readSeq) {
    chat.readSeq = c.maxSeq;
    state.deliveredSent.set(chatId, Math.max(state.deliveredSent.get(chatId) ?? 0, c.maxSeq));
    moveCursor('message:read', chatId, c.maxSeq);
  }
  if ((chat.unreadCount || chat.mentionCount) && chat.readSeq >= chat.lastSeq) {
    Object.assign(chat, { unreadCount: 0, mentionCount: 0 });
    changed('list');
  }
}

/** My own read cursor moved on another device. */
export function readElsewhere(chatId, seq) {
  const chat = state.chats.get(chatId);
  if (!chat) return;
  chat.readSeq = Math.max(chat.readSeq, seq);
  if (chat.readSeq >= chat.lastSeq) Object.assign(chat, { unreadCount: 0, mentionCount: 0 });
  changed('list', 'chat');
}
