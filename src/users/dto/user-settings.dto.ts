import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsString, ValidateIf } from 'class-validator';
import { TextLength } from '../../common/http/input.validators';
import { EMAIL_DIGESTS, LOCALES, type EmailDigest, type Locale } from '../../database/entities/user.entity';
import type { UserSettingsRow } from '../../repositories/users.repository';

/** GET/PATCH /users/me/settings: how the user is reached when not online. */
export class UserSettingsDto {
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'anna@example.org',
    description: 'Where e-mail digests go; null: none (and then email_digest is off)',
  })
  email!: string | null;

  @ApiProperty({
    enum: EMAIL_DIGESTS,
    example: 'daily',
    description:
      'A digest of unread messages at most once an hour or a day, while the user is not online; off: none',
  })
  email_digest!: EmailDigest;

  @ApiProperty({ enum: LOCALES, example: 'ru', description: 'The language of pushes and e-mails' })
  locale!: Locale;
}

export function toUserSettingsDto(row: UserSettingsRow): UserSettingsDto {
  return { email: row.email, email_digest: row.email_digest, locale: row.locale };
}

/**
 * An address as kept: trimmed, its domain in lower case (the local part is the mailbox owner's
 * business: RFC 5321 lets it be case-sensitive).
 */
export function normaliseEmail(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  const at = trimmed.lastIndexOf('@');
  return at < 0 ? trimmed : trimmed.slice(0, at) + trimmed.slice(at).toLowerCase();
}

/** PATCH /users/me/settings: at least one field; an absent one stays as it is. */
export class UpdateUserSettingsDto {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 254,
    example: 'anna@example.org',
    description:
      'An e-mail address (trimmed, its domain lower-cased); null removes it and turns email_digest off',
  })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @Transform(({ value }: { value: unknown }) => normaliseEmail(value))
  @IsEmail(
    { allow_display_name: false, allow_ip_domain: false, require_tld: true },
    { message: 'must be an e-mail address' },
  )
  @TextLength(3, 254)
  @IsString()
  email?: string | null;

  @ApiPropertyOptional({
    enum: EMAIL_DIGESTS,
    description: 'hourly or daily needs an e-mail address (given here or kept from before), else 400',
  })
  @ValidateIf((_, value) => value !== undefined)
  @IsIn(EMAIL_DIGESTS)
  email_digest?: EmailDigest;

  @ApiPropertyOptional({ enum: LOCALES })
  @ValidateIf((_, value) => value !== undefined)
  @IsIn(LOCALES)
  locale?: Locale;
}
