// Muting a chat, per user on every device: until a time or until unmuted. The mark goes by itself at
// `mutedUntil`, when the server unmutes the chat too.
import { api } from './api.js';
import { changed, failed, state } from './state.js';

const HOUR = 3600_000;
export const MUTE_CHOICES = [
  { label: 'For 1 hour', ms: HOUR },
  { label: 'For 8 hours', ms: 8 * HOUR },
  { label: 'For a week', ms: 7 * 24 * HOUR },
  { label: 'Until I unmute it', ms: null },
];

export function isMuted(chat) {
  return Boolean(chat?.muted) && (!chat.mutedUntil || Date.parse(chat.mutedUntil) > Date.now());
}

/** "Muted until 18:30" (or a date further off), "Muted". */
export function mutedText(chat) {
  if (!chat.mutedUntil) return 'Muted';
  const until = new Date(chat.mutedUntil);
  const sameDay = until.toDateString() === new Date().toDateString();
  return `Muted until ${sameDay ? until.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : until.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })}`;
}

let expiryTimer = null;

/** Re-renders when the next mute among the chats ends. */
export function watchMuteExpiry() {
  clearTimeout(expiryTimer);
  const now = Date.now();
  const ends = [...state.chats.values()].map((c) => (c.muted && c.mutedUntil ? Date.parse(c.mutedUntil) : NaN)).filter((t) => t > now);
  if (!ends.length) return;
  expiryTimer = setTimeout(
    () => {
      changed('list', 'header');
      watchMuteExpiry();
    },
    Math.min(Math.min(...ends) - now + 250, 2 ** 31 - 1),
  );
}

function applyMute(chatId, muted, mutedUntil) {
  const chat = state.chats.get(chatId);
  if (chat) Object.assign(chat, { muted, mutedUntil });
  watchMuteExpiry();
  changed('list', 'header');
}

/** Mutes the chat for `ms` milliseconds, or until unmuted (null). */
export async function mute(chatId, ms) {
  const until = ms ? new Date(Date.now() + ms).toISOString() : null;
  try {
    await api('PUT', `/api/chats/${chatId}/mute`, until ? { until } : {});
    applyMute(chatId, true, until);
  } catch (err) {
    failed(err);
  }
}

export async function unmute(chatId) {
  try {
    await api('DELETE', `/api/chats/${chatId}/mute`);
    applyMute(chatId, false, null);
  } catch (err) {
    failed(err);
  }
}
