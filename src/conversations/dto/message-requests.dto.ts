import { ToNumber } from '../../common/validators';
import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, IsUUID, Max, Min } from 'class-validator';
import { ChatIdDto } from '../../common/dto/chat-id.dto';
import { UserPublicDto } from '../../users/dto/user.dto';
import { MessageDto } from './message.dto';

// The configurable limits (MESSAGE_MAX_LENGTH, MESSAGE_MAX_ATTACHMENTS) are checked by the service
// so that they answer with their own error codes (MESSAGE_TOO_LONG, TOO_MANY_ATTACHMENTS). Text has no
// cap here: the JSON body limit (1 MB) bounds it, and any text over MESSAGE_MAX_LENGTH is MESSAGE_TOO_LONG.
const ATTACHMENTS_HARD_CAP = 1000;
const MAX_SEQ = 2147483647;

export class SendMessageDto {
  @ApiProperty({ format: 'uuid', description: 'made once per message by the client; a retry with the same id stores nothing new' })
  @IsUUID()
  clientId: string;

  @ApiPropertyOptional({ description: 'up to MESSAGE_MAX_LENGTH code points; starting with "/" makes it a command ("//" escapes)' })
  @IsOptional()
  @IsString()
  text?: string;

  @ApiPropertyOptional({ type: [String], description: 'ids of the sender’s own unused uploads (at most MESSAGE_MAX_ATTACHMENTS)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(ATTACHMENTS_HARD_CAP)
  @IsUUID('all', { each: true })
  attachmentIds?: string[];

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_SEQ,
    description: 'the seq of a message of this chat to reply to: one the sender can see, not a system message nor a tombstone',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_SEQ)
  replyToSeq?: number;
}

export class EditMessageDto {
  @ApiProperty()
  @IsString()
  text: string;
}

export class HistoryQuery {
  @ApiPropertyOptional({ type: 'integer', description: 'the page just before this seq (default: the newest)' })
  @IsOptional()
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(MAX_SEQ)
  before?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'the page just after this seq' })
  @IsOptional()
  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(MAX_SEQ)
  after?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'page size, default HISTORY_PAGE_SIZE, at most HISTORY_PAGE_MAX' })
  @IsOptional()
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(MAX_SEQ)
  limit?: number;
}

export class DeleteMessageQuery {
  @ApiPropertyOptional({ enum: ['me', 'everyone'], default: 'me' })
  @IsOptional()
  @IsIn(['me', 'everyone'])
  scope?: 'me' | 'everyone';
}

export class ForwardDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  fromChatId: string;

  @ApiProperty({ type: [Number], minItems: 1, maxItems: 100 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(MAX_SEQ, { each: true })
  seqs: number[];
}

// Socket payloads: the same rules with the chat id in the body.
export class SendMessagePayload extends SendMessageDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() chatId: string;
}

export class EditMessagePayload extends EditMessageDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() chatId: string;
  @ApiProperty({ type: 'integer' }) @IsInt() @Min(1) @Max(MAX_SEQ) seq: number;
}

export class DeleteMessagePayload extends DeleteMessageQuery {
  @ApiProperty({ format: 'uuid' }) @IsUUID() chatId: string;
  @ApiProperty({ type: 'integer' }) @IsInt() @Min(1) @Max(MAX_SEQ) seq: number;
}

export class ForwardPayload extends ForwardDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() chatId: string;
}

export class HistoryPayload extends HistoryQuery {
  @ApiProperty({ format: 'uuid' }) @IsUUID() chatId: string;
}

export class CursorPayload extends ChatIdDto {
  @ApiProperty({ type: 'integer' }) @IsInt() @Min(0) @Max(MAX_SEQ) seq: number;
}

export class HistoryPageDto {
  @ApiProperty({ type: [MessageDto] }) items: MessageDto[];
  @ApiProperty() hasMore: boolean;
}

export class MessageListDto {
  @ApiProperty({ type: [MessageDto] }) items: MessageDto[];
}

export class MessageEditDto {
  @ApiProperty({ nullable: true, type: String, description: 'the text this edit replaced (null: the message had attachments and no text)' })
  text: string | null;
  @ApiProperty({ format: 'date-time', description: 'when it was replaced' }) editedAt: string;
}

export class MessageEditListDto {
  @ApiProperty({ type: [MessageEditDto], description: 'oldest first; [] for a message never edited and for a tombstone' })
  items: MessageEditDto[];
}

export class ReceiptsDto {
  @ApiProperty({ type: [UserPublicDto] }) deliveredTo: UserPublicDto[];
  @ApiProperty({ type: [UserPublicDto] }) readBy: UserPublicDto[];
}

/** The slash commands (the parser in ../command-parser.ts knows their syntax). */
export const COMMAND_NAMES = ['help', 'who', 'title', 'invite', 'kick', 'leave', 'pin', 'unpin'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export class CommandHelpEntryDto {
  @ApiProperty({ example: 'who' }) command: string;
  @ApiProperty({ example: '/who' }) usage: string;
  @ApiProperty() description: string;
}

export class CommandWhoMemberDto {
  @ApiProperty({ type: UserPublicDto }) user: UserPublicDto;
  @ApiProperty({ enum: ['owner', 'admin', 'member'] }) role: 'owner' | 'admin' | 'member';
}

/** `/help` */
export class HelpResultDto {
  @ApiProperty({ type: [CommandHelpEntryDto] }) commands: CommandHelpEntryDto[];
}

/** `/who` */
export class WhoResultDto {
  @ApiProperty({ type: [CommandWhoMemberDto] }) members: CommandWhoMemberDto[];
}

/** `/title` */
export class TitleResultDto {
  @ApiProperty() title: string;
}

/** `/invite`: the users asked for (those already members included) */
export class InviteResultDto {
  @ApiProperty({ type: [String], format: 'uuid' }) userIds: string[];
}

/** `/kick` */
export class KickResultDto {
  @ApiProperty({ format: 'uuid' }) userId: string;
}

/** `/leave` */
export class LeaveResultDto {
  @ApiProperty({ enum: [true] }) left: true;
}

/** `/pin`, `/unpin` */
export class PinResultDto {
  @ApiProperty() pinned: boolean;
}

export const COMMAND_RESULTS = [HelpResultDto, WhoResultDto, TitleResultDto, InviteResultDto, KickResultDto, LeaveResultDto, PinResultDto];

export type CommandResult = HelpResultDto | WhoResultDto | TitleResultDto | InviteResultDto | KickResultDto | LeaveResultDto | PinResultDto;

export class CommandAnswerDto {
  @ApiProperty({ enum: ['command'] }) type: 'command';
  @ApiProperty({ enum: COMMAND_NAMES }) command: CommandName;
  @ApiProperty({
    description:
      'what the command answered: one shape per command (help: commands, who: members, title: title, invite: userIds, kick: userId, leave: left, pin/unpin: pinned)',
    oneOf: COMMAND_RESULTS.map((dto) => ({ $ref: getSchemaPath(dto) })),
  })
  result: CommandResult;
  @ApiProperty({ type: MessageDto, nullable: true, description: 'the system message a change to the chat stored' })
  message: MessageDto | null;
}
