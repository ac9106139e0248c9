import { Injectable } from '@nestjs/common';
import { ChatMember } from './chat-member.entity';
import { ChatsService } from './chats.service';
import { AppException } from '../common/app.exception';
import { AuthUser } from '../common/current-user';
import { UsersService } from '../users/users.service';
import { CommandAnswerDto } from './dto/message-requests.dto';
import { COMMAND_HELP, Command } from './command-parser';

/** Runs a parsed command through the same service methods (and rights) as the REST routes. */
@Injectable()
export class CommandsService {
  constructor(
    private readonly chats: ChatsService,
    private readonly users: UsersService,
  ) {}

  async execute(caller: AuthUser, me: ChatMember, command: Command): Promise<CommandAnswerDto> {
    const chatId = me.chatId;
    const answer = (result: unknown, message: CommandAnswerDto['message'] = null): CommandAnswerDto => ({
      type: 'command',
      command: command.name,
      result,
      message,
    });
    switch (command.name) {
      case 'help':
        return answer({ commands: COMMAND_HELP });
      case 'who': {
        const detail = await this.chats.detail(caller, chatId);
        return answer({ members: detail.members.map((m) => ({ user: m.user, role: m.role })) });
      }
      case 'title': {
        const change = await this.chats.rename(caller, chatId, { title: command.title });
        return answer({ title: command.title }, change.message);
      }
      case 'invite': {
        const ids = await this.resolve(command.usernames);
        const change = await this.chats.addMembers(caller, chatId, { userIds: ids });
        return answer({ userIds: ids }, change.message);
      }
      case 'kick': {
        const [id] = await this.resolve([command.username]);
        if (id === caller.userId) throw AppException.validation('use /leave to leave the chat');
        const change = await this.chats.removeMember(caller, chatId, id);
        return answer({ userId: id }, change.message);
      }
      case 'leave': {
        const change = await this.chats.removeMember(caller, chatId, caller.userId);
        return answer({ left: true }, change.message);
      }
      case 'pin':
      case 'unpin':
        await this.chats.setPinned(caller, chatId, command.name === 'pin');
        return answer({ pinned: command.name === 'pin' });
    }
  }

  private async resolve(usernames: string[]): Promise<string[]> {
    const found = await this.users.findByUsernames(usernames);
    const byKey = new Map(found.map((u) => [u.usernameKey, u.id]));
    const missing = usernames.filter((n) => !byKey.has(n.toLowerCase()));
    if (missing.length) throw new AppException('USER_NOT_FOUND', `no such user: ${missing.map((n) => `@${n}`).join(', ')}`);
    return usernames.map((n) => byKey.get(n.toLowerCase())!);
  }
}
