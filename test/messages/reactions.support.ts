import type { Pool } from 'pg';
import type { ReactionCountDto, ReactionListDto } from '../../src/conversations/dto/reaction.dto';
import { Api, Caller, ok } from '../support/api';
import type { ServerEvents } from '../support/contract';

export type { ReactionCountDto, ReactionDto, ReactionListDto } from '../../src/conversations/dto/reaction.dto';
export type ReactionNotice = ServerEvents['reaction'];

/** The REST routes of reactions, `:emoji` percent-encoded as the contract says. */
export function reactionRoutes(api: Api) {
  const path = (chatId: string, seq: number | string, emoji?: string) =>
    `/api/chats/${chatId}/messages/${seq}/reactions${emoji === undefined ? '' : `/${encodeURIComponent(emoji)}`}`;
  return {
    path,
    put: (u: Caller, chatId: string, seq: number | string, emoji: string) => api.put(path(chatId, seq, emoji), u),
    remove: (u: Caller, chatId: string, seq: number | string, emoji: string) => api.delete(path(chatId, seq, emoji), u),
    list: (u: Caller, chatId: string, seq: number | string) => api.get<ReactionListDto>(path(chatId, seq), u),
    /** PUT that must answer 204. */
    react: async (u: Caller, chatId: string, seq: number, emoji: string) => {
      ok(await api.put(path(chatId, seq, emoji), u), 204);
    },
    /** GET that must succeed: `{ emoji, count, userIds }` per emoji, in order. */
    listed: async (u: Caller, chatId: string, seq: number) =>
      ok(await api.get<ReactionListDto>(path(chatId, seq), u), 200).items.map((r) => ({
        emoji: r.emoji,
        count: r.count,
        userIds: r.users.map((x) => x.id),
      })),
  };
}

/** What the database holds: each emoji's rows on the message, counted (order of the first row). */
export async function dbCounts(db: Pool, messageId: string): Promise<ReactionCountDto[]> {
  const { rows } = await db.query<ReactionCountDto>(
    `SELECT emoji, count(*)::int AS count FROM message_reactions WHERE message_id = $1 GROUP BY emoji ORDER BY min(emoji_added_at), emoji`,
    [messageId],
  );
  return rows;
}

const countsOf = (users: Map<string, Set<string>>): ReactionCountDto[] => [...users].map(([emoji, s]) => ({ emoji, count: s.size }));

/**
 * Replays `reaction` events from an empty message: each event's `reactions` must be the state that
 * its change produced from the one before (a consistent story, in commit order). Returns the end state.
 */
export function replay(events: ReactionNotice[]): ReactionCountDto[] {
  const users = new Map<string, Set<string>>(); // emoji → users, in first-put order while any is left
  for (const e of events) {
    const set = users.get(e.emoji) ?? new Set<string>();
    if (e.on) {
      if (set.has(e.userId)) throw new Error(`event puts ${e.emoji} of ${e.userId} twice: ${JSON.stringify(e)}`);
      set.add(e.userId);
      users.set(e.emoji, set);
    } else {
      if (!set.delete(e.userId)) throw new Error(`event takes back ${e.emoji} of ${e.userId}, which was not on: ${JSON.stringify(e)}`);
      if (!set.size) users.delete(e.emoji);
    }
    // Counts and order: an emoji keeps its place while any user is left on it (a Map keeps insertion order).
    expect(e.reactions).toEqual(countsOf(users));
  }
  return countsOf(users);
}
