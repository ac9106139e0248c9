/**
 * The wire shapes of the contract, as the service declares them: the typed API helpers and the
 * specs take their response types from here (types only, so no service code runs in the tests).
 * One file names the service's DTO modules, so that moving one touches one import.
 */
export type { AuthResponseDto } from '../../src/auth/dto/auth.dto';
export type { UserDto, UserListDto, UserPublicDto } from '../../src/users/dto/user.dto';
export type { ChatDetailDto, ChatListDto, ChatMemberDto, ChatSummaryDto } from '../../src/conversations/dto/chat.dto';
export type { ForwardedFromDto, MessageDto, SystemEventDto } from '../../src/conversations/dto/message.dto';
export type { CommandAnswerDto, HistoryPageDto, MessageListDto, ReceiptsDto } from '../../src/conversations/dto/message-requests.dto';
export type { AttachmentDto } from '../../src/attachments/dto/attachment.dto';
export type { PresenceListDto } from '../../src/presence/presence.controller';
export type { ErrorResponseDto } from '../../src/common/api-errors';
/** The socket.io protocol: client events (payload and answer) and server events, from the service's wire map. */
export type { ClientEventName, ClientEvents, ServerEventName, ServerEvents } from '../../src/realtime/wire-events';
