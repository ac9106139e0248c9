// The ticks on my own messages come from the server, which sets each one's `status` ("sent" |
// "delivered" | "read") from every other member's cursors (API.md, Message). The client never
// re-derives that rule.
//
// A `receipt` event says only that one member's cursor moved. Whether that turns a message of mine
// "delivered" or "read" depends on all the other members, whom the client does not track; so instead
// of deriving it here, a receipt asks the server again for the messages it may have moved — mine,
// at or below its seq, not yet at what it reports — and takes their `status` as given. That is one
// history page in the usual case (the receipt is about the newest messages), none when no message
// of mine can have moved; in a group where a member lags behind it reaches back to my oldest held
// message that member has not caught up with. Refreshes of one chat run one at a time, and the
// receipts that arrive meanwhile are folded into the next one.
import { historyPage, update } from './history.js';
import { state } from './state.js';

/** 'sending' | 'failed' (not stored yet), 'sent' | 'delivered' | 'read' (mine), or null. */
export function statusOf(m) {
  if (m.local) return m.local;
  return m.deleted ? null : m.status; // the server sets none on others' and on system messages
}

const refreshes = new Map(); // chatId → { next: { from, to } | null }: the refresh running, and the one queued

/**
 * My messages up to `seq` may have moved to "delivered" (or "read"): refresh their status from the
 * server. Also after a reconnect, where receipts may have been missed (type 'read': all not read).
 * @param {string} chatId
 * @param {'delivered' | 'read'} type
 * @param {number} seq
 */
export function ticksMayHaveMoved(chatId, type, seq) {
  const seqs = movable(chatId, type, seq);
  if (!seqs.length) return;
  const range = { from: Math.min(...seqs), to: Math.max(...seqs) };
  const running = refreshes.get(chatId);
  if (running) {
    const next = running.next ?? range;
    running.next = { from: Math.min(next.from, range.from), to: Math.max(next.to, range.to) };
    return;
  }
  const job = { next: range };
  refreshes.set(chatId, job);
  (async () => {
    while (job.next) {
      const { from, to } = job.next;
      job.next = null;
      await refreshStatus(chatId, from, to);
    }
  })()
    .catch(() => {}) // the ticks stay as they were until the next receipt or reconnect
    .finally(() => refreshes.get(chatId) === job && refreshes.delete(chatId));
}

/** The seqs of my messages held (and the chat list's last message) that a receipt of `type` up to `seq` may move. */
function movable(chatId, type, seq) {
  const chat = state.chats.get(chatId);
  if (!chat) return [];
  const held = [...(state.conversations.get(chatId)?.messages.values() ?? []), chat.lastMessage];
  return held.filter((m) => m && m.seq <= seq && (m.status === 'sent' || (type === 'read' && m.status === 'delivered'))).map((m) => m.seq);
}

/** History pages backwards from `to` until `from` is covered: their `status` onto what is held. */
async function refreshStatus(chatId, from, to) {
  for (let before = to + 1; ;) {
    const page = await historyPage(chatId, { before });
    for (const m of page.items) if (m.status) update({ chatId, seq: m.seq, status: m.status });
    const oldest = page.items[0]?.seq;
    if (!page.hasMore || oldest === undefined || oldest <= from) return;
    before = oldest;
  }
}
