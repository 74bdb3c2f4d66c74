import { Module } from '@nestjs/common';
import { RealtimeModule } from '../realtime/realtime.module';
import { PushController } from './push.controller';
import { PushFanout } from './push-fanout.service';
import { PushSender } from './push-sender.service';
import { PushSubscriptionsService } from './push-subscriptions.service';
import { VapidKeysProvider } from './vapid-keys.provider';

/** Web Push for people who are not online (issue 16): subscriptions, fan-out and delivery jobs. */
@Module({
  imports: [RealtimeModule],
  controllers: [PushController],
  providers: [VapidKeysProvider, PushSubscriptionsService, PushFanout, PushSender],
})
export class PushModule {}
