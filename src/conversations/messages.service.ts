import { Inject, Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { ChatsService, chatNotFound } from './chats.service';
import { ChatMember } from './chat-member.entity';
import { AppException } from '../common/app.exception';
import { AuthUser } from '../common/current-user';
import { EventBus } from '../common/event-bus';
import { MessageEvent } from './message.events';
import { RateLimit, TokenBucketLimiter } from '../common/rate-limit';
import { codePointLength } from '../common/validators';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { UsersService } from '../users/users.service';
import { CommandsService } from './commands.service';
import { parseText } from './command-parser';
import { mentionCandidates, mentionedUserIds } from './mentions';
import { MessageDto } from './dto/message.dto';
import {
  CommandAnswerDto,
  EditMessageDto,
  ForwardDto,
  HistoryPageDto,
  HistoryQuery,
  MessageEditListDto,
  ReceiptsDto,
  SendMessageDto,
} from './dto/message-requests.dto';
import { Message } from './message.entity';
import { MessageViewsService } from './message-views.service';
import { toMessageDto } from './message-view';
import { AttachmentDto } from '../attachments/dto/attachment.dto';
import { AttachmentsService } from '../attachments/attachments.service';
import { AttachmentDeletedEvent } from '../attachments/attachment.events';
import { OnAppEvent } from '../common/event-bus';
import { MessagesRepository, NewMessage, ReplyRefused, SenderNotMember } from './messages.repository';
import { ReplyTarget } from './message-view';
import { SendCoalescer } from './send-coalescer';
import { MessagePublisher } from './message-publisher';
import { ReadReplicas } from '../read-replicas/read-replicas';

export const messageNotFound = () => new AppException('MESSAGE_NOT_FOUND', 'message not found');

const replyRefused = (err: ReplyRefused) =>
  err.reason === 'missing'
    ? messageNotFound()
    : new AppException('MESSAGE_NOT_REPLIABLE', 'system messages and messages deleted for everyone cannot be replied to');

export type SendResult = { kind: 'message'; created: boolean; message: MessageDto } | { kind: 'command'; answer: CommandAnswerDto };

function isUniqueViolation(err: unknown, constraint: string): boolean {
  const driver = (err instanceof QueryFailedError ? err.driverError : err) as { code?: string; constraint?: string } | undefined;
  return driver?.code === '23505' && driver.constraint === constraint;
}

@Injectable()
export class MessagesService {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly reads: ReadReplicas,
    private readonly coalescer: SendCoalescer,
    private readonly publisher: MessagePublisher,
    private readonly views: MessageViewsService,
    private readonly chats: ChatsService,
    private readonly attachments: AttachmentsService,
    private readonly commands: CommandsService,
    private readonly users: UsersService,
    private readonly events: EventBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Per user and instance: SEND_RATE_PER_SECOND on average, SEND_RATE_BURST in a row (REST and sockets alike). */
  private readonly sendRate = new RateLimit('messages', () =>
    TokenBucketLimiter.perSecond(this.config.sendRatePerSecond, this.config.sendRateBurst),
  );

  /**
   * Sends a message (or runs a command). The answer exists only after the commit. The plain send is
   * the hot path: one statement (one round trip) stores it, and the reply is shaped from what that
   * statement returned, without further reads. A reply is checked inside that statement; only a text
   * with @names costs one more read before it (which names are users). A command ignores `replyToSeq`.
   */
  async send(caller: AuthUser, chatId: string, dto: SendMessageDto): Promise<SendResult> {
    this.sendRate.consume(caller.userId);
    const attachmentIds = [...new Set(dto.attachmentIds ?? [])];
    let text = dto.text ?? null;
    if (text !== null) {
      const parsed = parseText(text);
      // With files attached, a leading "/" is just text.
      if (parsed.kind === 'error' && !attachmentIds.length) throw new AppException(parsed.code, parsed.message);
      if (parsed.kind === 'command' && !attachmentIds.length) {
        const me = await this.chats.requireAccess(caller, chatId);
        return { kind: 'command', answer: await this.commands.execute(caller, me, parsed.command) };
      }
      if (parsed.kind === 'text') text = parsed.text;
    }
    this.checkText(text, attachmentIds.length > 0);
    if (attachmentIds.length > this.config.messageMaxAttachments) {
      throw new AppException('TOO_MANY_ATTACHMENTS', `at most ${this.config.messageMaxAttachments} attachments per message`);
    }

    const replyToSeq = dto.replyToSeq ?? undefined;
    const [mentionIds] = await this.mentionedUsers([text]);

    let stored: { message: Message; attachments: AttachmentDto[]; memberIds: string[]; replyTo: ReplyTarget | null };
    try {
      if (!attachmentIds.length) {
        // Text only: one statement is the whole write, shared with concurrent sends when there are any.
        // The membership is checked inside it, under the chat's lock: a member removed meanwhile does
        // not get a message in, and a non-member uses up no seq.
        const one = await this.coalescer.store({
          chatId,
          senderId: caller.userId,
          text: text!,
          clientId: dto.clientId,
          replyToSeq,
          mentionIds,
        });
        if (!one) throw chatNotFound();
        stored = { ...one, attachments: [] };
      } else {
        // With files: the message and the claim of its files form one transaction.
        stored = await this.messages.transaction(async (manager) => {
          const inserted = await this.messages.allocateAndInsert(
            [
              {
                chatId,
                senderId: caller.userId,
                type: 'text',
                text: text || null,
                clientId: dto.clientId,
                checkSender: true,
                replyToSeq,
                mentionIds,
              },
            ],
            manager,
          );
          if (!inserted) throw chatNotFound();
          const [{ message, memberIds, replyTo }] = inserted;
          const attachments = await this.attachments.claimUploads(manager, caller.userId, attachmentIds);
          if (!attachments) throw new AppException('ATTACHMENT_NOT_FOUND', 'an attachment is unknown, not yours or already used');
          await this.messages.linkAttachments(manager, message.id, attachmentIds);
          return { message, attachments, memberIds, replyTo };
        });
      }
    } catch (err) {
      if (err instanceof SenderNotMember) throw chatNotFound();
      // A retry (sequential or racing) with the same clientId: answer with the message first stored,
      // also when its reply would be refused now (its original deleted since: it was checked then).
      if (!(err instanceof ReplyRefused) && !isUniqueViolation(err, 'uq_messages_client_id')) throw err;
      const first = await this.messages.findByClientId(chatId, caller.userId, dto.clientId);
      if (!first) throw err instanceof ReplyRefused ? replyRefused(err) : err;
      return { kind: 'message', created: false, message: await this.views.presentOne(first, caller.userId) };
    }
    const { message, attachments, memberIds, replyTo } = stored;
    // Nobody else can have read or received it yet: it is "sent" (or "read" when alone in the chat).
    const others = memberIds.length > 1 ? { deliveredSeq: 0, readSeq: 0 } : { deliveredSeq: message.seq, readSeq: message.seq };
    const shaped = toMessageDto(message, attachments, caller.userId, others, replyTo);
    this.events.emit('message.created', {
      message: shaped,
      recipientIds: memberIds,
      originSocketId: caller.socketId,
    } satisfies MessageEvent);
    return { kind: 'message', created: true, message: shaped };
  }

  async history(caller: AuthUser, chatId: string, query: HistoryQuery): Promise<HistoryPageDto> {
    if (query.before !== undefined && query.after !== undefined) {
      throw AppException.validation('use either before or after, not both', [{ field: 'before', message: 'not with after' }]);
    }
    const limit = query.limit ?? this.config.historyPageSize;
    if (limit > this.config.historyPageMax) {
      throw AppException.validation(`limit must be at most ${this.config.historyPageMax}`, [
        { field: 'limit', message: `at most ${this.config.historyPageMax}` },
      ]);
    }
    const me = await this.chats.requireAccess(caller, chatId);
    // Access is checked on the primary; the page may come from a replica that has the caller's last write.
    const page = await this.reads.read(caller.userId, (manager) =>
      this.messages.findHistoryPage(
        { chatId, viewerId: caller.userId, clearedSeq: me.clearedSeq, before: query.before, after: query.after, limit },
        manager,
      ),
    );
    const items = page.items.map(({ message, shown }) => this.views.show(message, shown, caller.userId));
    // What the reader has fetched has reached one of their devices.
    const newest = items.at(-1)?.seq;
    if (newest !== undefined && newest > me.deliveredSeq) await this.chats.advanceCursor(caller, chatId, 'delivered', newest);
    return { items, hasMore: page.hasMore };
  }

  async edit(caller: AuthUser, chatId: string, seq: number, dto: EditMessageDto): Promise<MessageDto> {
    const { me, message } = await this.requireVisible(caller, chatId, seq);
    if (message.senderId !== caller.userId || message.type !== 'text') throw AppException.forbidden('you can edit only your own messages');
    const deleted = () => new AppException('MESSAGE_DELETED', 'a deleted message cannot be edited');
    if (message.deletedAt) throw deleted();
    const attachments = await this.messages.findAttachments([message.id]);
    this.checkText(dto.text, (attachments.get(message.id) ?? []).length > 0);
    const [mentionIds] = await this.mentionedUsers([dto.text]);
    const updated = await this.messages.editText(message.id, dto.text, mentionIds);
    // Deleted for everyone between the check and now: the tombstone stays as it is.
    if (!updated) throw deleted();
    return this.publish('message.updated', updated, caller, me.chatId);
  }

  /** The texts a message's edits replaced, oldest first; none for a tombstone. */
  async edits(caller: AuthUser, chatId: string, seq: number): Promise<MessageEditListDto> {
    const { message } = await this.requireVisible(caller, chatId, seq);
    const edits = await this.messages.findEdits(message.id);
    return { items: edits.map((e) => ({ text: e.text, editedAt: e.editedAt.toISOString() })) };
  }

  async delete(caller: AuthUser, chatId: string, seq: number, scope: 'me' | 'everyone'): Promise<void> {
    const { me, message } = await this.requireVisible(caller, chatId, seq);
    if (scope === 'me') {
      await this.messages.hideForUser(caller.userId, chatId, seq);
      return;
    }
    const isGroupManager = me.chat!.type === 'group' && me.role !== 'member';
    if (message.senderId !== caller.userId && !isGroupManager) {
      throw AppException.forbidden('only the sender or a group owner/admin can delete for everyone');
    }
    if (message.deletedAt) return;
    await this.messages.markDeletedForEveryone(message.id);
    await this.publish('message.updated', (await this.messages.findById(message.id))!, caller, chatId);
  }

  /** One forward call takes one token of the sender's send rate, like one send. */
  async forward(caller: AuthUser, chatId: string, dto: ForwardDto): Promise<{ items: MessageDto[] }> {
    this.sendRate.consume(caller.userId);
    const [target, source] = await Promise.all([
      this.chats.requireAccess(caller, chatId),
      this.chats.requireAccess(caller, dto.fromChatId),
    ]);
    const seqs = [...new Set(dto.seqs)].sort((a, b) => a - b);
    const originals = await this.messages.findVisibleBySeqs(dto.fromChatId, seqs, caller.userId, source.clearedSeq);
    if (originals.length !== seqs.length) throw messageNotFound();
    if (originals.some((m) => m.deletedAt !== null || m.type !== 'text')) {
      throw new AppException('MESSAGE_NOT_FORWARDABLE', 'deleted and system messages cannot be forwarded');
    }
    // A copy answers nothing (no replyTo); its @names mention the members of the chat it lands in.
    const mentions = await this.mentionedUsers(originals.map((m) => m.text));
    const copies: NewMessage[] = originals.map((m, i) => ({
      chatId,
      senderId: caller.userId,
      type: 'text',
      checkSender: true,
      text: m.text,
      mentionIds: mentions[i],
      // A forward of a forward still points at the first origin.
      forwardedFromChatId: m.forwardedFromChatId ?? m.chatId,
      forwardedFromSeq: m.forwardedFromSeq ?? m.seq,
      forwardedFromSenderId: m.forwardedFromSenderId ?? m.senderId,
    }));
    const stored = await this.messages
      .transaction(async (manager) => {
        const inserted = await this.messages.allocateAndInsert(copies, manager);
        if (!inserted) throw chatNotFound();
        await this.messages.copyAttachments(
          manager,
          originals.map((m, i) => ({ from: m.id, to: inserted[i].message.id })),
        );
        return inserted.map((i) => i.message);
      })
      .catch((err: unknown) => {
        throw err instanceof SenderNotMember ? chatNotFound() : err;
      });
    return { items: await this.publishAll('message.created', stored, caller, target.chatId) };
  }

  async receipts(caller: AuthUser, chatId: string, seq: number): Promise<ReceiptsDto> {
    const { message } = await this.requireVisible(caller, chatId, seq);
    const others = (await this.chats.members(chatId)).filter((m) => m.userId !== message.senderId);
    const delivered = others.filter((m) => m.deliveredSeq >= seq).map((m) => m.userId);
    const read = others.filter((m) => m.readSeq >= seq).map((m) => m.userId);
    const profiles = new Map((await this.users.publicProfiles([...new Set([...delivered, ...read])])).map((u) => [u.id, u]));
    return { deliveredTo: delivered.map((id) => profiles.get(id)!), readBy: read.map((id) => profiles.get(id)!) };
  }

  /**
   * An uploader deleted an attachment: every message still carrying it (the original and its
   * forwards) is announced again without it, as its sender sees it.
   */
  @OnAppEvent('attachment.deleted')
  async onAttachmentDeleted({ attachmentId, originSocketId }: AttachmentDeletedEvent): Promise<void> {
    const carrying = await this.messages.findCarrying(attachmentId);
    const bySender = new Map<string, Message[]>();
    for (const m of carrying) bySender.set(`${m.chatId}|${m.senderId}`, [...(bySender.get(`${m.chatId}|${m.senderId}`) ?? []), m]);
    for (const own of bySender.values()) {
      await this.publisher.announce('message.updated', own, await this.chats.memberIds(own[0].chatId), originSocketId);
    }
  }

  /**
   * For each text, the users its @names name, in order (which of them are members is checked where
   * the message is stored): one lookup for all of them, none when no text has an @name.
   */
  private async mentionedUsers(texts: Array<string | null>): Promise<string[][]> {
    const candidates = texts.map((text) => (text === null ? [] : mentionCandidates(text)));
    const names = [...new Set(candidates.flat(2))];
    if (!names.length) return candidates.map(() => []);
    const idsByName = await this.users.idsByUsernames(names);
    return candidates.map((c) => mentionedUserIds(c, idsByName));
  }

  private checkText(text: string | null, hasAttachments: boolean): void {
    if (text !== null && codePointLength(text) > this.config.messageMaxLength) {
      throw new AppException('MESSAGE_TOO_LONG', `text must be at most ${this.config.messageMaxLength} characters`);
    }
    if (!hasAttachments && (text === null || text.trim() === '')) {
      throw AppException.validation('a message needs text or attachments', [
        { field: 'text', message: 'must contain a non-space character' },
      ]);
    }
  }

  private async requireVisible(caller: AuthUser, chatId: string, seq: number): Promise<{ me: ChatMember; message: Message }> {
    const me = await this.chats.requireAccess(caller, chatId);
    const [message] = await this.messages.findVisibleBySeqs(chatId, [seq], caller.userId, me.clearedSeq);
    if (!message) throw messageNotFound();
    return { me, message };
  }

  /** Announces a committed message to the chat's members, as its sender sees it (status included). */
  private async publish(
    event: 'message.created' | 'message.updated',
    message: Message,
    caller: AuthUser,
    chatId: string,
  ): Promise<MessageDto> {
    return (await this.publishAll(event, [message], caller, chatId))[0];
  }

  /** The same for several messages of one sender and chat (a forward), in a fixed number of queries, in order. */
  private async publishAll(
    event: 'message.created' | 'message.updated',
    messages: Message[],
    caller: AuthUser,
    chatId: string,
  ): Promise<MessageDto[]> {
    return this.publisher.announce(event, messages, await this.chats.memberIds(chatId), caller.socketId);
  }
}
