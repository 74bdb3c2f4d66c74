import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app.config';
import { JobsService } from '../jobs/jobs.service';
import { EmailDigestsRepository } from '../repositories/email-digests.repository';
import { DigestSender } from './digest-sender.service';
import { MailTransport } from './mail.transport';
import { errorMessage } from '../common/errors/error-message';

/** The scan: which users a digest is due to. One at a time across all instances. */
export const DIGEST_SCAN_QUEUE = 'email-digest-scan';
/** One user's digest. One job per user at a time (queued, retrying or running). */
export const DIGEST_QUEUE = 'email-digest';

/** Users read per page of the scan. */
const SCAN_PAGE = 500;

/**
 * E-mail digests as durable jobs (pg-boss, JobsService). Every EMAIL_DIGEST_SCAN_SECONDS each
 * instance offers a scan job under one singleton key and time slot, so one scan runs per slot
 * across instances (and one at a time: the `exclusive` policy); the scan queues a digest job per
 * user found due, keyed by (user, interval) under the same policy, so a user never has two in
 * flight. The digest job (DigestSender) decides again, under a row lock, and sends.
 *
 * Without SMTP_URL nothing is registered: digests are off (said once, at start).
 */
@Injectable()
export class DigestScheduler implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('EmailDigests');
  private timer?: NodeJS.Timeout;
  private readonly scanSeconds: number;

  constructor(
    private readonly config: AppConfig,
    private readonly jobs: JobsService,
    private readonly digests: EmailDigestsRepository,
    private readonly sender: DigestSender,
    private readonly mail: MailTransport,
  ) {
    this.scanSeconds = config.email.digestScanSeconds;
  }

  onModuleInit(): void {
    if (!this.mail.configured) {
      this.logger.log('E-mail digests are off: SMTP_URL is not set');
      return;
    }
    const pollingIntervalSeconds = Math.max(0.5, Math.min(2, this.scanSeconds / 2));
    this.jobs.register(
      DIGEST_SCAN_QUEUE,
      async () => {
        await this.scan();
      },
      {
        queue: { policy: 'exclusive', retryLimit: 0 },
        work: { pollingIntervalSeconds },
      },
    );
    this.jobs.register<{ user_id: number }>(
      DIGEST_QUEUE,
      async (batch) => {
        for (const job of batch) await this.sender.deliver(job.data.user_id);
      },
      {
        queue: {
          policy: 'exclusive',
          retryLimit: 5,
          retryDelay: 30,
          retryBackoff: true,
          retryDelayMax: 3600,
        },
        work: { pollingIntervalSeconds },
      },
    );
  }

  onApplicationBootstrap(): void {
    if (!this.mail.configured) return;
    void this.offerScan();
    this.timer = setInterval(() => void this.offerScan(), this.scanSeconds * 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Offers this slot's scan: a duplicate of one another instance queued already is dropped. */
  private async offerScan(): Promise<void> {
    try {
      await this.jobs.send(
        DIGEST_SCAN_QUEUE,
        {},
        { singletonKey: 'scan', singletonSeconds: this.scanSeconds },
      );
    } catch (error) {
      this.logger.warn(`Digest scan not queued: ${errorMessage(error)}`);
    }
  }

  /** Queues a digest job for every user one is due to; returns how many were queued. */
  async scan(): Promise<number> {
    let queued = 0;
    for (let after = 0; ;) {
      const page = await this.digests.candidates(after, SCAN_PAGE, this.config.email.digestDelaySeconds);
      for (const user of page) {
        const id = await this.jobs.send(
          DIGEST_QUEUE,
          { user_id: user.id },
          { singletonKey: `${user.id}:${user.email_digest}` },
        );
        if (id !== null) queued += 1;
      }
      if (page.length < SCAN_PAGE) return queued;
      after = page[page.length - 1].id;
    }
  }
}
