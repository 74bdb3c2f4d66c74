import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
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
import { Public } from '../common/http/public.decorator';
import { CreatePushSubscriptionDto, PushSubscriptionCreatedDto, VapidPublicKeyDto } from './dto/push.dto';
import { PushSubscriptionsService } from './push-subscriptions.service';
import { VapidKeysProvider } from './vapid-keys.provider';

@ApiTags('push')
@Controller('push')
export class PushController {
  constructor(
    private readonly vapid: VapidKeysProvider,
    private readonly subscriptions: PushSubscriptionsService,
  ) {}

  @Get('vapid-public-key')
  @Public()
  @ApiOperation({ summary: 'The Web Push application server key (VAPID public key)' })
  @ApiOkResponse({ type: VapidPublicKeyDto })
  vapidPublicKey(): VapidPublicKeyDto {
    return { key: this.vapid.keys.publicKey };
  }

  @Post('subscriptions')
  @ApiBearerAuth()
  @ApiOperation({
    summary: "Store a browser's push subscription for the caller",
    description:
      'The body is PushSubscription.toJSON() as the browser gives it. The endpoint must be an https URL on an ' +
      'allowed push service host (PUSH_ENDPOINT_HOSTS), else 400 on endpoint. The same endpoint again replaces ' +
      'the earlier subscription (same id), whoever it belonged to.',
  })
  @ApiCreatedResponse({ type: PushSubscriptionCreatedDto })
  @ApiErrors(400, 401)
  subscribe(
    @CurrentUser() user: AuthUser,
    @Body() body: CreatePushSubscriptionDto,
  ): Promise<PushSubscriptionCreatedDto> {
    return this.subscriptions.subscribe(user.id, body);
  }

  @Delete('subscriptions/:id')
  @ApiBearerAuth()
  @ApiOperation({ summary: "Delete one of the caller's push subscriptions" })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 401, 404)
  unsubscribe(@CurrentUser() user: AuthUser, @Param('id', ParseIdPipe) id: number): Promise<void> {
    return this.subscriptions.unsubscribe(user.id, id);
  }
}
