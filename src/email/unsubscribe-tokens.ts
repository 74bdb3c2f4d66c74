import { Injectable } from '@nestjs/common';
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/app.config';

/** The path under the API's public origin where a digest's unsubscribe link points. */
export const UNSUBSCRIBE_PATH = '/api/v1/email/unsubscribe';

/**
 * The token of a digest's unsubscribe link: `<user id>.<base64url HMAC-SHA256(key,
 * "email-unsubscribe:<user id>")>`. It works without logging in and does not expire (a mail read
 * months later still unsubscribes); all it can do is turn that user's digests off. Rotating
 * EMAIL_UNSUBSCRIBE_SECRET voids the links already sent.
 */
@Injectable()
export class UnsubscribeTokens {
  /** A KeyObject, made once (AttachmentUrlSigner says why). */
  private readonly key: KeyObject;
  private readonly base: string;

  constructor(config: AppConfig) {
    this.key = createSecretKey(Buffer.from(config.email.unsubscribeSecret, 'utf8'));
    this.base = config.email.publicApiUrl;
  }

  private mac(userId: number): Buffer {
    return createHmac('sha256', this.key).update(`email-unsubscribe:${userId}`).digest();
  }

  sign(userId: number): string {
    return `${userId}.${this.mac(userId).toString('base64url')}`;
  }

  /** The one-click URL of the user's digests (List-Unsubscribe and the link in the mail). */
  url(userId: number): string {
    return `${this.base}${UNSUBSCRIBE_PATH}?token=${this.sign(userId)}`;
  }

  /** The user the token was signed for; undefined when it is malformed or forged (constant time). */
  verify(token: unknown): number | undefined {
    if (typeof token !== 'string') return undefined;
    const match = /^([1-9]\d{0,9})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return undefined;
    const userId = Number(match[1]);
    if (userId > 2_147_483_647) return undefined;
    const given = Buffer.from(match[2], 'base64url');
    return timingSafeEqual(given, this.mac(userId)) ? userId : undefined;
  }
}
