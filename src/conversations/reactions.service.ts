import { Inject, Injectable } from '@nestjs/common';
import { AppException } from '../common/app.exception';
import { AuthUser } from '../common/current-user';
import { EventBus } from '../common/event-bus';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { UsersService } from '../users/users.service';
import { ChatsService } from './chats.service';
import { ReactionListDto } from './dto/reaction.dto';
import { messageNotFound } from './messages.service';
import { MessagesRepository } from './messages.repository';
import { ReactionEvent } from './reactions.events';
import { ReactionsRepository } from './reactions.repository';

/** Reactions on messages (v1.1): REST and the socket's `reaction:set` call these. */
@Injectable()
export class ReactionsService {
  constructor(
    private readonly reactions: ReactionsRepository,
    private readonly messages: MessagesRepository,
    private readonly chats: ChatsService,
    private readonly users: UsersService,
    private readonly events: EventBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Puts (`on`) or takes back the caller's reaction with `emoji` (already one RGI emoji). Idempotent:
   * what is already so is a success that changes nothing and announces nothing; a change is
   * announced to every member, the caller's sockets included, with the message's reactions after it.
   */
  async set(caller: AuthUser, chatId: string, seq: number, emoji: string, on: boolean): Promise<void> {
    await this.chats.requireAccess(caller, chatId);
    const max = this.config.messageMaxReactions;
    const change = await this.reactions.oneAtATime(chatId, seq, async (manager) => {
      const result = await this.reactions.changeReaction({ chatId, seq, userId: caller.userId }, emoji, on, max, manager);
      // Committed; announced before the message's next change can start (members get them in commit order).
      if (result.kind === 'changed') {
        this.events.emit('reaction', {
          notice: { chatId, seq, userId: caller.userId, emoji, on, reactions: result.reactions },
          recipientIds: result.memberIds,
        } satisfies ReactionEvent);
      }
      return result;
    });
    switch (change.kind) {
      case 'message-not-found':
        throw messageNotFound();
      case 'not-reactable':
        throw new AppException('MESSAGE_NOT_REACTABLE', 'system messages and messages deleted for everyone take no reactions');
      case 'limit':
        throw new AppException('REACTION_LIMIT', `a message can carry at most ${max} different emoji`);
      case 'unchanged':
      case 'changed':
        return;
    }
  }

  /** Every emoji on a message with every user who reacted with it; none on system messages and tombstones. */
  async list(caller: AuthUser, chatId: string, seq: number): Promise<ReactionListDto> {
    const me = await this.chats.requireAccess(caller, chatId);
    const [message] = await this.messages.findVisibleBySeqs(chatId, [seq], caller.userId, me.clearedSeq);
    if (!message) throw messageNotFound();
    if (message.type !== 'text' || message.deletedAt) return { items: [] };
    const emoji = await this.reactions.usersOf(message.id);
    const profiles = new Map((await this.users.publicProfiles(emoji.flatMap((e) => e.userIds))).map((u) => [u.id, u]));
    return {
      items: emoji.map((e) => ({ emoji: e.emoji, count: e.userIds.length, users: e.userIds.map((id) => profiles.get(id)!) })),
    };
  }
}
