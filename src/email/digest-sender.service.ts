import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app.config';
import { MetricsService } from '../observability/metrics.service';
import { PresenceService } from '../realtime/presence.service';
import { EmailDigestsRepository } from '../repositories/email-digests.repository';
import { renderDigest } from './digest.mail';
import { MailTransport } from './mail.transport';
import { UnsubscribeTokens } from './unsubscribe-tokens';

/**
 * One user's digest, as a job runs it. Nothing for a user with a connected socket on any
 * instance. Otherwise the decision and its record are one transaction (EmailDigestsRepository
 * .claim): recorded first, then handed to SMTP, so a job retried or restarted after the mail went
 * out finds it recorded and sends nothing. A mail the relay refuses gives its claim back and
 * fails the job, which pg-boss retries; a crash between the record and the relay's answer loses
 * that one digest (the next interval brings the next): at most one per interval, as the contract
 * says.
 */
@Injectable()
export class DigestSender {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly digests: EmailDigestsRepository,
    private readonly presence: PresenceService,
    private readonly mail: MailTransport,
    private readonly tokens: UnsubscribeTokens,
    private readonly metrics: MetricsService,
  ) {}

  async deliver(userId: number): Promise<void> {
    if ((await this.presence.onlineAmong([userId])).has(userId)) {
      this.metrics.digestSkipped('online');
      return;
    }
    const { digestDelaySeconds, publicWebUrl } = this.config.email;
    const claim = await this.db.transaction((manager) =>
      this.digests.claim(userId, digestDelaySeconds, manager),
    );
    if (!claim) {
      this.metrics.digestSkipped('not_due');
      return;
    }
    const unsubscribeUrl = this.tokens.url(userId);
    const rendered = renderDigest({
      displayName: claim.display_name,
      locale: claim.locale,
      interval: claim.email_digest,
      chats: claim.chats,
      webUrl: publicWebUrl,
      unsubscribeUrl,
    });
    try {
      await this.mail.send('digest', {
        to: claim.email,
        ...rendered,
        headers: {
          // RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click" to the URL.
          'List-Unsubscribe': `<${unsubscribeUrl}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          'Auto-Submitted': 'auto-generated',
        },
      });
    } catch (error) {
      await this.digests.release(userId, claim);
      throw error;
    }
  }
}
