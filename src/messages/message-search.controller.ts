import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../auth/current-user.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { SearchMessagesQuery, SearchPageDto } from './dto/message-search.dto';
import { MessageSearchService } from './message-search.service';

@ApiTags('messages')
@ApiBearerAuth()
@Controller('messages')
export class MessageSearchController {
  constructor(private readonly searches: MessageSearchService) {}

  @Get('search')
  @ApiOperation({
    summary: 'Search the messages of every chat the caller is an active member of',
    description:
      'Newest first; deleted messages, deleted chats and chats the caller left or was removed from are never searched.',
  })
  @ApiOkResponse({ type: SearchPageDto })
  @ApiErrors(400, 401)
  search(@CurrentUser() user: AuthUser, @Query() query: SearchMessagesQuery): Promise<SearchPageDto> {
    return this.searches.page(user.id, query);
  }
}
