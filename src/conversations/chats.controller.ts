import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '../common/api-errors';
import { AuthUser, CurrentUser } from '../common/current-user';
import { uuidPipe } from '../common/uuid.pipe';
import { ChatsService } from './chats.service';
import { AddMembersDto, ChatDetailDto, ChatListDto, ChatListQuery, CreateChatDto, CursorDto, RenameChatDto } from './dto/chat.dto';

@ApiTags('chats')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('api/chats')
export class ChatsController {
  constructor(private readonly chats: ChatsService) {}

  @Post()
  @ApiOperation({ summary: 'Open a direct chat (200 with the existing one) or create a group (201)' })
  @ApiCreatedResponse({ type: ChatDetailDto })
  @ApiOkResponse({ type: ChatDetailDto, description: 'the existing direct chat of this pair' })
  @ApiErrors(400, 404, 422)
  async create(@CurrentUser() caller: AuthUser, @Body() dto: CreateChatDto, @Res({ passthrough: true }) res: Response) {
    const { created, chat } = await this.chats.create(caller, dto);
    res.status(created ? 201 : 200);
    return chat;
  }

  @Get()
  @ApiOperation({ summary: 'The caller’s chats: pinned first, then by last activity' })
  @ApiOkResponse({ type: ChatListDto })
  @ApiErrors(400)
  list(@CurrentUser() caller: AuthUser, @Query() query: ChatListQuery) {
    return this.chats.list(caller, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A chat with its members' })
  @ApiOkResponse({ type: ChatDetailDto })
  @ApiErrors(400, 404)
  detail(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string) {
    return this.chats.detail(caller, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a group (owner or admin)' })
  @ApiOkResponse({ type: ChatDetailDto })
  @ApiErrors(400, 403, 404)
  async rename(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string, @Body() dto: RenameChatDto) {
    return (await this.chats.rename(caller, id, dto)).chat;
  }

  @Post(':id/members')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add members to a group (owner or admin)' })
  @ApiOkResponse({ type: ChatDetailDto })
  @ApiErrors(400, 403, 404, 422)
  async addMembers(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string, @Body() dto: AddMembersDto) {
    return (await this.chats.addMembers(caller, id, dto)).chat;
  }

  @Delete(':id/members/:userId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a member (owner or admin), or leave (your own id)' })
  @ApiNoContentResponse()
  @ApiErrors(400, 403, 404)
  async removeMember(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string, @Param('userId', uuidPipe) userId: string) {
    await this.chats.removeMember(caller, id, userId);
  }

  @Put(':id/pin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Pin the chat on top of the caller’s list' })
  @ApiNoContentResponse()
  @ApiErrors(400, 404, 422)
  async pin(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string) {
    await this.chats.setPinned(caller, id, true);
  }

  @Delete(':id/pin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unpin the chat' })
  @ApiNoContentResponse()
  @ApiErrors(400, 404)
  async unpin(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string) {
    await this.chats.setPinned(caller, id, false);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete the dialog for me: hidden from my list and history; others keep everything' })
  @ApiNoContentResponse()
  @ApiErrors(400, 404)
  async deleteForMe(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string) {
    await this.chats.deleteForMe(caller, id);
  }

  @Post(':id/read')
  @HttpCode(204)
  @ApiOperation({ summary: 'Move my read cursor forward (lower values are ignored)' })
  @ApiNoContentResponse()
  @ApiErrors(400, 404)
  async read(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string, @Body() dto: CursorDto) {
    await this.chats.advanceCursor(caller, id, 'read', dto.seq);
  }

  @Post(':id/delivered')
  @HttpCode(204)
  @ApiOperation({ summary: 'Move my delivered cursor forward (lower values are ignored)' })
  @ApiNoContentResponse()
  @ApiErrors(400, 404)
  async delivered(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string, @Body() dto: CursorDto) {
    await this.chats.advanceCursor(caller, id, 'delivered', dto.seq);
  }
}
