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
  Query,
  Res,
} from '@nestjs/common';
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
import { ApiErrors } from '../common/http/api-errors.decorator';
import { ParseIdPipe } from '../common/http/parse-id.pipe';
import { EditMessageDto, ListMessagesQuery, SendMessageDto } from './dto/message-input.dto';
import { MessageDto, MessagePageDto } from './dto/message.dto';
import { MessagesService } from './messages.service';

@ApiTags('messages')
@ApiBearerAuth()
@Controller('chats/:chat_id/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get()
  @ApiOperation({ summary: "List a chat's messages, a page at a time" })
  @ApiOkResponse({ type: MessagePageDto, description: 'One page of live messages, newest first by default' })
  @ApiErrors(400, 401, 403, 404)
  list(
    @CurrentUser() user: AuthUser,
    @Param('chat_id', ParseIdPipe) chatId: number,
    @Query() query: ListMessagesQuery,
  ): Promise<MessagePageDto> {
    return this.messages.list(user.id, chatId, query);
  }

  @Post()
  @ApiOperation({
    summary: 'Send a message',
    description:
      "With attachment_ids (1–10 of the sender's own uploads, attached to nothing yet; otherwise 400 on attachment_ids) content may be empty or absent. " +
      '403 blocked in a two-person chat whose members block each other.',
  })
  @ApiCreatedResponse({ type: MessageDto, description: 'Sent' })
  @ApiOkResponse({
    type: MessageDto,
    description: 'This sender already used client_message_id in this chat: the original message',
  })
  @ApiErrors(400, 401, 403, 404)
  async send(
    @CurrentUser() user: AuthUser,
    @Param('chat_id', ParseIdPipe) chatId: number,
    @Body() body: SendMessageDto,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<MessageDto> {
    const { message, created } = await this.messages.send(user.id, chatId, body);
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return message;
  }

  @Patch(':message_id')
  @ApiOperation({ summary: 'Edit a message' })
  @ApiOkResponse({ type: MessageDto, description: 'Edited; edited_at is set' })
  @ApiErrors(400, 401, 403, 404)
  edit(
    @CurrentUser() user: AuthUser,
    @Param('chat_id', ParseIdPipe) chatId: number,
    @Param('message_id', ParseIdPipe) messageId: number,
    @Body() body: EditMessageDto,
  ): Promise<MessageDto> {
    return this.messages.edit(user.id, chatId, messageId, body.content);
  }

  @Delete(':message_id')
  @ApiOperation({ summary: 'Delete a message' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Deleted (soft) by its author, an admin or the owner' })
  @ApiErrors(400, 401, 403, 404)
  remove(
    @CurrentUser() user: AuthUser,
    @Param('chat_id', ParseIdPipe) chatId: number,
    @Param('message_id', ParseIdPipe) messageId: number,
  ): Promise<void> {
    return this.messages.remove(user.id, chatId, messageId);
  }
}
