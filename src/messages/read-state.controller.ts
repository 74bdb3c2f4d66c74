import { Body, Controller, Get, Param, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../auth/current-user.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { ParseIdPipe } from '../common/http/parse-id.pipe';
import { MarkReadDto, MessageReadListDto, UnreadDto } from './dto/read-state.dto';
import { ReadStateService } from './read-state.service';

@ApiTags('messages')
@ApiBearerAuth()
@Controller('chats/:chat_id')
export class ReadStateController {
  constructor(private readonly readState: ReadStateService) {}

  @Get('unread')
  @ApiOperation({ summary: "Get the caller's read state of a chat" })
  @ApiOkResponse({ type: UnreadDto })
  @ApiErrors(400, 401, 403, 404)
  unread(@CurrentUser() user: AuthUser, @Param('chat_id', ParseIdPipe) chatId: number): Promise<UnreadDto> {
    return this.readState.unread(user.id, chatId);
  }

  @Patch('unread')
  @ApiOperation({ summary: "Mark a chat's messages read" })
  @ApiOkResponse({
    type: UnreadDto,
    description: 'The read state after marking; the cursor never moves back',
  })
  @ApiErrors(400, 401, 403, 404)
  markRead(
    @CurrentUser() user: AuthUser,
    @Param('chat_id', ParseIdPipe) chatId: number,
    @Body() body: MarkReadDto,
  ): Promise<UnreadDto> {
    return this.readState.markRead(user.id, chatId, body.up_to_seq);
  }

  @Get('messages/:message_id/reads')
  @ApiOperation({ summary: 'List who read a message' })
  @ApiOkResponse({ type: MessageReadListDto })
  @ApiErrors(400, 401, 403, 404)
  reads(
    @CurrentUser() user: AuthUser,
    @Param('chat_id', ParseIdPipe) chatId: number,
    @Param('message_id', ParseIdPipe) messageId: number,
  ): Promise<MessageReadListDto> {
    return this.readState.reads(user.id, chatId, messageId);
  }
}
