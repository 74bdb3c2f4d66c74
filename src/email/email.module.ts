import { Module } from '@nestjs/common';
import { RealtimeModule } from '../realtime/realtime.module';
import { DigestScheduler } from './digest-scheduler.service';
import { DigestSender } from './digest-sender.service';
import { MailTransport } from './mail.transport';
import { UnsubscribeController } from './unsubscribe.controller';
import { UnsubscribeService } from './unsubscribe.service';
import { UnsubscribeTokens } from './unsubscribe-tokens';

/**
 * E-mail digests of unread messages (issue 16) through SMTP, as durable jobs, and the unsubscribe
 * link. The unsubscribe routes serve whether SMTP is configured or not (links already sent keep
 * working).
 */
@Module({
  imports: [RealtimeModule],
  controllers: [UnsubscribeController],
  providers: [MailTransport, UnsubscribeTokens, UnsubscribeService, DigestSender, DigestScheduler],
})
export class EmailModule {}
