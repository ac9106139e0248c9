import { Api, Caller, ok, Reply, TestUser } from '../support/api';
import type { MessageDto } from '../support/contract';
import { TestSocket } from '../support/sockets';
import type { SearchPageDto } from '../../src/search/dto/search.dto';

export type { SearchPageDto };

export type SearchParams = { q: unknown; chatId?: string; limit?: unknown; cursor?: unknown };

/** GET /api/search/messages as `who`. */
export function searchRest(api: Api, who: Caller, query: SearchParams): Promise<Reply<SearchPageDto>> {
  return api.get<SearchPageDto>('/api/search/messages', who, query);
}

/** Searches over REST and over the socket and checks both gave the same page; returns it. */
export async function searchBoth(api: Api, who: TestUser, socket: TestSocket, query: SearchParams): Promise<SearchPageDto> {
  const rest = ok(await searchRest(api, who, query), 200);
  const ack = await socket.call('messages:search', query);
  if (!ack.ok) throw new Error(`messages:search failed: ${JSON.stringify(ack.error)}`);
  expect(ack.data).toEqual(rest);
  return rest;
}

/** The texts of a page's messages, newest first. */
export const textsOf = (page: SearchPageDto) => page.items.map((i) => i.message.text);
export const snippetsOf = (page: SearchPageDto) => page.items.map((i) => i.snippet);
export const idsOf = (page: SearchPageDto | { items: Array<{ message: MessageDto }> }) => page.items.map((i) => i.message.id);
