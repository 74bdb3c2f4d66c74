import { Controller, Get, Header, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { Public } from '../common/http/public.decorator';
import { UnsubscribeQuery } from './dto/unsubscribe.query';
import { UnsubscribeService } from './unsubscribe.service';

@ApiTags('email')
@Public()
@Controller('email')
export class UnsubscribeController {
  constructor(private readonly unsubscribes: UnsubscribeService) {}

  @Get('unsubscribe')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: "A digest's unsubscribe link: a page asking to confirm (changes nothing)",
    description:
      "No Authorization: the signed token is the permission. The page, in the user's language, has one button that POSTs to the same URL.",
  })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'An HTML page with the confirmation button', schema: { type: 'string' } })
  @ApiErrors(400)
  confirm(@Query() query: UnsubscribeQuery): Promise<string> {
    return this.unsubscribes.confirmPage(query.token);
  }

  @Post('unsubscribe')
  @HttpCode(200)
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: "Turn the token's user's e-mail digests off (one-click, RFC 8058)",
    description:
      'No Authorization: the signed token is the permission. The body, if any (List-Unsubscribe=One-Click), is ignored. ' +
      'Idempotent; answers an HTML page saying it is done.',
  })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'An HTML page saying digests are off', schema: { type: 'string' } })
  @ApiErrors(400)
  unsubscribe(@Query() query: UnsubscribeQuery): Promise<string> {
    return this.unsubscribes.unsubscribe(query.token);
  }
}
