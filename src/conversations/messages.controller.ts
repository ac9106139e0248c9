import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '../common/api-errors';
import { AppException } from '../common/app.exception';
import { AuthUser, CurrentUser } from '../common/current-user';
import { uuidPipe } from '../common/uuid.pipe';
import { MessageDto } from './dto/message.dto';
import {
  CommandAnswerDto,
  DeleteMessageQuery,
  EditMessageDto,
  ForwardDto,
  HistoryPageDto,
  HistoryQuery,
  MessageEditListDto,
  MessageListDto,
  ReceiptsDto,
  SendMessageDto,
} from './dto/message-requests.dto';
import { MessagesService } from './messages.service';

export const seqPipe = new ParseIntPipe({
  exceptionFactory: () => AppException.validation('seq must be a positive integer', [{ field: 'seq', message: 'must be an integer' }]),
});

export function validSeq(seq: number): number {
  if (seq < 1 || seq > 2147483647)
    throw AppException.validation('seq must be a positive integer', [{ field: 'seq', message: 'out of range' }]);
  return seq;
}

@ApiTags('messages')
@ApiBearerAuth()
@ApiExtraModels(CommandAnswerDto, MessageDto)
@Controller('api/chats/:id/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get()
  @ApiOperation({ summary: 'History: the visible messages before `before` (default newest) or after `after`, ascending seq' })
  @ApiOkResponse({ type: HistoryPageDto })
  @ApiErrors('VALIDATION_FAILED', 'CHAT_NOT_FOUND')
  history(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) chatId: string, @Query() query: HistoryQuery) {
    return this.messages.history(caller, chatId, query);
  }

  @Post()
  @ApiOperation({ summary: 'Send a message (201), a retry of one (200, nothing new stored) or a command (200)' })
  @ApiCreatedResponse({ type: MessageDto })
  @ApiOkResponse({ schema: { oneOf: [{ $ref: getSchemaPath(MessageDto) }, { $ref: getSchemaPath(CommandAnswerDto) }] } })
  @ApiErrors(
    'VALIDATION_FAILED',
    'MESSAGE_TOO_LONG',
    'TOO_MANY_ATTACHMENTS',
    'UNKNOWN_COMMAND',
    'FORBIDDEN',
    'CHAT_NOT_FOUND',
    'MESSAGE_NOT_FOUND',
    'MESSAGE_NOT_REPLIABLE',
    'ATTACHMENT_NOT_FOUND',
    'USER_NOT_FOUND',
    'MEMBER_NOT_FOUND',
    'CHAT_MEMBER_LIMIT',
    'PIN_LIMIT',
    'RATE_LIMITED',
    'OVERLOADED',
  )
  async send(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidPipe) chatId: string,
    @Body() dto: SendMessageDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    const result = await this.messages.send(caller, chatId, dto);
    if (result.kind === 'command') {
      res.status(200);
      return result.answer;
    }
    res.status(result.created ? 201 : 200);
    return result.message;
  }

  @Post('forward')
  @ApiOperation({ summary: 'Forward messages of another chat of yours into this one, in order' })
  @ApiCreatedResponse({ type: MessageListDto })
  @ApiErrors('VALIDATION_FAILED', 'CHAT_NOT_FOUND', 'MESSAGE_NOT_FOUND', 'MESSAGE_NOT_FORWARDABLE', 'RATE_LIMITED')
  forward(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) chatId: string, @Body() dto: ForwardDto) {
    return this.messages.forward(caller, chatId, dto);
  }

  @Patch(':seq')
  @ApiOperation({ summary: 'Edit your own message' })
  @ApiOkResponse({ type: MessageDto })
  @ApiErrors('VALIDATION_FAILED', 'MESSAGE_TOO_LONG', 'FORBIDDEN', 'CHAT_NOT_FOUND', 'MESSAGE_NOT_FOUND', 'MESSAGE_DELETED')
  edit(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidPipe) chatId: string,
    @Param('seq', seqPipe) seq: number,
    @Body() dto: EditMessageDto,
  ) {
    return this.messages.edit(caller, chatId, validSeq(seq), dto);
  }

  @Get(':seq/edits')
  @ApiOperation({ summary: 'The earlier texts of a message, oldest first, each with the time an edit replaced it' })
  @ApiOkResponse({ type: MessageEditListDto })
  @ApiErrors('VALIDATION_FAILED', 'CHAT_NOT_FOUND', 'MESSAGE_NOT_FOUND')
  edits(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) chatId: string, @Param('seq', seqPipe) seq: number) {
    return this.messages.edits(caller, chatId, validSeq(seq));
  }

  @Delete(':seq')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete for me (default) or for everyone (sender, or group owner/admin): a tombstone stays' })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', 'FORBIDDEN', 'CHAT_NOT_FOUND', 'MESSAGE_NOT_FOUND')
  async delete(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidPipe) chatId: string,
    @Param('seq', seqPipe) seq: number,
    @Query() query: DeleteMessageQuery,
  ) {
    await this.messages.delete(caller, chatId, validSeq(seq), query.scope ?? 'me');
  }

  @Get(':seq/receipts')
  @ApiOperation({ summary: 'Who has received and who has read a message' })
  @ApiOkResponse({ type: ReceiptsDto })
  @ApiErrors('VALIDATION_FAILED', 'CHAT_NOT_FOUND', 'MESSAGE_NOT_FOUND')
  receipts(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) chatId: string, @Param('seq', seqPipe) seq: number) {
    return this.messages.receipts(caller, chatId, validSeq(seq));
  }
}
