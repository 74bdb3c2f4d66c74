import { Controller, Get, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthUser, CurrentUser } from '../auth/current-user.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { ParseIdPipe } from '../common/http/parse-id.pipe';
import { ChatDto, ChatSummaryPageDto } from './dto/chat.dto';
import { ListPublicChatsQuery } from './dto/chat-input.dto';
import { PublicChatsService } from './public-chats.service';

@ApiTags('public chats')
@ApiBearerAuth()
@Controller('chats')
export class PublicChatsController {
  constructor(private readonly publicChats: PublicChatsService) {}

  @Get('public')
  @ApiOperation({
    summary: 'Find public chats',
    description:
      'Live public chats, newest first, whose title contains every word of query (case-insensitive; % and _ are plain characters). ' +
      'Each shows only its title, type, avatar and member count.',
  })
  @ApiOkResponse({ type: ChatSummaryPageDto })
  @ApiErrors(400, 401)
  list(@Query() query: ListPublicChatsQuery): Promise<ChatSummaryPageDto> {
    return this.publicChats.list(query);
  }

  @Post(':chat_id/join')
  @ApiOperation({
    summary: 'Join a public chat',
    description:
      'As a plain member; members get member:added and chat:updated, as for an add. Someone an owner or admin removed ' +
      'cannot come back this way until a manager adds them again (403 forbidden). Leave with DELETE /chats/{chat_id}/members/{your id}.',
  })
  @ApiCreatedResponse({ type: ChatDto, description: 'Joined: the chat as you now see it' })
  @ApiOkResponse({ type: ChatDto, description: 'Already an active member: the chat as it is' })
  @ApiErrors(400, 401, 403, 404, 409)
  async join(
    @CurrentUser() user: AuthUser,
    @Param('chat_id', ParseIdPipe) chatId: number,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<ChatDto> {
    const { chat, joined } = await this.publicChats.join(user.id, chatId);
    response.status(joined ? HttpStatus.CREATED : HttpStatus.OK);
    return chat;
  }
}
