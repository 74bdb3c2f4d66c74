import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../auth/current-user.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { ParseIdPipe } from '../common/http/parse-id.pipe';
import { UpdateMemberDto } from './dto/member-input.dto';
import { MemberDto, MemberListDto } from './dto/member.dto';
import { MembersService } from './members.service';

@ApiTags('members')
@ApiBearerAuth()
@Controller('chats/:chat_id/members')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Get()
  @ApiOperation({ summary: "List a chat's members" })
  @ApiOkResponse({ type: MemberListDto, description: 'Active members, longest-standing first' })
  @ApiErrors(400, 401, 403, 404)
  list(@CurrentUser() user: AuthUser, @Param('chat_id', ParseIdPipe) chatId: number): Promise<MemberListDto> {
    return this.members.list(user.id, chatId);
  }

  @Post(':user_id')
  @ApiOperation({
    summary: 'Add a member, or restore a removed one',
    description:
      '403 blocked when the caller and the user block each other (either way). Rate limited per caller ' +
      '(MEMBER_ADD_RATE_LIMIT: 429 rate_limited with details.retry_after_ms). Counts against the ' +
      "user's MAX_CHATS_PER_USER only when they created this chat.",
  })
  @ApiCreatedResponse({ type: MemberDto, description: 'Added, or a removed member restored' })
  @ApiErrors(400, 401, 403, 404, 409, 429)
  add(
    @CurrentUser() user: AuthUser,
    @Param('chat_id', ParseIdPipe) chatId: number,
    @Param('user_id', ParseIdPipe) userId: number,
  ): Promise<MemberDto> {
    return this.members.add(user.id, chatId, userId);
  }

  @Patch(':user_id')
  @ApiOperation({ summary: "Change a member's role" })
  @ApiOkResponse({ type: MemberDto })
  @ApiErrors(400, 401, 403, 404)
  updateRole(
    @CurrentUser() user: AuthUser,
    @Param('chat_id', ParseIdPipe) chatId: number,
    @Param('user_id', ParseIdPipe) userId: number,
    @Body() body: UpdateMemberDto,
  ): Promise<MemberDto> {
    return this.members.updateRole(user.id, chatId, userId, body.role);
  }

  @Delete(':user_id')
  @ApiOperation({ summary: 'Remove a member, or leave the chat' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Removed; removing yourself is leaving the chat' })
  @ApiErrors(400, 401, 403, 404)
  remove(
    @CurrentUser() user: AuthUser,
    @Param('chat_id', ParseIdPipe) chatId: number,
    @Param('user_id', ParseIdPipe) userId: number,
  ): Promise<void> {
    return this.members.remove(user.id, chatId, userId);
  }
}
