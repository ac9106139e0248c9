// Reactions: the user's own toggles, shown at once and corrected by the server's `reaction` event,
// and everyone else's, live. The picker offers the emoji this user picks most, then common ones.
import { update } from './history.js';
import { failed, state } from './state.js';
import { perform } from './transport.js';

const COMMON = ['👍', '❤️', '😂', '😮', '😢', '🙏', '🎉', '🔥'];
const USAGE_KEY = 'chat.emojiUsage';
const OFFERED = 8;
// One element of Unicode's RGI emoji set, as the server requires (API.md, v1.1 Limits).
const ONE_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');

function usage() {
  try {
    return JSON.parse(localStorage.getItem(USAGE_KEY)) ?? {};
  } catch {
    return {};
  }
}

/** The emoji to offer first: the ones this user picked most, then the common ones. */
export function frequentEmoji() {
  const counts = usage();
  const mine = Object.keys(counts).sort((a, b) => counts[b] - counts[a]);
  return [...new Set([...mine, ...COMMON])].slice(0, OFFERED);
}

/**
 * What the user typed as one emoji (a missing emoji presentation selector added, as in "❤" → "❤️"),
 * or null when it is not one.
 */
export function asEmoji(text) {
  const t = text.trim();
  if (ONE_EMOJI.test(t)) return t;
  return ONE_EMOJI.test(`${t}\uFE0F`) ? `${t}\uFE0F` : null;
}

function held(chatId, seq) {
  return state.conversations.get(chatId)?.messages.get(seq) ?? null;
}

/** My reaction set or removed, before the server says so. */
function applyMine(chatId, seq, emoji, on) {
  const m = held(chatId, seq);
  if (!m) return;
  const reactions = (m.reactions ?? []).map((r) => ({ ...r }));
  const r = reactions.find((x) => x.emoji === emoji);
  if (on && !r) reactions.push({ emoji, count: 1, me: true });
  else if (r && r.me !== on) Object.assign(r, { count: r.count + (on ? 1 : -1), me: on });
  update({ chatId, seq, reactions: reactions.filter((x) => x.count > 0) });
}

/** Sets my `emoji` on the message, or takes it off when it is there. */
export async function toggleReaction(m, emoji) {
  const on = !m.reactions?.some((r) => r.emoji === emoji && r.me);
  applyMine(m.chatId, m.seq, emoji, on);
  if (on) localStorage.setItem(USAGE_KEY, JSON.stringify({ ...usage(), [emoji]: (usage()[emoji] ?? 0) + 1 }));
  const path = `/api/chats/${m.chatId}/messages/${m.seq}/reactions/${encodeURIComponent(emoji)}`;
  try {
    await perform('reaction:set', { chatId: m.chatId, seq: m.seq, emoji, on }, { method: on ? 'PUT' : 'DELETE', path });
  } catch (err) {
    applyMine(m.chatId, m.seq, emoji, !on);
    failed(err);
  }
}

/**
 * The `reaction` event: the server's counts; `me` stays as held, except for the emoji I just
 * set or removed (on this device or another).
 * @param {import('./wire.js').ReactionNotice} n
 */
export function reactionChanged(n) {
  const m = held(n.chatId, n.seq);
  if (!m) return;
  const mine = new Map((m.reactions ?? []).map((r) => [r.emoji, r.me]));
  if (n.userId === state.me?.id) mine.set(n.emoji, n.on);
  update({ chatId: n.chatId, seq: n.seq, reactions: n.reactions.map((r) => ({ ...r, me: mine.get(r.emoji) ?? false })) });
}
