import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Put,
  Query,
} from '@nestjs/common';
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
import { ChatsService } from './chats.service';
import { ChatDto, ChatNotificationsDto, ChatPageDto } from './dto/chat.dto';
import {
  CreateChatDto,
  ListChatsQuery,
  UpdateChatDto,
  UpdateChatNotificationsDto,
} from './dto/chat-input.dto';

@ApiTags('chats')
@ApiBearerAuth()
@Controller('chats')
export class ChatsController {
  constructor(private readonly chats: ChatsService) {}

  @Get()
  @ApiOperation({ summary: "List the caller's chats" })
  @ApiOkResponse({ type: ChatPageDto, description: 'The caller’s chats, newest activity first' })
  @ApiErrors(400, 401)
  list(@CurrentUser() user: AuthUser, @Query() query: ListChatsQuery): Promise<ChatPageDto> {
    return this.chats.list(user.id, query);
  }

  @Get(':chat_id')
  @ApiOperation({ summary: 'Get a chat' })
  @ApiOkResponse({ type: ChatDto })
  @ApiErrors(400, 401, 403, 404)
  get(@CurrentUser() user: AuthUser, @Param('chat_id', ParseIdPipe) chatId: number): Promise<ChatDto> {
    return this.chats.get(user.id, chatId);
  }

  @Post()
  @ApiOperation({
    summary: 'Create a chat',
    description:
      '403 blocked (details.user_ids) when the caller and one of member_ids block each other (either way). ' +
      'Rate limited per caller (CHAT_CREATE_RATE_LIMIT, and MEMBER_ADD_RATE_LIMIT for the other members: ' +
      '429 rate_limited with details.retry_after_ms; a 409 chat_exists costs nothing). 409 limit_exceeded ' +
      'when the caller already has MAX_CHATS_PER_USER chats they created and are still in.',
  })
  @ApiCreatedResponse({ type: ChatDto })
  @ApiErrors(400, 401, 403, 409, 429)
  create(@CurrentUser() user: AuthUser, @Body() body: CreateChatDto): Promise<ChatDto> {
    return this.chats.create(user.id, body);
  }

  @Patch(':chat_id')
  @ApiOperation({
    summary: "Change a chat's title or avatar (owner or admin)",
    description:
      "avatar_id: an image upload of the caller's not used anywhere yet (else 400 on avatar_id); the previous avatar is deleted. " +
      'Members get chat:updated with the new avatar_url.',
  })
  @ApiOkResponse({ type: ChatDto })
  @ApiErrors(400, 401, 403, 404)
  update(
    @CurrentUser() user: AuthUser,
    @Param('chat_id', ParseIdPipe) chatId: number,
    @Body() body: UpdateChatDto,
  ): Promise<ChatDto> {
    return this.chats.update(user.id, chatId, body);
  }

  @Delete(':chat_id')
  @ApiOperation({ summary: 'Delete a chat for every member' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Deleted for every member' })
  @ApiErrors(400, 401, 403, 404)
  remove(@CurrentUser() user: AuthUser, @Param('chat_id', ParseIdPipe) chatId: number): Promise<void> {
    return this.chats.remove(user.id, chatId);
  }

  @Put(':chat_id/notifications')
  @ApiOperation({
    summary: "Set the caller's notification level for a chat, and a mute",
    description:
      'Decides the Web Push of this chat for the caller (README, "Web Push"): all, mentions only, or none; ' +
      'muted_until: no push before that time. Shown as notifications on the caller’s Chat.',
  })
  @ApiOkResponse({ type: ChatNotificationsDto })
  @ApiErrors(400, 401, 403, 404)
  setNotifications(
    @CurrentUser() user: AuthUser,
    @Param('chat_id', ParseIdPipe) chatId: number,
    @Body() body: UpdateChatNotificationsDto,
  ): Promise<ChatNotificationsDto> {
    return this.chats.setNotifications(user.id, chatId, body);
  }
}
