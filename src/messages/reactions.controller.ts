import { Controller, Delete, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../auth/current-user.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { ParseIdPipe } from '../common/http/parse-id.pipe';
import { ReactionsDto } from './dto/reaction.dto';
import { ReactionsService } from './reactions.service';

const EMOJI_PARAM = {
  name: 'emoji',
  description: 'One emoji (a single grapheme of the RGI set, at most 64 bytes), URL-encoded',
  example: '%F0%9F%91%8D',
};

@ApiTags('messages')
@ApiBearerAuth()
@Controller('chats/:chat_id/messages/:message_id/reactions')
export class ReactionsController {
  constructor(private readonly reactions: ReactionsService) {}

  @Put(':emoji')
  @ApiOperation({
    summary: 'React to a message with one emoji',
    description:
      'Idempotent: reacting twice with the same emoji is one reaction. At most 20 different emoji per message.',
  })
  @ApiParam(EMOJI_PARAM)
  @ApiOkResponse({ type: ReactionsDto, description: "The message's reactions as the caller sees them" })
  @ApiErrors(400, 401, 403, 404, 409)
  add(
    @CurrentUser() user: AuthUser,
    @Param('chat_id', ParseIdPipe) chatId: number,
    @Param('message_id', ParseIdPipe) messageId: number,
    @Param('emoji') emoji: string,
  ): Promise<ReactionsDto> {
    return this.reactions.react(user.id, chatId, messageId, emoji, true);
  }

  @Delete(':emoji')
  @ApiOperation({
    summary: "Take back one's reaction",
    description: 'Idempotent: removing a reaction the caller does not have answers the current list.',
  })
  @ApiParam(EMOJI_PARAM)
  @ApiOkResponse({ type: ReactionsDto, description: "The message's reactions as the caller sees them" })
  @ApiErrors(400, 401, 403, 404)
  remove(
    @CurrentUser() user: AuthUser,
    @Param('chat_id', ParseIdPipe) chatId: number,
    @Param('message_id', ParseIdPipe) messageId: number,
    @Param('emoji') emoji: string,
  ): Promise<ReactionsDto> {
    return this.reactions.react(user.id, chatId, messageId, emoji, false);
  }
}
