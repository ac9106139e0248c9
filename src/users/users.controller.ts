import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors';
import { AuthUser, CurrentUser } from '../common/current-user';
import { uuidPipe } from '../common/uuid.pipe';
import { SearchUsersQuery, UpdateMeDto, UserDto, UserListDto, UserPublicDto } from './dto/user.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @ApiOperation({ summary: 'The caller' })
  @ApiOkResponse({ type: UserDto })
  me(@CurrentUser() caller: AuthUser) {
    return this.users.me(caller);
  }

  @Patch('me')
  @ApiOperation({ summary: 'Update display name or about' })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors('VALIDATION_FAILED')
  updateMe(@CurrentUser() caller: AuthUser, @Body() dto: UpdateMeDto) {
    return this.users.updateMe(caller, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Search users by username prefix (case-insensitive)' })
  @ApiOkResponse({ type: UserListDto })
  @ApiErrors('VALIDATION_FAILED')
  search(@Query() query: SearchUsersQuery) {
    return this.users.search(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A user’s public profile and presence' })
  @ApiOkResponse({ type: UserPublicDto })
  @ApiErrors('VALIDATION_FAILED', 'USER_NOT_FOUND')
  get(@Param('id', uuidPipe) id: string) {
    return this.users.getPublic(id);
  }
}
