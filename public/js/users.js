// The users the client knows of: remembered from every answer that carries one, fetched once when
// only an id is known.
import { api } from './api.js';
import { changed, state } from './state.js';

const fetchingUsers = new Set();

export function rememberUser(u) {
  if (u) state.users.set(u.id, { ...state.users.get(u.id), ...u });
}

/** Fetches a user known only by id, once; the views re-render when it arrives. */
export function ensureUser(id) {
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

/** 'You', the display name (or username), or '…' while it is being fetched. */
export function userName(userId) {
  if (userId === state.me?.id) return 'You';
  const u = state.users.get(userId);
  if (!u) ensureUser(userId);
  return u ? u.displayName || u.username : '…';
}

/** Other users whose username starts with `prefix`, as many as the server's default page holds. */
export async function searchUsers(prefix) {
  const res = await api('GET', `/api/users?q=${encodeURIComponent(prefix)}`);
  res.items.forEach(rememberUser);
  return res.items.filter((u) => u.id !== state.me.id);
}
