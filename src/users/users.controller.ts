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
import { SettingsService } from './settings.service';
import { UpdateUserSettingsDto, UserSettingsDto } from './dto/user-settings.dto';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly profile: ProfileService,
    private readonly settings: SettingsService,
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

  @Get('me/settings')
  @ApiOperation({ summary: "Get the caller's notification settings (e-mail digests, language)" })
  @ApiOkResponse({ type: UserSettingsDto })
  @ApiErrors(401)
  mySettings(@CurrentUser() user: AuthUser): Promise<UserSettingsDto> {
    return this.settings.get(user.id);
  }

  @Patch('me/settings')
  @ApiOperation({
    summary: "Change the caller's notification settings",
    description:
      'At least one field. email_digest hourly or daily needs an e-mail address (given or kept; else 400 on email_digest); ' +
      'email: null removes the address and turns digests off.',
  })
  @ApiOkResponse({ type: UserSettingsDto })
  @ApiErrors(400, 401)
  updateMySettings(
    @CurrentUser() user: AuthUser,
    @Body() body: UpdateUserSettingsDto,
  ): Promise<UserSettingsDto> {
    return this.settings.update(user.id, body);
  }

  @Get()
  @ApiOperation({ summary: 'Search people to start a chat with' })
  @ApiOkResponse({ type: UserListDto, description: 'People to start a chat with (the caller is left out)' })
  @ApiErrors(400, 401)
  list(@CurrentUser() user: AuthUser, @Query() query: ListUsersQuery): Promise<UserListDto> {
    return this.users.list(user.id, query.search, query.limit);
  }
}
