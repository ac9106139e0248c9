import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors';
import { AuthUser, CurrentUser } from '../common/current-user';
import { SearchPageDto, SearchQuery } from './dto/search.dto';
import { SearchService } from './search.service';

@ApiTags('search')
@ApiBearerAuth()
@Controller('api/search')
export class SearchController {
  constructor(private readonly search: SearchService) {}

  @Get('messages')
  @ApiOperation({
    summary: 'Messages the caller can see that contain every word of q (the last also as a prefix), newest first, with a snippet',
  })
  @ApiOkResponse({ type: SearchPageDto })
  @ApiErrors('VALIDATION_FAILED', 'CHAT_NOT_FOUND')
  messages(@CurrentUser() caller: AuthUser, @Query() query: SearchQuery) {
    return this.search.search(caller, query);
  }
}
