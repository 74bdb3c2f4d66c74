import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../auth/current-user.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { ParseIdPipe } from '../common/http/parse-id.pipe';
import { BlocksService } from './blocks.service';
import { UserListDto } from './dto/user.dto';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users/me/blocks')
export class BlocksController {
  constructor(private readonly blocks: BlocksService) {}

  @Get()
  @ApiOperation({
    summary: 'List the people the caller blocks',
    description: 'Most recently blocked first; a user may block at most 1000 people.',
  })
  @ApiOkResponse({ type: UserListDto })
  @ApiErrors(401)
  list(@CurrentUser() user: AuthUser): Promise<UserListDto> {
    return this.blocks.list(user.id);
  }

  @Put(':user_id')
  @ApiOperation({
    summary: 'Block a user',
    description:
      'Idempotent. A block works both ways for personal contact: neither can create a chat with the other ' +
      '(403 blocked), add the other to a chat, or send in a two-person chat they share; neither hears the ' +
      "events of such a chat's room any more. Group chats of three or more are unaffected. " +
      '409 limit_exceeded past 1000 blocks.',
  })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Blocked' })
  @ApiErrors(400, 401, 404, 409)
  block(@CurrentUser() user: AuthUser, @Param('user_id', ParseIdPipe) userId: number): Promise<void> {
    return this.blocks.block(user.id, userId);
  }

  @Delete(':user_id')
  @ApiOperation({
    summary: 'Unblock a user',
    description: 'Idempotent: 204 whether or not they were blocked.',
  })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Not blocked (any more)' })
  @ApiErrors(400, 401)
  unblock(@CurrentUser() user: AuthUser, @Param('user_id', ParseIdPipe) userId: number): Promise<void> {
    return this.blocks.unblock(user.id, userId);
  }
}
