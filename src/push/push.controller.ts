import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '../common/api-errors';
import { AuthUser, CurrentUser } from '../common/current-user';
import { uuidPipe } from '../common/uuid.pipe';
import { CreatePushSubscriptionDto, PushSubscriptionDto, PushSubscriptionListDto, VapidPublicKeyDto } from './dto/push.dto';
import { PushService } from './push.service';

@ApiTags('push')
@ApiBearerAuth()
@Controller('api/push')
export class PushController {
  constructor(private readonly push: PushService) {}

  @Get('vapid-public-key')
  @ApiOperation({ summary: "The server's VAPID public key: PushManager.subscribe's applicationServerKey" })
  @ApiOkResponse({ type: VapidPublicKeyDto })
  vapidPublicKey(): VapidPublicKeyDto {
    return { publicKey: this.push.vapidPublicKey() };
  }

  @Post('subscriptions')
  @ApiOperation({
    summary: "Store this session's push subscription (a browser PushSubscription's JSON); the same endpoint again: 200, keys updated",
  })
  @ApiCreatedResponse({ type: PushSubscriptionDto })
  @ApiOkResponse({ type: PushSubscriptionDto, description: 'this session had the endpoint already: its keys are updated' })
  @ApiErrors('VALIDATION_FAILED', 'PUSH_SUBSCRIPTION_LIMIT')
  async subscribe(
    @CurrentUser() caller: AuthUser,
    @Body() dto: CreatePushSubscriptionDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PushSubscriptionDto> {
    const { created, subscription } = await this.push.subscribe(caller, dto);
    res.status(created ? 201 : 200);
    return subscription;
  }

  @Get('subscriptions')
  @ApiOperation({ summary: "This session's push subscriptions" })
  @ApiOkResponse({ type: PushSubscriptionListDto })
  async list(@CurrentUser() caller: AuthUser): Promise<PushSubscriptionListDto> {
    return { items: await this.push.list(caller) };
  }

  @Delete('subscriptions/:id')
  @HttpCode(204)
  @ApiOperation({ summary: "Remove one of this session's push subscriptions" })
  @ApiNoContentResponse()
  @ApiErrors('VALIDATION_FAILED', 'PUSH_SUBSCRIPTION_NOT_FOUND')
  remove(@CurrentUser() caller: AuthUser, @Param('id', uuidPipe) id: string): Promise<void> {
    return this.push.remove(caller, id);
  }
}
