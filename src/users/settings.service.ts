import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { UserNotFound, ValidationFailed } from '../common/errors/domain.errors';
import { UsersRepository } from '../repositories/users.repository';
import { toUserSettingsDto, type UpdateUserSettingsDto, type UserSettingsDto } from './dto/user-settings.dto';

/**
 * The caller's notification settings (issue 16): the digest address, how often digests come, and
 * the language of pushes and e-mails. A digest needs an address: turning one on without any is
 * 400 on `email_digest`, and removing the address (`email: null`) turns digests off with it.
 */
@Injectable()
export class SettingsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersRepository,
  ) {}

  async get(userId: number): Promise<UserSettingsDto> {
    const row = await this.users.settings(userId);
    if (!row) throw new UserNotFound();
    return toUserSettingsDto(row);
  }

  /** One transaction on the locked user row, so that the address and the digest agree. */
  async update(userId: number, input: UpdateUserSettingsDto): Promise<UserSettingsDto> {
    if (input.email === undefined && input.email_digest === undefined && input.locale === undefined) {
      throw new ValidationFailed(
        ['email', 'email_digest', 'locale'].map((field) => ({
          field,
          message: 'give email, email_digest, locale or several',
        })),
      );
    }
    const row = await this.db.transaction(async (manager) => {
      const current = await this.users.lockSettings(userId, manager);
      if (!current) throw new UserNotFound();
      const email = input.email === undefined ? current.email : input.email;
      let digest = input.email_digest ?? current.email_digest;
      if (email === null && digest !== 'off') {
        if (input.email_digest !== undefined) {
          throw ValidationFailed.field('email_digest', 'needs an e-mail address: give email as well');
        }
        digest = 'off';
      }
      return this.users.updateSettings(
        userId,
        { email, email_digest: digest, locale: input.locale ?? current.locale },
        manager,
      );
    });
    return toUserSettingsDto(row);
  }
}
