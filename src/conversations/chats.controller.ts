import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '../common/api-errors';
import { AuthUser, CurrentUser } from '../common/current-user';
import { uuidPipe } from '../common/uuid.pipe';
import { ChatsService } from './chats.service';
import {
  AddMembersDto,
  ChatDetailDto,
  ChatListDto,
  ChatListQuery,
  CreateChatDto,
  CursorDto,
  MuteChatDto,
  RenameChatDto,
} from './dto/chat.dto';

@ApiTags('chats')
@ApiBearerAuth()
@Controller('api/chats')
export class ChatsController {
  constructor(private readonly chats: ChatsService) {}

  @Post()
  @ApiOperation({ summary: 'Open a direct chat (200 with the existing one) or create a group (201)' })
  @ApiCreatedResponse({ type: ChatDetailDto })
  @ApiOkResponse({ type: ChatDetailDto, description: 'the existing direct chat of this pair' })
  @ApiErrors('VALIDATION_FAILED', 'USER_NOT_FOUND', 'CHAT_MEMBER_LIMIT')
  async create(@CurrentUser() caller: AuthUser, @Body() dto: CreateChatDto, @Res({ passthrough: true }) res: Response) {
    const { created, chat } = await this.chats.create(caller, dto);
    res.status(created ? 201 : 200);
    return chat;
  }

  @Get()
  @ApiOperation({ summary: 'The caller’s chats: pinned first, then by last activity' })
  @ApiOkResponse({ type: ChatListDto })
  @ApiErrors('VALIDATION_FAILED')
  list(@CurrentUser() caller: AuthUser, @Query() query: ChatListQuery) {
    return this.chats.list(caller, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A chat with its members' })
  @ApiOkResponse({ type: ChatDetailDto })
  @ApiErrors('VALIDATION_FAILED', 'CHAT_NOT_FOUND')
  detail(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string) {
    return this.chats.detail(caller, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a group (owner or admin)' })
  @ApiOkResponse({ type: ChatDetailDto })
  @ApiErrors('VALIDATION_FAILED', 'FORBIDDEN', 'CHAT_NOT_FOUND')
  async rename(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string, @Body() dto: RenameChatDto) {
    return (await this.chats.rename(caller, id, dto)).chat;
  }

  @Post(':id/members')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add members to a group (owner or admin)' })
  @ApiOkResponse({ type: ChatDetailDto })
  @ApiErrors('VALIDATION_FAILED', 'FORBIDDEN', 'CHAT_NOT_FOUND', 'USER_NOT_FOUND', 'CHAT_MEMBER_LIMIT')
  async addMembers(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string, @Body() dto: AddMembersDto) {
    return (await this.chats.addMembers(caller, id, dto)).chat;
  }

  @Delete(':id/members/:userId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a member (owner or admin), or leave (your own id)' })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', 'FORBIDDEN', 'CHAT_NOT_FOUND', 'MEMBER_NOT_FOUND')
  async removeMember(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string, @Param('userId', uuidPipe) userId: string) {
    await this.chats.removeMember(caller, id, userId);
  }

  @Put(':id/pin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Pin the chat on top of the caller’s list' })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', 'CHAT_NOT_FOUND', 'PIN_LIMIT')
  async pin(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string) {
    await this.chats.setPinned(caller, id, true);
  }

  @Delete(':id/pin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unpin the chat' })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', 'CHAT_NOT_FOUND')
  async unpin(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string) {
    await this.chats.setPinned(caller, id, false);
  }

  @Put(':id/mute')
  @HttpCode(204)
  @ApiOperation({ summary: 'Mute the chat for me on every device, until a time or until unmuted (no push notifications but mentions)' })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', 'CHAT_NOT_FOUND')
  async mute(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string, @Body() dto: MuteChatDto) {
    await this.chats.mute(caller, id, dto);
  }

  @Delete(':id/mute')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unmute the chat' })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', 'CHAT_NOT_FOUND')
  async unmute(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string) {
    await this.chats.unmute(caller, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete the dialog for me: hidden from my list and history; others keep everything' })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', 'CHAT_NOT_FOUND')
  async deleteForMe(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string) {
    await this.chats.deleteForMe(caller, id);
  }

  @Post(':id/read')
  @HttpCode(204)
  @ApiOperation({ summary: 'Move my read cursor forward (lower values are ignored)' })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', 'CHAT_NOT_FOUND')
  async read(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string, @Body() dto: CursorDto) {
    await this.chats.advanceCursor(caller, id, 'read', dto.seq);
  }

  @Post(':id/delivered')
  @HttpCode(204)
  @ApiOperation({ summary: 'Move my delivered cursor forward (lower values are ignored)' })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', 'CHAT_NOT_FOUND')
  async delivered(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string, @Body() dto: CursorDto) {
    await this.chats.advanceCursor(caller, id, 'delivered', dto.seq);
  }
}
