import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { AuthUser, CurrentUser } from '../auth/current-user.decorator';
import { ListUsersQuery } from './dto/list-users.query';
import { UserDto } from '../auth/dto/user.dto';
import { UserListDto } from './dto/user.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @ApiOperation({ summary: "Get the caller's profile" })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(401)
  me(@CurrentUser() user: AuthUser): Promise<UserDto> {
    return this.users.get(user.id);
  }

  @Get()
  @ApiOperation({ summary: 'Search people to start a chat with' })
  @ApiOkResponse({ type: UserListDto, description: 'People to start a chat with (the caller is left out)' })
  @ApiErrors(400, 401)
  list(@CurrentUser() user: AuthUser, @Query() query: ListUsersQuery): Promise<UserListDto> {
    return this.users.list(user.id, query.search, query.limit);
  }
}
