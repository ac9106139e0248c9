import { Controller, Delete, Get, HttpCode, Param, PipeTransform, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors';
import { AppException } from '../common/app.exception';
import { AuthUser, CurrentUser } from '../common/current-user';
import { isRgiEmoji } from '../common/emoji';
import { uuidPipe } from '../common/uuid.pipe';
import { ReactionListDto } from './dto/reaction.dto';
import { seqPipe, validSeq } from './messages.controller';
import { ReactionsService } from './reactions.service';

/** `:emoji`, which Express has already decoded from percent-encoded UTF-8: exactly one RGI emoji. */
const emojiPipe: PipeTransform<string, string> = {
  transform(value) {
    if (!isRgiEmoji(value)) {
      throw AppException.validation('emoji must be exactly one emoji (Unicode RGI)', [{ field: 'emoji', message: 'not one RGI emoji' }]);
    }
    return value;
  },
};

const EMOJI_PARAM = {
  name: 'emoji',
  description: 'one emoji of Unicode’s RGI set, percent-encoded UTF-8 (👍 is `%F0%9F%91%8D`)',
  example: '👍',
};

@ApiTags('messages')
@ApiBearerAuth()
@Controller('api/chats/:id/messages/:seq/reactions')
export class ReactionsController {
  constructor(private readonly reactions: ReactionsService) {}

  @Get()
  @ApiOperation({ summary: 'Reactions of a message: each emoji (in the order first put on it) with every user, in the order they reacted' })
  @ApiOkResponse({ type: ReactionListDto })
  @ApiErrors('VALIDATION_FAILED', 'CHAT_NOT_FOUND', 'MESSAGE_NOT_FOUND')
  list(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) chatId: string, @Param('seq', seqPipe) seq: number) {
    return this.reactions.list(caller, chatId, validSeq(seq));
  }

  @Put(':emoji')
  @HttpCode(204)
  @ApiOperation({ summary: 'React to a message with an emoji (again: no change, 204)' })
  @ApiParam(EMOJI_PARAM)
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', 'CHAT_NOT_FOUND', 'MESSAGE_NOT_FOUND', 'MESSAGE_NOT_REACTABLE', 'REACTION_LIMIT')
  async put(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidPipe) chatId: string,
    @Param('seq', seqPipe) seq: number,
    @Param('emoji', emojiPipe) emoji: string,
  ) {
    await this.reactions.set(caller, chatId, validSeq(seq), emoji, true);
  }

  @Delete(':emoji')
  @HttpCode(204)
  @ApiOperation({ summary: 'Take back your reaction with an emoji (not set: 204)' })
  @ApiParam(EMOJI_PARAM)
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', 'CHAT_NOT_FOUND', 'MESSAGE_NOT_FOUND', 'MESSAGE_NOT_REACTABLE')
  async remove(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidPipe) chatId: string,
    @Param('seq', seqPipe) seq: number,
    @Param('emoji', emojiPipe) emoji: string,
  ) {
    await this.reactions.set(caller, chatId, validSeq(seq), emoji, false);
  }
}
