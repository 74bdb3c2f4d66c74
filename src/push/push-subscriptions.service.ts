import { Injectable } from '@nestjs/common';
import { DomainError, ValidationFailed } from '../common/errors/domain.errors';
import { AppConfig } from '../config/app.config';
import { PushRepository } from '../repositories/push.repository';
import type { CreatePushSubscriptionDto } from './dto/push.dto';
import { endpointRefusal } from './push-endpoint.policy';

/** The 65-byte uncompressed P-256 point and 16-byte secret a browser's subscription carries. */
function keyRefusal(keys: { p256dh: string; auth: string }): ValidationFailed | undefined {
  const p256dh = Buffer.from(keys.p256dh, 'base64url');
  if (p256dh.length !== 65 || p256dh[0] !== 4) {
    return ValidationFailed.field('keys.p256dh', 'keys.p256dh must be an uncompressed P-256 public key');
  }
  if (Buffer.from(keys.auth, 'base64url').length !== 16) {
    return ValidationFailed.field('keys.auth', 'keys.auth must be a 16-byte secret');
  }
  return undefined;
}

/** The caller's Web Push subscriptions: stored (one per endpoint) and deleted. */
@Injectable()
export class PushSubscriptionsService {
  constructor(
    private readonly config: AppConfig,
    private readonly push: PushRepository,
  ) {}

  async subscribe(userId: number, input: CreatePushSubscriptionDto): Promise<{ id: number }> {
    const refusal = endpointRefusal(input.endpoint, this.config.push.endpointHosts);
    if (refusal) throw ValidationFailed.field('endpoint', refusal);
    const badKey = keyRefusal(input.keys);
    if (badKey) throw badKey;
    const id = await this.push.upsertSubscription({
      userId,
      endpoint: input.endpoint,
      p256dh: input.keys.p256dh.replace(/=+$/, ''),
      auth: input.keys.auth.replace(/=+$/, ''),
      expirationTime: typeof input.expirationTime === 'number' ? new Date(input.expirationTime) : null,
    });
    return { id };
  }

  /** 404 unless the caller has a subscription with this id (another user's is not theirs to see). */
  async unsubscribe(userId: number, id: number): Promise<void> {
    if (!(await this.push.deleteOwnSubscription(id, userId))) {
      throw new DomainError('not_found', 'Push subscription not found');
    }
  }
}
