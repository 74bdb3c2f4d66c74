import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Matches } from 'class-validator';
import { Trim } from '../../common/http/input.transforms';
import { TextLength } from '../../common/http/input.validators';
import {
  AUDIT_ACTIONS,
  AUDIT_TARGET_TYPES,
  type AuditAction,
  type AuditTargetType,
} from '../../database/entities/moderation-audit.entity';
import { PageLimit } from '../../messages/dto/message-input.dto';
import type { AuditRow } from '../../repositories/moderation-audit.repository';

export const MODERATION_REASON_MAX = 500;

export class BanUserDto {
  @ApiProperty({ maxLength: MODERATION_REASON_MAX, example: 'Reward scam in three chats' })
  @Trim()
  @TextLength(1, MODERATION_REASON_MAX)
  @IsString()
  reason!: string;

  @ApiPropertyOptional({
    example: '2026-12-31T00:00:00Z',
    description: 'When the ban ends by itself (ISO-8601, in the future); absent: until lifted',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'until must be an ISO-8601 date and time' })
  @IsString()
  until?: string;
}

/** Why, for the audit: optional on the moderation routes that take no body. */
export class ModerationReasonQuery {
  @ApiPropertyOptional({ maxLength: MODERATION_REASON_MAX, description: 'Why, for the audit log' })
  @IsOptional()
  @Trim()
  @TextLength(1, MODERATION_REASON_MAX)
  @IsString()
  reason?: string;
}

/** A page of a moderation list, newest first: `limit` and the `next_cursor` of the page before. */
export class ModerationPageQuery {
  @PageLimit()
  limit: number = 50;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor must be a next_cursor from a previous page' })
  @IsString()
  cursor?: string;
}

export class AuditEntryDto {
  @ApiProperty({ example: 12 })
  id!: number;

  @ApiProperty({ example: 3, description: 'Who: the moderator' })
  moderator_id!: number;

  @ApiProperty({ enum: AUDIT_ACTIONS, example: 'user.ban' })
  action!: AuditAction;

  @ApiProperty({ enum: AUDIT_TARGET_TYPES, example: 'user' })
  target_type!: AuditTargetType;

  @ApiProperty({ example: 31 })
  target_id!: number;

  @ApiProperty({ type: String, nullable: true, example: 'Reward scam in three chats', description: 'Why' })
  reason!: string | null;

  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    example: { until: null },
    description: 'What else: report.update {from, to}; message.delete {chat_id, seq}; user.ban {until}',
  })
  details!: Record<string, unknown> | null;

  @ApiProperty({ example: '2026-12-04T10:20:00.000Z' })
  created_at!: string;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto], description: 'Newest first' })
  items!: AuditEntryDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as cursor for the next page; null on the last page',
  })
  next_cursor!: string | null;
}

export function toAuditEntryDto(row: AuditRow): AuditEntryDto {
  return { ...row, created_at: row.created_at.toISOString() };
}
