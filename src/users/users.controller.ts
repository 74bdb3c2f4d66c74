import { Body, Controller, Get, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { AuthUser, CurrentUser } from '../auth/current-user.decorator';
import { ListUsersQuery } from './dto/list-users.query';
import { UpdateProfileDto } from './dto/update-profile.dto';
import { ProfileService } from './profile.service';
import { UserDto } from '../auth/dto/user.dto';
import { UserListDto } from './dto/user.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly profile: ProfileService,
  ) {}

  @Get('me')
  @ApiOperation({ summary: "Get the caller's profile" })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(401)
  me(@CurrentUser() user: AuthUser): Promise<UserDto> {
    return this.users.get(user.id);
  }

  @Patch('me')
  @ApiOperation({
    summary: "Change the caller's display name or avatar",
    description:
      "avatar_id: an image upload of the caller's not used anywhere yet (else 400 on avatar_id); the previous avatar is deleted. " +
      'Each chat the caller is an active member of gets member:updated. Messages keep their sender_name as sent.',
  })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 401)
  updateMe(@CurrentUser() user: AuthUser, @Body() body: UpdateProfileDto): Promise<UserDto> {
    return this.profile.update(user.id, body);
  }

  @Get()
  @ApiOperation({ summary: 'Search people to start a chat with' })
  @ApiOkResponse({ type: UserListDto, description: 'People to start a chat with (the caller is left out)' })
  @ApiErrors(400, 401)
  list(@CurrentUser() user: AuthUser, @Query() query: ListUsersQuery): Promise<UserListDto> {
    return this.users.list(user.id, query.search, query.limit);
  }
}
