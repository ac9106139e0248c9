import { Api, Caller, ok, TestUser } from '../support/api';
import type { HistoryPageDto, MessageDto } from '../support/contract';
import type { TestService } from '../support/service';

export const seqsOf = (items: MessageDto[]) => items.map((m) => m.seq);
export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Two new users with their direct chat, and a third who is in no chat with them. */
export async function newPair(api: Api): Promise<{ a: TestUser; b: TestUser; outsider: TestUser; chatId: string }> {
  const [a, b, outsider] = await api.newUsers(3);
  return { a, b, outsider, chatId: (await api.newDirect(a, b)).id };
}

/** Sends and history pages that must succeed, and what the database holds of a chat. */
export function messageHelpers(svc: TestService) {
  const { api } = svc;
  const sendOk = async (u: Caller, chatId: string, text: string): Promise<MessageDto> => ok(await api.send(u, chatId, { text }), 201);
  const historyOk = async (u: Caller, chatId: string, query: Record<string, unknown> = {}): Promise<HistoryPageDto> =>
    ok(await api.history(u, chatId, query), 200);
  return {
    sendOk,
    historyOk,
    /** `n` messages sent one after the other: "m1", "m2" … */
    sendMany: async (u: Caller, chatId: string, n: number, prefix = 'm'): Promise<MessageDto[]> => {
      const out: MessageDto[] = [];
      for (let i = 1; i <= n; i++) out.push(await sendOk(u, chatId, `${prefix}${i}`));
      return out;
    },
    /** Walks the whole history with `before` (newest first) or with `after` (oldest first). */
    walk: async (
      u: Caller,
      chatId: string,
      dir: 'before' | 'after',
      limit?: number,
    ): Promise<{ pages: MessageDto[][]; hasMore: boolean[] }> => {
      const pages: MessageDto[][] = [];
      const hasMore: boolean[] = [];
      let cursor: number | undefined = dir === 'after' ? 0 : undefined;
      for (let guard = 0; guard < 100; guard++) {
        const query: Record<string, unknown> = {};
        if (cursor !== undefined) query[dir] = cursor;
        if (limit !== undefined) query.limit = limit;
        const page = await historyOk(u, chatId, query);
        pages.push(page.items);
        hasMore.push(page.hasMore);
        if (!page.hasMore) return { pages, hasMore };
        cursor = dir === 'after' ? page.items.at(-1)!.seq : page.items[0].seq;
      }
      throw new Error('history never ended');
    },
    dbLastSeq: async (chatId: string): Promise<number> =>
      (await svc.db.query<{ last_seq: number }>('SELECT last_seq FROM chats WHERE id = $1', [chatId])).rows[0].last_seq,
    dbCount: async (chatId: string): Promise<number> =>
      (await svc.db.query<{ n: number }>('SELECT count(*)::int AS n FROM messages WHERE chat_id = $1', [chatId])).rows[0].n,
  };
}
