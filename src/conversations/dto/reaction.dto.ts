import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import { ChatIdDto } from '../../common/dto/chat-id.dto';
import { IsRgiEmoji } from '../../common/emoji';
import { UserPublicDto } from '../../users/dto/user.dto';

const EMOJI_DOC = {
  description: 'one emoji of Unicode’s RGI set (a ZWJ sequence, a flag, a keycap, a skin tone count as one)',
  example: '👍',
};

/** An emoji on a message and how many users put it there. */
export class ReactionCountDto {
  @ApiProperty(EMOJI_DOC) emoji: string;
  @ApiProperty({ type: 'integer', minimum: 1 }) count: number;
}

/** A message's `reactions` entry, as one viewer sees it. */
export class ReactionDto extends ReactionCountDto {
  @ApiProperty({ description: 'the viewer has reacted with this emoji' }) me: boolean;
}

export class ReactionUsersDto extends ReactionCountDto {
  @ApiProperty({ type: [UserPublicDto], description: 'every user who reacted with it, in the order they did' })
  users: UserPublicDto[];
}

/** `GET /api/chats/:id/messages/:seq/reactions`: emoji in the order they were first put on the message. */
export class ReactionListDto {
  @ApiProperty({ type: [ReactionUsersDto] }) items: ReactionUsersDto[];
}

/** Payload of the client event `reaction:set`: put (`on: true`) or take back (`on: false`) a reaction. */
export class SetReactionPayload extends ChatIdDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 2147483647 })
  @IsInt()
  @Min(1)
  @Max(2147483647)
  seq: number;

  @ApiProperty(EMOJI_DOC)
  @IsRgiEmoji()
  emoji: string;

  @ApiProperty({ description: 'true: react; false: take the reaction back' })
  @IsBoolean()
  on: boolean;
}

/** Server event `reaction`: a user put or took back a reaction; the message's reactions after it. */
export class ReactionNoticeDto {
  @ApiProperty({ format: 'uuid' }) chatId: string;
  @ApiProperty({ type: 'integer' }) seq: number;
  @ApiProperty({ format: 'uuid', description: 'who reacted' }) userId: string;
  @ApiProperty(EMOJI_DOC) emoji: string;
  @ApiProperty({ description: 'true: the reaction was put; false: taken back' }) on: boolean;
  @ApiProperty({ type: [ReactionCountDto], description: 'every emoji now on the message, in the order they were first put on it' })
  reactions: ReactionCountDto[];
}
