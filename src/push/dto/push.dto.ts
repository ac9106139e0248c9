import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsNumber, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';

/** base64url, as browsers write PushSubscription keys (padding tolerated). */
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

export class PushKeysDto {
  @ApiProperty({ description: "the browser's P-256 public key: an uncompressed point (65 bytes), base64url", maxLength: 100 })
  @IsString()
  @MaxLength(100)
  @Matches(BASE64URL, { message: 'p256dh must be base64url' })
  p256dh: string;

  @ApiProperty({ description: 'the 16-byte authentication secret, base64url', maxLength: 50 })
  @IsString()
  @MaxLength(50)
  @Matches(BASE64URL, { message: 'auth must be base64url' })
  auth: string;
}

/** A browser PushSubscription's JSON (`subscription.toJSON()`). */
export class CreatePushSubscriptionDto {
  @ApiProperty({
    description:
      'the push service URL: https:// to a public host (not loopback, private or link-local), unless PUSH_ENDPOINT_ALLOW lists it',
    maxLength: 2048,
    example: 'https://fcm.googleapis.com/fcm/send/cXb…',
  })
  @IsString()
  @MaxLength(2048)
  endpoint: string;

  @ApiProperty({ type: PushKeysDto })
  @IsObject()
  @ValidateNested()
  @Type(() => PushKeysDto)
  keys: PushKeysDto;

  @ApiPropertyOptional({
    type: 'number',
    nullable: true,
    description:
      'as the browser sends it (ms since the epoch, or null); not used: a push service that ended the subscription answers 404 or 410',
  })
  @IsOptional()
  @IsNumber()
  expirationTime?: number | null;
}

export class PushSubscriptionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() endpoint: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class PushSubscriptionListDto {
  @ApiProperty({ type: [PushSubscriptionDto] }) items: PushSubscriptionDto[];
}

export class VapidPublicKeyDto {
  @ApiProperty({
    description:
      "the server's VAPID public key (RFC 8292): an uncompressed P-256 point, base64url — PushManager.subscribe's applicationServerKey",
  })
  publicKey: string;
}
