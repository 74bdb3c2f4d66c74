import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthUser, CurrentUser } from '../auth/current-user.decorator';
import { ChatDto } from '../chats/dto/chat.dto';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { ParseIdPipe } from '../common/http/parse-id.pipe';
import { CreateInviteDto, InviteDto, InviteListDto, InvitePreviewDto } from './dto/invite.dto';
import { InvitesService } from './invites.service';

@ApiTags('invites')
@ApiBearerAuth()
@Controller()
export class InvitesController {
  constructor(private readonly invites: InvitesService) {}

  @Post('chats/:chat_id/invites')
  @ApiOperation({
    summary: 'Make an invite link (owner or admin)',
    description:
      'Not for a two-person chat (403 forbidden): that is a personal conversation. At most 100 working links per chat ' +
      '(409 limit_exceeded).',
  })
  @ApiCreatedResponse({ type: InviteDto })
  @ApiErrors(400, 401, 403, 404, 409)
  create(
    @CurrentUser() user: AuthUser,
    @Param('chat_id', ParseIdPipe) chatId: number,
    @Body() body: CreateInviteDto,
  ): Promise<InviteDto> {
    return this.invites.create(user.id, chatId, body);
  }

  @Get('chats/:chat_id/invites')
  @ApiOperation({ summary: "List a chat's working invite links (owner or admin)" })
  @ApiOkResponse({ type: InviteListDto })
  @ApiErrors(400, 401, 403, 404)
  list(@CurrentUser() user: AuthUser, @Param('chat_id', ParseIdPipe) chatId: number): Promise<InviteListDto> {
    return this.invites.list(user.id, chatId);
  }

  @Delete('chats/:chat_id/invites/:code')
  @ApiOperation({ summary: 'Revoke an invite link (owner or admin)' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Revoked: the link answers 404 from now on' })
  @ApiErrors(400, 401, 403, 404)
  revoke(
    @CurrentUser() user: AuthUser,
    @Param('chat_id', ParseIdPipe) chatId: number,
    @Param('code') code: string,
  ): Promise<void> {
    return this.invites.revoke(user.id, chatId, code);
  }

  @Get('invites/:code')
  @ApiOperation({
    summary: "Preview an invite link's chat",
    description:
      'Only the title, type, avatar and member count, and the link’s expiry. 404 invite_not_found for an unknown or revoked ' +
      'link (or a deleted chat); 410 invite_expired once it is past its expiry or its uses.',
  })
  @ApiOkResponse({ type: InvitePreviewDto })
  @ApiErrors(400, 401, 404, 410)
  preview(@Param('code') code: string): Promise<InvitePreviewDto> {
    return this.invites.preview(code);
  }

  @Post('invites/:code/join')
  @ApiOperation({
    summary: 'Join a chat through an invite link',
    description:
      'As a plain member, taking one use of the link; members get member:added and chat:updated, as for an add. ' +
      '403 blocked when you and the link’s maker block each other; 403 forbidden when an owner or admin removed you ' +
      '(until they add you back); 409 limit_exceeded at the member cap; 410 invite_expired past the expiry or the uses.',
  })
  @ApiCreatedResponse({ type: ChatDto, description: 'Joined: the chat as you now see it' })
  @ApiOkResponse({ type: ChatDto, description: 'Already an active member: the chat as it is (no use taken)' })
  @ApiErrors(400, 401, 403, 404, 409, 410)
  async join(
    @CurrentUser() user: AuthUser,
    @Param('code') code: string,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<ChatDto> {
    const { chat, joined } = await this.invites.join(user.id, code);
    response.status(joined ? HttpStatus.CREATED : HttpStatus.OK);
    return chat;
  }
}
