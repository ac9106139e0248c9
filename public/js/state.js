// The client's state and its change notification. Views read `state` and the selectors, call the
// actions of the other modules, and re-render on the topics they subscribe to: 'list', 'chat',
// 'header', 'conn', 'notice', 'incoming', 'sent'.
import { ApiError } from './api.js';
import { uuid } from './dom.js';

/**
 * @typedef {object} State
 * @property {{ id: string, username: string, displayName: string } | null} me the logged-in User
 * @property {Map<string, any>} chats id → ChatSummary
 * @property {string | null} chatsCursor nextCursor of the chat list
 * @property {Map<string, any>} users id → UserPublic (or User)
 * @property {Map<string, any>} conversations chatId → conversation (see conversation())
 * @property {Map<string, Map<string, ReturnType<typeof setTimeout>>>} typing chatId → userId → timer
 * @property {Map<string, number>} deliveredSent chatId → highest delivered seq announced
 * @property {string | null} openChatId
 * @property {import('./wire.js').ConnectionStatus} connection
 * @property {{ text: string, kind: 'info' | 'error', id: string } | null} notice
 * @property {import('./wire.js').Message | null} incoming the last message others sent (announced by the view)
 */

/** @returns {State} */
function emptyState() {
  return {
    me: null,
    chats: new Map(),
    chatsCursor: null,
    users: new Map(),
    conversations: new Map(),
    typing: new Map(),
    deliveredSent: new Map(),
    openChatId: null,
    connection: 'connecting',
    notice: null,
    incoming: null,
  };
}

export const state = emptyState();

/** Back to the state before log-in (after clearing what holds timers). */
export function resetState() {
  Object.assign(state, emptyState());
  changed('list', 'chat', 'header', 'conn');
}

/** What the client holds of one chat's messages, made on first use. */
export function conversation(chatId) {
  let c = state.conversations.get(chatId);
  if (!c) {
    c = {
      messages: new Map(), // seq → Message
      pending: new Map(), // clientId → a local message not yet acknowledged
      loaded: false,
      hasMore: false,
      hasNewer: false, // opened at a search result: messages after maxSeq not held yet
      keepScroll: false, // newer messages went in below: the view keeps its position once
      loadingOlder: null, // the page before minSeq being fetched: Promise<boolean>
      minSeq: 0,
      maxSeq: 0,
      members: new Map(), // userId → { role } (from GET /api/chats/:id)
      detailLoaded: false,
      catchingUp: null,
    };
    state.conversations.set(chatId, c);
  }
  return c;
}

// --- change notification --------------------------------------------------------------------

const subscribers = new Set();
const dirty = new Set();

export function subscribe(fn) {
  subscribers.add(fn);
  return () => subscribers.delete(fn);
}

/** Marks topics as changed; subscribers hear of them once, batched, in a microtask. */
export function changed(...topics) {
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

/** An action failed: its message as an error notice. */
export function failed(err) {
  notice(err instanceof ApiError || err instanceof Error ? err.message : String(err), 'error');
}
