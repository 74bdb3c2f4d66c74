import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { JobWithMetadata } from 'pg-boss';
import { sendNotification, WebPushError } from 'web-push';
import { AppConfig } from '../config/app.config';
import { JobsService } from '../jobs/jobs.service';
import { MetricsService } from '../observability/metrics.service';
import { PushRepository } from '../repositories/push.repository';
import { endpointRefusal } from './push-endpoint.policy';
import { DELIVER_QUEUE, DeliverJob } from './push-jobs';
import { pushTopic } from './push-text';
import { VapidKeysProvider } from './vapid-keys.provider';
import { errorMessage } from '../common/errors/error-message';

/** The most a push service may take to answer one push. */
const PUSH_REQUEST_TIMEOUT_MS = 10_000;

/**
 * While NOTIFY wakes the deliver workers, how often each still polls, for retries that came due
 * (their backoff starts at 5 s): with 8 workers, a due retry waits ~1.25 s on average, 10 s at most.
 */
const DELIVER_RETRY_POLL_SECONDS = 10;

/**
 * Sends the queued pushes (web-push: RFC 8291 aes128gcm encryption, RFC 8292 VAPID), one job per
 * (subscription, message). 201 counts as sent; 404 or 410 (the browser unsubscribed) deletes the
 * subscription; anything else fails the job, which pg-boss retries with exponential backoff.
 */
@Injectable()
export class PushSender implements OnModuleInit {
  private readonly logger = new Logger('WebPush');

  constructor(
    private readonly config: AppConfig,
    private readonly jobs: JobsService,
    private readonly push: PushRepository,
    private readonly vapid: VapidKeysProvider,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.jobs.register<DeliverJob>(
      DELIVER_QUEUE,
      (batch) => this.run(batch as JobWithMetadata<DeliverJob>[]),
      {
        queue: {
          retryLimit: 6,
          retryDelay: 5,
          retryBackoff: true,
          retryDelayMax: 900,
          expireInSeconds: 60,
          // The payload holds message text: kept no longer than the retries need.
          deleteAfterSeconds: 3600,
          // Woken as soon as a fan-out queues deliveries (JOBS_LISTEN_NOTIFY).
          notify: true,
        },
        work: {
          pollingIntervalSeconds: this.config.push.pollIntervalMs / 1000,
          // While NOTIFY wakes them, each of the 8 workers polls only for retries that came due:
          // idle, 0.8 polls a second instead of 4.
          notifyPollingIntervalSeconds: Math.max(
            DELIVER_RETRY_POLL_SECONDS,
            this.config.push.pollIntervalMs / 1000,
          ),
          includeMetadata: true,
          batchSize: 1,
          // Deliveries wait on push services, not on this process: one slow or unreachable
          // service (PUSH_REQUEST_TIMEOUT_MS each try) must not hold the others' pushes.
          localConcurrency: 8,
        },
      },
    );
    this.metrics.watchQueue(DELIVER_QUEUE, () => this.jobs.depth(DELIVER_QUEUE));
  }

  private async run(batch: JobWithMetadata<DeliverJob>[]): Promise<void> {
    for (const job of batch) {
      this.metrics.jobStarted(DELIVER_QUEUE, (Date.now() - new Date(job.startAfter).getTime()) / 1000);
      await this.deliver(job.data);
    }
  }

  async deliver(job: DeliverJob): Promise<void> {
    const subscription = await this.push.subscription(job.subscriptionId);
    // Deleted since, or the browser now belongs to someone else: not theirs to see.
    if (!subscription || subscription.user_id !== job.userId) return;
    const refusal = endpointRefusal(subscription.endpoint, this.config.push.endpointHosts);
    if (refusal) {
      this.logger.warn(`Push subscription ${subscription.id} skipped: ${refusal}`);
      return;
    }
    const { publicKey, privateKey } = this.vapid.keys;
    try {
      await sendNotification(
        { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
        JSON.stringify(job.payload),
        {
          vapidDetails: { subject: this.config.push.vapidSubject, publicKey, privateKey },
          TTL: this.config.push.ttlSeconds,
          topic: pushTopic(job.payload.chat_id),
          urgency: 'high',
          contentEncoding: 'aes128gcm',
          timeout: PUSH_REQUEST_TIMEOUT_MS,
        },
      );
      this.metrics.pushOutcome('sent');
    } catch (error) {
      if (error instanceof WebPushError && (error.statusCode === 404 || error.statusCode === 410)) {
        await this.push.deleteExpired(subscription.id, subscription.endpoint);
        this.metrics.pushOutcome('expired');
        return;
      }
      this.metrics.pushOutcome('failed');
      // Thrown for pg-boss to retry. Without the cause: a WebPushError carries the endpoint (a
      // capability) and pg-boss stores the error, cause included, as the job's output.
      const status = error instanceof WebPushError ? `answered ${error.statusCode}` : errorMessage(error);
      // eslint-disable-next-line preserve-caught-error
      throw new Error(`Push to subscription ${subscription.id} failed: ${status}`);
    }
  }
}
