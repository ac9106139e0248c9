// Client state and the actions on it. Views read `state` and the selectors, call the actions, and
// re-render on the topics they subscribe to ('list', 'chat', 'header', 'conn', 'notice', 'incoming').
import { ApiError, api } from './api.js';
import { uuid } from './dom.js';
import { connectSocket } from './socket.js';

const PAGE_SIZE = 15;
const TYPING_TIMEOUT_MS = 8000;
const STATUS_RANK = { sent: 1, delivered: 2, read: 3 };
const STATUS_NAME = ['sent', 'sent', 'delivered', 'read'];

export const state = {
  me: null,
  chats: new Map(), // id → ChatSummary
  chatsCursor: null, // nextCursor of the chat list
  users: new Map(), // id → UserPublic (or User)
  conversations: new Map(), // chatId → conversation (see conversation())
  typing: new Map(), // chatId → Map(userId → timer)
  openChatId: null,
  connection: 'connecting', // 'connecting' | 'online' | 'offline' | 'unavailable'
  notice: null, // { text, kind: 'info' | 'error', id }
  incoming: null, // the last message others sent (announced by the view)
};

let socket = null;
let generation = 0; // bumped at stop(): late answers of a previous session are dropped

// --- change notification --------------------------------------------------------------------

const subscribers = new Set();
const dirty = new Set();

export function subscribe(fn) {
  subscribers.add(fn);
  return () => subscribers.delete(fn);
}

function changed(...topics) {
  if (dirty.size === 0) {
    queueMicrotask(() => {
      const topicsNow = new Set(dirty);
      dirty.clear();
      for (const fn of subscribers) fn(topicsNow);
    });
  }
  for (const t of topics) dirty.add(t);
}

export function notice(text, kind = 'info') {
  state.notice = { text, kind, id: uuid() };
  changed('notice');
}

function failed(err) {
  notice(err instanceof ApiError || err instanceof Error ? err.message : String(err), 'error');
}

// --- selectors ------------------------------------------------------------------------------

export function conversation(chatId) {
  let c = state.conversations.get(chatId);
  if (!c) {
    c = {
      messages: new Map(), // seq → Message
      pending: new Map(), // clientId → a local message not yet acknowledged
      loaded: false,
      hasMore: false,
      loadingOlder: false,
      minSeq: 0,
      maxSeq: 0,
      members: new Map(), // userId → { deliveredSeq, readSeq, role } (from GET /api/chats/:id)
      detailLoaded: false,
      catchingUp: null,
    };
    state.conversations.set(chatId, c);
  }
  return c;
}

/** Pinned first (latest pin first), then by last activity: the server's order. */
export function chatList() {
  return [...state.chats.values()].sort((a, b) => {
    if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
    if (a.pinned) return (b.pinnedAt ?? '').localeCompare(a.pinnedAt ?? '');
    return (b.lastActivityAt ?? '').localeCompare(a.lastActivityAt ?? '');
  });
}

/** The open chat's messages by seq, then the ones still being sent. */
export function messagesOf(chatId) {
  const c = state.conversations.get(chatId);
  if (!c) return [];
  const stored = [...c.messages.values()].sort((a, b) => a.seq - b.seq);
  return stored.concat([...c.pending.values()]);
}

export function userName(userId) {
  if (userId === state.me?.id) return 'You';
  const u = state.users.get(userId);
  if (!u) ensureUser(userId);
  return u ? u.displayName || u.username : '…';
}

export function chatTitle(chat) {
  if (chat.type === 'group') return chat.title ?? 'Group';
  return chat.peer ? chat.peer.displayName || chat.peer.username : 'Deleted user';
}

/** 'sending' | 'failed' | 'sent' | 'delivered' | 'read' for own messages; null for others'. */
export function statusOf(m) {
  if (m.local) return m.local;
  if (m.senderId !== state.me?.id || m.type === 'system' || m.deleted) return null;
  let rank = STATUS_RANK[m.status] ?? 1;
  const c = state.conversations.get(m.chatId);
  const others = c?.detailLoaded ? [...c.members.entries()].filter(([id]) => id !== state.me.id) : [];
  if (others.length) {
    if (others.every(([, cur]) => cur.readSeq >= m.seq)) rank = 3;
    else if (others.every(([, cur]) => cur.deliveredSeq >= m.seq)) rank = Math.max(rank, 2);
  }
  return STATUS_NAME[rank];
}

export function typingIn(chatId) {
  return [...(state.typing.get(chatId)?.keys() ?? [])];
}

export function myRole(chatId) {
  return state.conversations.get(chatId)?.members.get(state.me?.id)?.role ?? null;
}

// --- users ----------------------------------------------------------------------------------

const fetchingUsers = new Set();

function rememberUser(u) {
  if (u) state.users.set(u.id, { ...state.users.get(u.id), ...u });
}

function ensureUser(id) {
  if (!id || state.users.has(id) || fetchingUsers.has(id)) return;
  fetchingUsers.add(id);
  api('GET', `/api/users/${id}`)
    .then((u) => {
      rememberUser(u);
      changed('chat', 'list');
    })
    .catch(() => {})
    .finally(() => fetchingUsers.delete(id));
}

export async function searchUsers(prefix) {
  const res = await api('GET', `/api/users?q=${encodeURIComponent(prefix)}&limit=20`);
  res.items.forEach(rememberUser);
  return res.items.filter((u) => u.id !== state.me.id);
}

// --- session ----------------------------------------------------------------------------------

export async function start(me) {
  const gen = ++generation;
  state.me = me;
  rememberUser(me);
  changed('list', 'header', 'conn');
  await loadChats().catch(failed);
  if (gen !== generation) return;
  socket = await connectSocket(socketHandlers, (status, info) => {
    if (gen !== generation) return;
    state.connection = status;
    changed('conn');
    if (status === 'online') catchUp(info?.reconnected);
  });
  if (gen !== generation) socket?.close();
}

export function stop() {
  generation++;
  socket?.close();
  socket = null;
  for (const timers of state.typing.values()) for (const t of timers.values()) clearTimeout(t);
  deliveredSent.clear();
  Object.assign(state, {
    me: null,
    chats: new Map(),
    chatsCursor: null,
    users: new Map(),
    conversations: new Map(),
    typing: new Map(),
    openChatId: null,
    connection: 'connecting',
    notice: null,
    incoming: null,
  });
  changed('list', 'chat', 'header', 'conn');
}

/** After a (re)connect: the chat list again, then what each loaded chat missed. */
async function catchUp(reconnected) {
  try {
    if (reconnected) await loadChats();
    for (const [chatId, c] of state.conversations) {
      const chat = state.chats.get(chatId);
      if (c.loaded && chat && chat.lastSeq > c.maxSeq) await fetchAfter(chatId);
    }
    if (reconnected && state.openChatId) await loadDetail(state.openChatId);
    retryFailed();
  } catch (err) {
    if (!(err instanceof ApiError && err.transient)) failed(err);
  }
}

// --- chats ----------------------------------------------------------------------------------

function putChat(summary) {
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
    });
  }
  state.chats.set(chat.id, chat);
  if (members) setMembers(chat.id, members);
  acknowledgeDelivery(chat);
  return prev;
}

export async function loadChats() {
  const page = await api('GET', '/api/chats?limit=50');
  const open = state.openChatId && state.chats.get(state.openChatId);
  state.chats = new Map();
  page.items.forEach(putChat);
  if (open && !state.chats.has(open.id)) state.chats.set(open.id, open);
  state.chatsCursor = page.nextCursor;
  changed('list', 'header');
}

export async function loadMoreChats() {
  if (!state.chatsCursor) return;
  const page = await api('GET', `/api/chats?limit=50&cursor=${encodeURIComponent(state.chatsCursor)}`);
  page.items.forEach(putChat);
  state.chatsCursor = page.nextCursor;
  changed('list');
}

function setMembers(chatId, members) {
  const c = conversation(chatId);
  for (const m of members) {
    rememberUser(m.user);
    const prev = c.members.get(m.user.id);
    c.members.set(m.user.id, {
      role: m.role,
      deliveredSeq: Math.max(m.deliveredSeq, prev?.deliveredSeq ?? 0),
      readSeq: Math.max(m.readSeq, prev?.readSeq ?? 0),
    });
  }
  const current = new Set(members.map((m) => m.user.id));
  for (const id of c.members.keys()) if (!current.has(id)) c.members.delete(id);
  c.detailLoaded = true;
}

async function loadDetail(chatId) {
  const detail = await api('GET', `/api/chats/${chatId}`);
  putChat(detail);
  changed('chat', 'header', 'list');
}

export async function openChat(chatId) {
  if (state.openChatId && state.openChatId !== chatId) setTyping(state.openChatId, false);
  state.openChatId = chatId;
  changed('list', 'chat', 'header');
  if (!chatId) return;
  const c = conversation(chatId);
  try {
    await Promise.all([c.loaded ? fetchAfter(chatId) : loadNewest(chatId), loadDetail(chatId)]);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'CHAT_NOT_FOUND') removeChat(chatId);
    failed(err);
  }
}

async function loadNewest(chatId) {
  const res = await api('GET', `/api/chats/${chatId}/messages?limit=${PAGE_SIZE}`);
  const c = conversation(chatId);
  addMessages(c, res.items);
  c.hasMore = res.hasMore;
  c.loaded = true;
  changed('chat');
}

/** The page before the oldest message held; the view keeps the scroll position. */
export async function loadOlder(chatId) {
  const c = conversation(chatId);
  if (!c.loaded || !c.hasMore || c.loadingOlder) return;
  c.loadingOlder = true;
  changed('chat');
  try {
    const res = await api('GET', `/api/chats/${chatId}/messages?before=${c.minSeq}&limit=${PAGE_SIZE}`);
    addMessages(c, res.items);
    c.hasMore = res.hasMore;
  } catch (err) {
    failed(err);
  } finally {
    c.loadingOlder = false;
    changed('chat');
  }
}

/** Everything after the newest message held (after a gap or a reconnect). */
function fetchAfter(chatId) {
  const c = conversation(chatId);
  c.catchingUp ??= (async () => {
    for (;;) {
      const res = await api('GET', `/api/chats/${chatId}/messages?after=${c.maxSeq}&limit=100`);
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

function removeChat(chatId) {
  state.chats.delete(chatId);
  state.conversations.delete(chatId);
  state.typing.delete(chatId);
  if (state.openChatId === chatId) state.openChatId = null;
  changed('list', 'chat', 'header');
}

async function refreshChat(chatId) {
  try {
    await loadDetail(chatId);
  } catch {
    // not ours (any more)
  }
}

export async function setPinned(chatId, pinned) {
  try {
    await api(pinned ? 'PUT' : 'DELETE', `/api/chats/${chatId}/pin`);
    const chat = state.chats.get(chatId);
    if (chat) Object.assign(chat, { pinned, pinnedAt: pinned ? new Date().toISOString() : null });
    changed('list', 'header');
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

export async function startDirect(userId) {
  const detail = await api('POST', '/api/chats', { type: 'direct', userId });
  putChat(detail);
  await openChat(detail.id);
}

export async function createGroup(title, userIds) {
  const detail = await api('POST', '/api/chats', { type: 'group', title, memberIds: userIds });
  putChat(detail);
  await openChat(detail.id);
}

// --- cursors --------------------------------------------------------------------------------

const deliveredSent = new Map(); // chatId → highest delivered seq announced

function cursor(type, chatId, seq) {
  const req = socket?.connected() ? socket.call(`message:${type}`, { chatId, seq }) : api('POST', `/api/chats/${chatId}/${type}`, { seq });
  req.catch(() => {});
}

function acknowledgeDelivery(chat) {
  if (chat.unreadCount > 0 && chat.lastSeq > (deliveredSent.get(chat.id) ?? 0)) {
    deliveredSent.set(chat.id, chat.lastSeq);
    cursor('delivered', chat.id, chat.lastSeq);
  }
}

/** The view calls this while the chat is on screen, visible and scrolled to the newest message. */
export function markRead(chatId) {
  const chat = state.chats.get(chatId);
  const c = state.conversations.get(chatId);
  if (!chat || !c?.maxSeq) return;
  if (c.maxSeq > chat.readSeq) {
    chat.readSeq = c.maxSeq;
    deliveredSent.set(chatId, Math.max(deliveredSent.get(chatId) ?? 0, c.maxSeq));
    cursor('read', chatId, c.maxSeq);
  }
  if (chat.unreadCount && chat.readSeq >= chat.lastSeq) {
    chat.unreadCount = 0;
    changed('list');
  }
}

// --- sending --------------------------------------------------------------------------------

function isCommand(text) {
  return text.startsWith('/') && !text.startsWith('//');
}

async function transportSend(chatId, payload) {
  if (socket?.connected()) return socket.call('message:send', { chatId, ...payload });
  return api('POST', `/api/chats/${chatId}/messages`, payload);
}

/** Sends text and/or already uploaded attachments; a command's answer becomes a notice. */
export function send(chatId, text, attachments = []) {
  const clientId = uuid();
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
    const data = await transportSend(msg.chatId, payload);
    c.pending.delete(msg.clientId);
    if (data?.type === 'command') commandAnswered(msg.chatId, data);
    else receive(data);
  } catch (err) {
    msg.local = 'failed';
    msg.error = err.message;
    msg.retryable = !(err instanceof ApiError) || err.transient;
    changed('chat');
  }
}

function retryFailed() {
  for (const c of state.conversations.values()) {
    for (const msg of c.pending.values()) if (msg.local === 'failed' && msg.retryable) deliver(msg);
  }
}

export function discard(msg) {
  conversation(msg.chatId).pending.delete(msg.clientId);
  changed('chat');
}

async function runCommand(chatId, clientId, text) {
  try {
    const answer = await transportSend(chatId, { clientId, text });
    if (answer?.type === 'command') commandAnswered(chatId, answer);
    else receive(answer);
  } catch (err) {
    failed(err);
  }
}

function commandAnswered(chatId, { command, result, message }) {
  if (message) receive(message);
  const chat = state.chats.get(chatId);
  switch (command) {
    case 'help':
      notice(result.commands.map((c) => `${c.usage} — ${c.description}`).join('\n'));
      break;
    case 'who':
      result.members.forEach((m) => rememberUser(m.user));
      notice(
        result.members
          .map((m) => `${m.user.displayName || m.user.username} (@${m.user.username}) — ${m.role}, ${m.user.online ? 'online' : 'offline'}`)
          .join('\n'),
      );
      break;
    case 'title':
      notice(`Renamed to “${result.title}”`);
      break;
    case 'invite':
      notice(`Added ${result.userIds.length} member(s)`);
      break;
    case 'kick':
      notice(`Removed ${userName(result.userId)}`);
      break;
    case 'leave':
      notice('You left the chat');
      removeChat(chatId);
      break;
    case 'pin':
    case 'unpin':
      if (chat) Object.assign(chat, { pinned: result.pinned, pinnedAt: result.pinned ? new Date().toISOString() : null });
      notice(result.pinned ? 'Chat pinned' : 'Chat unpinned');
      changed('list', 'header');
      break;
    default:
      notice(`/${command}: ${JSON.stringify(result)}`);
  }
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

// --- typing ---------------------------------------------------------------------------------

export function setTyping(chatId, isTyping) {
  socket?.emit('typing', { chatId, isTyping });
}

function typingChanged(chatId, userId, isTyping) {
  let timers = state.typing.get(chatId);
  clearTimeout(timers?.get(userId));
  if (isTyping) {
    if (!timers) state.typing.set(chatId, (timers = new Map()));
    timers.set(
      userId,
      setTimeout(() => typingChanged(chatId, userId, false), TYPING_TIMEOUT_MS),
    );
  } else {
    timers?.delete(userId);
  }
  changed('list', 'header');
}

// --- server events --------------------------------------------------------------------------

/** A stored message, from the server's events or an acknowledgement. */
function receive(m) {
  const chat = state.chats.get(m.chatId);
  if (!chat) {
    refreshChat(m.chatId); // e.g. a dialog I deleted, brought back by a new message
    return;
  }
  if (m.seq >= chat.lastSeq) Object.assign(chat, { lastSeq: m.seq, lastMessage: m, lastActivityAt: m.createdAt });
  const c = state.conversations.get(m.chatId);
  if (c?.loaded) {
    if (c.maxSeq && m.seq > c.maxSeq + 1) fetchAfter(m.chatId).catch(() => {});
    else addMessages(c, [m]);
  }
  changed('list', 'chat');
}

const socketHandlers = {
  'message:new'(m) {
    const chat = state.chats.get(m.chatId);
    const known = chat?.lastSeq ?? 0; // the summary's unreadCount already counts up to here
    receive(m);
    if (!chat || m.senderId === state.me.id) return;
    if (m.seq > known && m.seq > chat.readSeq) chat.unreadCount += 1;
    acknowledgeDelivery(chat);
    typingChanged(m.chatId, m.senderId, false);
    state.incoming = m;
    changed('incoming');
  },
  'message:updated'(m) {
    const c = state.conversations.get(m.chatId);
    if (c?.messages.has(m.seq)) c.messages.set(m.seq, { ...c.messages.get(m.seq), ...m });
    const chat = state.chats.get(m.chatId);
    if (chat?.lastMessage?.seq === m.seq) chat.lastMessage = m;
    changed('chat', 'list');
  },
  receipt({ chatId, userId, type, seq }) {
    const chat = state.chats.get(chatId);
    if (!chat) return;
    if (userId === state.me.id) {
      if (type === 'read') {
        chat.readSeq = Math.max(chat.readSeq, seq);
        if (chat.readSeq >= chat.lastSeq) chat.unreadCount = 0;
      }
    } else {
      const c = state.conversations.get(chatId);
      if (c?.detailLoaded) {
        const cur = c.members.get(userId) ?? { role: 'member', deliveredSeq: 0, readSeq: 0 };
        cur.deliveredSeq = Math.max(cur.deliveredSeq, seq);
        if (type === 'read') cur.readSeq = Math.max(cur.readSeq, seq);
        c.members.set(userId, cur);
      }
      const last = chat.lastMessage;
      if (chat.type === 'direct' && last && last.senderId === state.me.id && last.seq <= seq) {
        chat.lastMessage = { ...last, status: type === 'read' ? 'read' : last.status === 'read' ? 'read' : 'delivered' };
      }
    }
    changed('chat', 'list');
  },
  typing({ chatId, userId, isTyping }) {
    if (userId !== state.me.id) typingChanged(chatId, userId, isTyping);
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
