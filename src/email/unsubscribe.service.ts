import { Injectable } from '@nestjs/common';
import { ValidationFailed } from '../common/errors/domain.errors';
import { UsersRepository } from '../repositories/users.repository';
import { renderUnsubscribePage } from './digest.mail';
import { UnsubscribeTokens } from './unsubscribe-tokens';

/**
 * What a digest's unsubscribe link does, without logging in: GET shows a page with one button
 * (a link scanner that fetches every URL of a mail changes nothing); POST, from that button or
 * from a mail client's one-click (RFC 8058), turns the user's digests off. A forged or mangled
 * token is 400 on `token`.
 */
@Injectable()
export class UnsubscribeService {
  constructor(
    private readonly tokens: UnsubscribeTokens,
    private readonly users: UsersRepository,
  ) {}

  async confirmPage(token: string): Promise<string> {
    const userId = this.userOf(token);
    const settings = await this.users.settings(userId);
    return renderUnsubscribePage(settings?.locale ?? 'ru', 'confirm');
  }

  async unsubscribe(token: string): Promise<string> {
    const userId = this.userOf(token);
    const locale = await this.users.turnDigestOff(userId);
    return renderUnsubscribePage(locale ?? 'ru', 'done');
  }

  private userOf(token: string): number {
    const userId = this.tokens.verify(token);
    if (userId === undefined) throw ValidationFailed.field('token', 'is not a valid unsubscribe token');
    return userId;
  }
}
