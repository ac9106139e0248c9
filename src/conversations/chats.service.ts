import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppException } from '../common/app.exception';
import { AuthUser } from '../common/current-user';
import { EventBus } from '../common/event-bus';
import { ChatRemovedEvent, ChatUpdatedEvent, ReceiptEvent } from './chat.events';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MessageDto } from './dto/message.dto';
import { Message, SystemEvent } from './message.entity';
import { MessagePublisher } from './message-publisher';
import { MessageViewsService } from './message-views.service';
import { SystemMessagesService } from './system-messages.service';
import { UsersService } from '../users/users.service';
import { ChatMember } from './chat-member.entity';
import { ChatListCursor, ChatListRow, ChatsRepository } from './chats.repository';
import {
  AddMembersDto,
  ChatDetailDto,
  ChatListDto,
  ChatListQuery,
  ChatSummaryDto,
  CreateChatDto,
  MuteChatDto,
  RenameChatDto,
} from './dto/chat.dto';
import { ReadReplicas } from '../read-replicas/read-replicas';

/** What a caller may do in a chat: anything a member may, or also manage a group (owner, admin). */
export type ChatRight = 'member' | 'manage';

export const chatNotFound = () => new AppException('CHAT_NOT_FOUND', 'chat not found');

/** A change to a chat and the system message it stored (null when nothing changed). */
export interface ChatChange {
  chat: ChatDetailDto | null;
  message: MessageDto | null;
}

function encodeCursor(row: ChatListRow): string {
  const cursor: ChatListCursor = { p: row.pinnedKey, a: row.activityKey, id: row.chat.id };
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

const CURSOR_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}Z$/;
const CURSOR_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A sort key as the list query writes it (see exactKey), and a real date PostgreSQL will accept. */
function isCursorTime(value: unknown): value is string {
  const m = typeof value === 'string' ? CURSOR_TIME.exec(value) : null;
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return year >= 1 && day >= 1 && day <= days && hour < 24 && minute < 60 && second < 60;
}

function decodeCursor(raw: string): ChatListCursor {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString()) as ChatListCursor;
    if (c && isCursorTime(c.a) && (c.p === null || isCursorTime(c.p)) && typeof c.id === 'string' && CURSOR_ID.test(c.id)) {
      return { p: c.p, a: c.a, id: c.id };
    }
  } catch {
    // fall through
  }
  throw AppException.validation('cursor is not valid', [{ field: 'cursor', message: 'not a cursor from this API' }]);
}

@Injectable()
export class ChatsService {
  private readonly logger = new Logger('Chats');

  constructor(
    private readonly chats: ChatsRepository,
    private readonly reads: ReadReplicas,
    private readonly systemMessages: SystemMessagesService,
    private readonly views: MessageViewsService,
    private readonly publisher: MessagePublisher,
    private readonly users: UsersService,
    private readonly events: EventBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The chat's current member ids (the recipients of what happens in it). */
  memberIds(chatId: string): Promise<string[]> {
    return this.chats.memberIds(chatId);
  }

  /** The chat's current members with their cursors, in join order. */
  members(chatId: string): Promise<ChatMember[]> {
    return this.chats.findMembers(chatId);
  }

  /**
   * THE access check of every chat-scoped read and write, REST and socket alike (in the spirit of
   * immich's requireAccess): the caller's membership (with its chat), or 404 CHAT_NOT_FOUND, so a
   * non-member cannot tell the chat exists. `manage` also asks for a group's owner or admin (403).
   * The one write that does not call it is the plain send, whose single statement checks the same
   * membership under the chat's lock (MessagesRepository.allocateAndInsert); reads across chats
   * apply it as a join (common/visibility.ts).
   */
  async requireAccess(caller: AuthUser, chatId: string, right: ChatRight = 'member', manager?: EntityManager): Promise<ChatMember> {
    const member = await this.chats.findMembership(chatId, caller.userId, manager);
    if (!member) throw chatNotFound();
    if (right === 'manage') {
      if (member.chat!.type !== 'group') throw AppException.forbidden('a direct chat has no title or members to change');
      if (member.role === 'member') throw AppException.forbidden('only the owner or an admin can do this');
    }
    return member;
  }

  async create(caller: AuthUser, dto: CreateChatDto): Promise<{ created: boolean; chat: ChatDetailDto }> {
    return dto.type === 'direct' ? this.createDirect(caller, dto.userId!) : this.createGroup(caller, dto);
  }

  private async createDirect(caller: AuthUser, peerId: string): Promise<{ created: boolean; chat: ChatDetailDto }> {
    if (peerId === caller.userId)
      throw AppException.validation('a direct chat needs another user', [{ field: 'userId', message: 'must not be yourself' }]);
    const directKey = [caller.userId, peerId].sort().join(':');
    const existing = await this.chats.findDirectByKey(directKey);
    if (existing) return { created: false, chat: await this.detail(caller, existing.id) };
    if (!(await this.users.findByIds([peerId])).length) throw new AppException('USER_NOT_FOUND', 'user not found');
    const chat = await this.chats.transaction(async (manager) => {
      const inserted = await this.chats.insertDirectChat(manager, caller.userId, directKey);
      if (!inserted) return null;
      await this.chats.insertMembers(manager, inserted.id, [
        { userId: caller.userId, role: 'member' },
        { userId: peerId, role: 'member' },
      ]);
      return inserted;
    });
    // Lost the race to a concurrent create of the same pair: answer with the winner's chat.
    if (!chat) return { created: false, chat: await this.detail(caller, (await this.chats.findDirectByKey(directKey))!.id) };
    this.publishChatUpdated(chat.id, [caller.userId, peerId]);
    return { created: true, chat: await this.detail(caller, chat.id) };
  }

  private async createGroup(caller: AuthUser, dto: CreateChatDto): Promise<{ created: boolean; chat: ChatDetailDto }> {
    const others = [...new Set(dto.memberIds ?? [])].filter((id) => id !== caller.userId);
    if (others.length + 1 > this.config.chatMaxMembers) throw this.memberLimit();
    await this.requireUsers(others);
    const { chatId, message } = await this.chats.transaction(async (manager) => {
      const chat = await this.chats.insertGroupChat(manager, caller.userId, dto.title!, others.length + 1);
      await this.chats.insertMembers(manager, chat.id, [
        { userId: caller.userId, role: 'owner' },
        ...others.map((userId) => ({ userId, role: 'member' as const })),
      ]);
      const names = await this.usernames([caller.userId], manager);
      const stored = await this.systemMessages.store(
        manager,
        chat.id,
        { kind: 'created', actorId: caller.userId, userIds: others, title: dto.title },
        `${names.get(caller.userId)} created the group “${dto.title}”`,
      );
      return { chatId: chat.id, message: stored };
    });
    const memberIds = [caller.userId, ...others];
    this.publishChatUpdated(chatId, memberIds);
    await this.publishMessage(message, memberIds, caller);
    return { created: true, chat: await this.detail(caller, chatId) };
  }

  async list(caller: AuthUser, query: ChatListQuery): Promise<ChatListDto> {
    const cursor = query.cursor ? decodeCursor(query.cursor) : null;
    // The page (with each last message as shown) may come from a replica that has the caller's last
    // write; the peers' profiles are read on the primary.
    const { rows, hasMore } = await this.reads.read(caller.userId, (manager) =>
      this.chats.findListPage(caller.userId, query.limit ?? 50, cursor, manager),
    );
    return {
      items: await this.summaries(rows),
      nextCursor: hasMore && rows.length ? encodeCursor(rows[rows.length - 1]) : null,
    };
  }

  /** The chat as each of these users sees it in the list (non-members left out), in a fixed number of statements. */
  async summariesFor(chatId: string, userIds: string[]): Promise<Array<{ userId: string; summary: ChatSummaryDto }>> {
    const rows = await this.chats.findListRowsOfMembers(chatId, [...new Set(userIds)]);
    const summaries = await this.summaries(rows);
    return rows.map((row, i) => ({ userId: row.member.userId, summary: summaries[i] }));
  }

  async detail(caller: AuthUser, chatId: string): Promise<ChatDetailDto> {
    const [mine] = await this.summariesFor(chatId, [caller.userId]);
    if (!mine) throw chatNotFound();
    const summary = mine.summary;
    const members = await this.chats.findMembers(chatId);
    const profiles = new Map((await this.users.publicProfiles(members.map((m) => m.userId))).map((u) => [u.id, u]));
    return {
      ...summary,
      members: members.map((m) => ({
        user: profiles.get(m.userId)!,
        role: m.role,
        joinedAt: m.joinedAt.toISOString(),
        deliveredSeq: m.deliveredSeq,
        readSeq: m.readSeq,
      })),
    };
  }

  /** List rows (each with its own member as viewer) shaped into ChatSummary, with one more statement (the peers). */
  private async summaries(rows: ChatListRow[]): Promise<ChatSummaryDto[]> {
    const peerIds = [...new Set(rows.map((r) => r.peerId).filter((id): id is string => id !== null))];
    const peerById = new Map((await this.users.publicProfiles(peerIds)).map((p) => [p.id, p]));
    return rows.map(({ chat, member, lastMessage, lastShown, unreadCount, mentionCount, muted, peerId }) => ({
      id: chat.id,
      type: chat.type,
      title: chat.title,
      peer: peerId ? (peerById.get(peerId) ?? null) : null,
      memberCount: chat.memberCount,
      pinned: member.pinnedAt !== null,
      pinnedAt: member.pinnedAt?.toISOString() ?? null,
      lastMessage: lastMessage ? this.views.show(lastMessage, lastShown!, member.userId) : null,
      lastSeq: chat.lastSeq,
      readSeq: member.readSeq,
      unreadCount,
      mentionCount,
      muted,
      mutedUntil: muted ? (member.mutedUntil?.toISOString() ?? null) : null,
      lastActivityAt: chat.lastActivityAt.toISOString(),
      createdAt: chat.createdAt.toISOString(),
    }));
  }

  async rename(caller: AuthUser, chatId: string, dto: RenameChatDto): Promise<ChatChange> {
    const { message, memberIds } = await this.chats.transaction(async (manager) => {
      const me = await this.requireAccess(caller, chatId, 'manage', manager);
      await this.chats.setTitle(manager, chatId, dto.title);
      const names = await this.usernames([caller.userId], manager);
      const stored = await this.systemMessages.store(
        manager,
        chatId,
        { kind: 'renamed', actorId: caller.userId, title: dto.title },
        `${names.get(caller.userId)} renamed the group to “${dto.title}”`,
      );
      return { message: stored, memberIds: await this.chats.memberIds(me.chatId, manager) };
    });
    this.publishChatUpdated(chatId, memberIds);
    return { chat: await this.detail(caller, chatId), message: await this.publishMessage(message, memberIds, caller) };
  }

  async addMembers(caller: AuthUser, chatId: string, dto: AddMembersDto): Promise<ChatChange> {
    const requested = [...new Set(dto.userIds)];
    const result = await this.chats.transaction(async (manager) => {
      await this.requireAccess(caller, chatId, 'manage', manager);
      // Locked: concurrent adds queue here, so the limit holds whatever the interleaving.
      await this.chats.lockChat(manager, chatId);
      const current = new Set(await this.chats.memberIds(chatId, manager));
      const added = requested.filter((id) => !current.has(id));
      if (!added.length) return null;
      if (current.size + added.length > this.config.chatMaxMembers) throw this.memberLimit();
      await this.requireUsers(added, manager);
      await this.chats.insertMembers(
        manager,
        chatId,
        added.map((userId) => ({ userId, role: 'member' as const })),
      );
      await this.chats.setMemberCount(manager, chatId, current.size + added.length);
      const names = await this.usernames([caller.userId, ...added], manager);
      const stored = await this.systemMessages.store(
        manager,
        chatId,
        { kind: 'member_added', actorId: caller.userId, userIds: added },
        `${names.get(caller.userId)} added ${added.map((id) => names.get(id)).join(', ')}`,
      );
      return { message: stored, memberIds: [...current, ...added] };
    });
    if (!result) return { chat: await this.detail(caller, chatId), message: null };
    this.publishChatUpdated(chatId, result.memberIds);
    return { chat: await this.detail(caller, chatId), message: await this.publishMessage(result.message, result.memberIds, caller) };
  }

  /** Owner/admin removes a member; anyone removes themselves (leaves). */
  async removeMember(caller: AuthUser, chatId: string, userId: string): Promise<ChatChange> {
    const leaving = userId === caller.userId;
    const result = await this.chats.transaction(async (manager) => {
      const me = await this.requireAccess(caller, chatId, 'member', manager);
      if (me.chat!.type !== 'group') throw AppException.forbidden('members of a direct chat cannot change');
      await this.chats.lockChat(manager, chatId);
      const members = await this.chats.findMembers(chatId, manager);
      const target = members.find((m) => m.userId === userId);
      if (!leaving) {
        if (me.role === 'member') throw AppException.forbidden('only the owner or an admin can remove members');
        if (!target) throw new AppException('MEMBER_NOT_FOUND', 'this user is not a member');
        if (target.role === 'owner' || (target.role === 'admin' && me.role !== 'owner')) {
          throw AppException.forbidden('you cannot remove this member');
        }
      }
      await this.chats.deleteMember(manager, chatId, userId);
      const remaining = members.filter((m) => m.userId !== userId);
      await this.chats.setMemberCount(manager, chatId, remaining.length);
      if (target?.role === 'owner' && remaining.length) {
        // The longest-standing admin, else the longest-standing member, takes over (members are in join order).
        const heir = remaining.find((m) => m.role === 'admin') ?? remaining[0];
        await this.chats.setRole(manager, chatId, heir.userId, 'owner');
      }
      const names = await this.usernames([caller.userId, userId], manager);
      const event: SystemEvent = leaving
        ? { kind: 'member_left', actorId: caller.userId, userIds: [userId] }
        : { kind: 'member_removed', actorId: caller.userId, userIds: [userId] };
      const text = leaving ? `${names.get(userId)} left` : `${names.get(caller.userId)} removed ${names.get(userId)}`;
      const stored = await this.systemMessages.store(manager, chatId, event, text);
      return { message: stored, memberIds: remaining.map((m) => m.userId) };
    });
    this.events.emit('chat.removed', { chatId, userIds: [userId], originSocketId: caller.socketId } satisfies ChatRemovedEvent);
    this.publishChatUpdated(chatId, result.memberIds);
    const message = await this.publishMessage(result.message, result.memberIds, caller);
    return { chat: leaving ? null : await this.detail(caller, chatId), message };
  }

  async setPinned(caller: AuthUser, chatId: string, pinned: boolean): Promise<void> {
    const changed = await this.chats.transaction(async (manager) => {
      const me = await this.requireAccess(caller, chatId, 'member', manager);
      if ((me.pinnedAt !== null) === pinned) return false;
      await this.chats.lockUserPins(manager, caller.userId);
      if (pinned && (await this.chats.countPinned(manager, caller.userId)) >= this.config.pinnedChatsMax) {
        throw new AppException('PIN_LIMIT', `at most ${this.config.pinnedChatsMax} chats can be pinned`);
      }
      await this.chats.setPinned(manager, chatId, caller.userId, pinned);
      return true;
    });
    if (changed) this.publishChatUpdated(chatId, [caller.userId], caller.socketId);
  }

  /**
   * Mutes the chat for the caller on every device, until `until` (a time in the future) or until
   * unmuted. Nothing runs when it ends: every read compares `until` with the clock.
   */
  async mute(caller: AuthUser, chatId: string, dto: MuteChatDto): Promise<void> {
    const until = dto.until == null ? null : new Date(dto.until);
    if (until && !(until.getTime() > Date.now())) {
      throw AppException.validation('until must be in the future', [{ field: 'until', message: 'must be a time in the future' }]);
    }
    await this.setMute(caller, chatId, { until });
  }

  async unmute(caller: AuthUser, chatId: string): Promise<void> {
    await this.setMute(caller, chatId, null);
  }

  /** Which of these users have the chat muted now (push notifications skip them unless mentioned). */
  mutedFor(chatId: string, userIds: string[]): Promise<string[]> {
    return this.chats.mutedFor(chatId, userIds);
  }

  private async setMute(caller: AuthUser, chatId: string, mute: { until: Date | null } | null): Promise<void> {
    await this.requireAccess(caller, chatId);
    if (await this.chats.setMute(chatId, caller.userId, mute)) this.publishChatUpdated(chatId, [caller.userId], caller.socketId);
  }

  async deleteForMe(caller: AuthUser, chatId: string): Promise<void> {
    await this.requireAccess(caller, chatId);
    await this.chats.clearForMember(chatId, caller.userId);
    this.events.emit('chat.removed', { chatId, userIds: [caller.userId], originSocketId: caller.socketId } satisfies ChatRemovedEvent);
  }

  async advanceCursor(caller: AuthUser, chatId: string, kind: 'read' | 'delivered', seq: number): Promise<void> {
    await this.requireAccess(caller, chatId);
    const moved = await this.chats.advanceCursor(chatId, caller.userId, kind, seq);
    if (!moved) return;
    const recipientIds = await this.chats.memberIds(chatId);
    this.events.emit('receipt', {
      chatId,
      userId: caller.userId,
      sessionId: caller.sessionId,
      type: kind,
      seq: kind === 'read' ? moved.read : moved.delivered,
      recipientIds,
    } satisfies ReceiptEvent);
  }

  private async requireUsers(ids: string[], manager?: EntityManager): Promise<void> {
    const found = new Set((await this.users.findByIds(ids, manager)).map((u) => u.id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length) throw new AppException('USER_NOT_FOUND', `user not found: ${missing.join(', ')}`);
  }

  private async usernames(ids: string[], manager: EntityManager): Promise<Map<string, string>> {
    const found = await this.users.findByIds(ids, manager);
    return new Map(found.map((u) => [u.id, `@${u.username}`]));
  }

  private memberLimit(): AppException {
    return new AppException('CHAT_MEMBER_LIMIT', `a chat has at most ${this.config.chatMaxMembers} members`);
  }

  /**
   * After a commit: each user gets the chat as it sees it, computed here in bulk. Not awaited by the
   * request (as the fan-out never was); a failure is logged, the change itself is committed.
   */
  private publishChatUpdated(chatId: string, userIds: string[], originSocketId?: string): void {
    this.summariesFor(chatId, userIds).then(
      (summaries) => {
        if (summaries.length) this.events.emit('chat.updated', { chatId, summaries, originSocketId } satisfies ChatUpdatedEvent);
      },
      (err: unknown) => this.logger.warn(`chat:updated for chat ${chatId} failed: ${(err as Error)?.message ?? String(err)}`),
    );
  }

  /** Announces a stored system message after its commit; returns it as its actor sees it. */
  private async publishMessage(message: Message, recipientIds: string[], caller: AuthUser): Promise<MessageDto> {
    const [dto] = await this.publisher.announce('message.created', [message], recipientIds, caller.socketId);
    return dto;
  }
}
