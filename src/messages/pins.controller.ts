import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../auth/current-user.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { ParseIdPipe } from '../common/http/parse-id.pipe';
import { PinListDto } from './dto/pin.dto';
import { PinsService } from './pins.service';

@ApiTags('messages')
@ApiBearerAuth()
@Controller('chats/:chat_id/pins')
export class PinsController {
  constructor(private readonly pins: PinsService) {}

  @Get()
  @ApiOperation({ summary: "List a chat's pinned messages" })
  @ApiOkResponse({ type: PinListDto, description: 'Pinned live messages, newest pin first' })
  @ApiErrors(400, 401, 403, 404)
  list(@CurrentUser() user: AuthUser, @Param('chat_id', ParseIdPipe) chatId: number): Promise<PinListDto> {
    return this.pins.list(user.id, chatId);
  }

  @Put(':message_id')
  @ApiOperation({
    summary: 'Pin a message',
    description:
      'Owner or admin; any member of a two-person chat. Pinning twice is one pin. At most 50 pins per chat.',
  })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Pinned' })
  @ApiErrors(400, 401, 403, 404, 409)
  pin(
    @CurrentUser() user: AuthUser,
    @Param('chat_id', ParseIdPipe) chatId: number,
    @Param('message_id', ParseIdPipe) messageId: number,
  ): Promise<void> {
    return this.pins.set(user.id, chatId, messageId, true);
  }

  @Delete(':message_id')
  @ApiOperation({
    summary: 'Unpin a message',
    description: 'Owner or admin; any member of a two-person chat.',
  })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Unpinned' })
  @ApiErrors(400, 401, 403, 404)
  unpin(
    @CurrentUser() user: AuthUser,
    @Param('chat_id', ParseIdPipe) chatId: number,
    @Param('message_id', ParseIdPipe) messageId: number,
  ): Promise<void> {
    return this.pins.set(user.id, chatId, messageId, false);
  }
}
