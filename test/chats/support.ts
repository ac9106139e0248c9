import { Caller, ok, TestUser } from '../support/api';
import type { ChatDetailDto, ChatSummaryDto, MessageDto, SystemEventDto, UserPublicDto } from '../support/contract';
import { anIsoTime, aUuid } from '../support/matchers';
import type { TestService } from '../support/service';

/** The keys of the contract's ChatSummary, ChatMember and Message, sorted. */
export const SUMMARY_KEYS = [
  'createdAt',
  'id',
  'lastActivityAt',
  'lastMessage',
  'lastSeq',
  'memberCount',
  'mentionCount',
  'muted',
  'mutedUntil',
  'peer',
  'pinned',
  'pinnedAt',
  'readSeq',
  'title',
  'type',
  'unreadCount',
];
export const MEMBER_KEYS = ['deliveredSeq', 'joinedAt', 'readSeq', 'role', 'user'];
export const MESSAGE_KEYS = [
  'attachments',
  'chatId',
  'clientId',
  'createdAt',
  'deleted',
  'editedAt',
  'event',
  'forwardedFrom',
  'id',
  'mentions',
  'reactions',
  'replyTo',
  'senderId',
  'seq',
  'status',
  'text',
  'type',
];

export const MISSING_ID = '00000000-0000-4000-8000-000000000000';

/** What GET /api/users/:id shows of a user who never connected a socket. */
export function publicUser(u: TestUser): UserPublicDto {
  return { id: u.id, username: u.username, displayName: u.username, about: '', online: false, lastSeenAt: null };
}

/** The contract's system Message, as any member sees it (status is null on system messages). */
export function systemMessage(chatId: string, seq: number, actor: TestUser, text: string, event: SystemEventDto): MessageDto {
  return {
    id: aUuid(),
    chatId,
    seq,
    senderId: actor.id,
    type: 'system',
    text,
    attachments: [],
    forwardedFrom: null,
    replyTo: null,
    mentions: [],
    event,
    editedAt: null,
    deleted: false,
    createdAt: anIsoTime(),
    clientId: null,
    status: null,
    reactions: [],
  };
}

export function roleOf(chat: ChatDetailDto, u: TestUser): string | undefined {
  return chat.members.find((m) => m.user.id === u.id)?.role;
}

export function expectSummaryShape(item: ChatSummaryDto) {
  expect(Object.keys(item).sort()).toEqual(SUMMARY_KEYS);
  if (item.lastMessage) expect(Object.keys(item.lastMessage).sort()).toEqual(MESSAGE_KEYS);
}

export interface StoredMessage {
  seq: number;
  senderId: string;
  type: string;
  text: string | null;
  event: SystemEventDto | null;
}

/** Reads of chats through the API (they throw unless it answers 200) and of the stored rows. */
export function chatReads(svc: TestService) {
  const { api } = svc;
  return {
    detail: async (u: Caller, chatId: string) => ok(await api.chat(u, chatId), 200),
    list: async (u: Caller, query: Record<string, unknown> = { limit: 100 }) => ok(await api.chats(u, query), 200),
    listIds: async (u: Caller) => ok(await api.chats(u, { limit: 100 }), 200).items.map((c) => c.id),
    storedMessages: async (chatId: string): Promise<StoredMessage[]> => {
      const { rows } = await svc.db.query<StoredMessage>(
        `SELECT seq, sender_id AS "senderId", type, text, event FROM messages WHERE chat_id = $1 ORDER BY seq`,
        [chatId],
      );
      return rows;
    },
    memberRows: async (chatId: string): Promise<string[]> => {
      const { rows } = await svc.db.query<{ user_id: string }>(`SELECT user_id FROM chat_members WHERE chat_id = $1`, [chatId]);
      return rows.map((r) => r.user_id).sort();
    },
    chatCount: async (): Promise<number> => {
      return (await svc.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM chats`)).rows[0].n;
    },
  };
}
