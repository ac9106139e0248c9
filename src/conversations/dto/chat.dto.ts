import { ChatIdDto } from '../../common/dto/chat-id.dto';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsISO8601,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { CodePointLength, PageLimit } from '../../common/validators';
import { MessageDto } from './message.dto';
import { UserPublicDto } from '../../users/dto/user.dto';

export class CreateChatDto {
  @ApiProperty({ enum: ['direct', 'group'] })
  @IsIn(['direct', 'group'])
  type: 'direct' | 'group';

  @ApiPropertyOptional({ format: 'uuid', description: 'direct: the other user' })
  @ValidateIf((o: CreateChatDto) => o.type === 'direct')
  @IsUUID()
  userId?: string;

  @ApiPropertyOptional({ description: 'group: 1–100 characters' })
  @ValidateIf((o: CreateChatDto) => o.type === 'group')
  @IsString()
  @CodePointLength(1, 100)
  title?: string;

  @ApiPropertyOptional({ type: [String], description: 'group: the other members' })
  @ValidateIf((o: CreateChatDto) => o.type === 'group' || o.memberIds !== undefined)
  @IsArray()
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  memberIds?: string[];
}

export class RenameChatDto {
  @ApiProperty({ minLength: 1, maxLength: 100 })
  @IsString()
  @CodePointLength(1, 100)
  title: string;
}

export class AddMembersDto {
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  userIds: string[];
}

export class CursorDto {
  @ApiProperty({ type: 'integer', minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(2147483647)
  seq: number;
}

export class ChatListQuery {
  @PageLimit(50, 100)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}

export class MuteChatDto {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'when the mute ends: a time in the future, with Z or an offset; absent or null: until unmuted',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i, {
    message: 'until must be a date-time with Z or an offset',
  })
  until?: string | null;
}

export class PinPayloadDto extends ChatIdDto {
  @ApiProperty()
  @IsBoolean()
  pinned: boolean;
}

/** Payload of the client event `typing`. */
export class TypingPayload extends ChatIdDto {
  @ApiProperty()
  @IsBoolean()
  isTyping: boolean;
}

export class ChatSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['direct', 'group'] }) type: 'direct' | 'group';
  @ApiProperty({ nullable: true, type: String }) title: string | null;
  @ApiProperty({ type: UserPublicDto, nullable: true }) peer: UserPublicDto | null;
  @ApiProperty({ type: 'integer' }) memberCount: number;
  @ApiProperty() pinned: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) pinnedAt: string | null;
  @ApiProperty({ type: MessageDto, nullable: true }) lastMessage: MessageDto | null;
  @ApiProperty({ type: 'integer' }) lastSeq: number;
  @ApiProperty({ type: 'integer' }) readSeq: number;
  @ApiProperty({ type: 'integer', description: 'at most 999' }) unreadCount: number;
  @ApiProperty({ type: 'integer', description: 'the unread messages (as unreadCount counts them) that mention the caller; at most 999' })
  mentionCount: number;
  @ApiProperty({ description: 'the caller has the chat muted now' }) muted: boolean;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'when the mute ends; null when not muted or muted until unmuted',
  })
  mutedUntil: string | null;
  @ApiProperty({ format: 'date-time' }) lastActivityAt: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class ChatMemberDto {
  @ApiProperty({ type: UserPublicDto }) user: UserPublicDto;
  @ApiProperty({ enum: ['owner', 'admin', 'member'] }) role: 'owner' | 'admin' | 'member';
  @ApiProperty({ format: 'date-time' }) joinedAt: string;
  @ApiProperty({ type: 'integer' }) deliveredSeq: number;
  @ApiProperty({ type: 'integer' }) readSeq: number;
}

export class ChatDetailDto extends ChatSummaryDto {
  @ApiProperty({ type: [ChatMemberDto] }) members: ChatMemberDto[];
}

export class ChatListDto {
  @ApiProperty({ type: [ChatSummaryDto] }) items: ChatSummaryDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
