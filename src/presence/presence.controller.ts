import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsUUID } from 'class-validator';
import { ApiErrors } from '../common/api-errors';
import { PresenceService } from './presence.service';

export class PresenceQuery {
  @ApiProperty({ description: 'comma-separated user ids (at most 100)', example: 'uuid1,uuid2', type: String })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',').filter(Boolean) : value))
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  userIds: string[];
}

export class PresenceItemDto {
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty() online: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastSeenAt: string | null;
}

export class PresenceListDto {
  @ApiProperty({ type: [PresenceItemDto] }) items: PresenceItemDto[];
}

@ApiTags('presence')
@ApiBearerAuth()
@ApiErrors(400, 401)
@Controller('api/presence')
export class PresenceController {
  constructor(private readonly presence: PresenceService) {}

  @Get()
  @ApiOperation({ summary: 'Online state and last seen time of some users (unknown ids are left out)' })
  @ApiOkResponse({ type: PresenceListDto })
  async get(@Query() query: PresenceQuery): Promise<PresenceListDto> {
    return { items: await this.presence.states(query.userIds) };
  }
}
