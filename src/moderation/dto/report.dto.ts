import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { MAX_ID } from '../../common/http/parse-id.pipe';
import { Trim } from '../../common/http/input.transforms';
import { TextLength } from '../../common/http/input.validators';
import {
  REPORT_REASONS,
  REPORT_STATUSES,
  type ReportReason,
  type ReportStatus,
} from '../../database/entities/report.entity';
import type { ReportRow } from '../../repositories/reports.repository';
import { ModerationPageQuery } from './moderation.dto';

export const REPORT_COMMENT_MAX = 1000;

/** Exactly one of message_id, user_id, chat_id (the service checks that; each is an id). */
export class CreateReportDto {
  @ApiProperty({ enum: REPORT_REASONS, example: 'scam' })
  @IsIn(REPORT_REASONS)
  reason!: ReportReason;

  @ApiPropertyOptional({ maxLength: REPORT_COMMENT_MAX, example: 'Asks for a "reward" up front' })
  @IsOptional()
  @Trim()
  @TextLength(1, REPORT_COMMENT_MAX)
  @IsString()
  comment?: string;

  @ApiPropertyOptional({ example: 812, description: 'A message of a chat you are an active member of' })
  @IsOptional()
  @Min(1)
  @Max(MAX_ID)
  @IsInt()
  message_id?: number;

  @ApiPropertyOptional({ example: 31, description: 'Any user but yourself' })
  @IsOptional()
  @Min(1)
  @Max(MAX_ID)
  @IsInt()
  user_id?: number;

  @ApiPropertyOptional({ example: 17, description: 'A chat you are an active member of' })
  @IsOptional()
  @Min(1)
  @Max(MAX_ID)
  @IsInt()
  chat_id?: number;
}

export class ReportCreatedDto {
  @ApiProperty({ example: 5 })
  id!: number;

  @ApiProperty({ enum: ['open'], example: 'open' })
  status!: 'open';

  @ApiProperty({ example: '2026-12-04T10:15:00.000Z' })
  created_at!: string;
}

export class ReportDto {
  @ApiProperty({ example: 5 })
  id!: number;

  @ApiProperty({ enum: REPORT_REASONS, example: 'scam' })
  reason!: ReportReason;

  @ApiProperty({ type: String, nullable: true, example: 'Asks for a "reward" up front' })
  comment!: string | null;

  @ApiProperty({ enum: REPORT_STATUSES, example: 'open' })
  status!: ReportStatus;

  @ApiProperty({ type: Number, nullable: true, example: 812, description: 'Set for a report of a message' })
  message_id!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: null, description: 'Set for a report of a user' })
  user_id!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: null, description: 'Set for a report of a chat' })
  chat_id!: number | null;

  @ApiProperty({ example: 9 })
  reporter_id!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: {
      target: 'message',
      message_id: 812,
      chat_id: 17,
      seq: 40,
      sender_id: 31,
      sender_username: 'reward_hunter',
      sender_name: 'Reward Hunter',
      content: 'Pay 5000 first and I bring the cat',
      location: null,
      created_at: '2026-12-04T10:14:00.000+00:00',
      edited_at: null,
      attachments: [],
    },
    description:
      'The target as it was when reported, kept whatever happens to it later. target "message": ' +
      'message_id, chat_id, seq, sender_id, sender_username, sender_name, content, location, ' +
      'created_at, edited_at, attachments [{id, kind, mime_type, size_bytes, name, width, height, ' +
      'duration_ms}] (metadata only); "user": user_id, username, display_name; "chat": chat_id, ' +
      'title, chat_type, created_by, member_count',
  })
  content_snapshot!: Record<string, unknown>;

  @ApiProperty({ example: '2026-12-04T10:15:00.000Z' })
  created_at!: string;
}

export class ReportPageDto {
  @ApiProperty({ type: [ReportDto], description: 'Newest first' })
  items!: ReportDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as cursor for the next page; null on the last page',
  })
  next_cursor!: string | null;
}

export class ListReportsQuery extends ModerationPageQuery {
  @ApiPropertyOptional({ enum: REPORT_STATUSES, description: 'Only reports of this status; absent: all' })
  @IsOptional()
  @IsIn(REPORT_STATUSES)
  status?: ReportStatus;
}

export class UpdateReportDto {
  @ApiProperty({ enum: REPORT_STATUSES, example: 'resolved' })
  @IsIn(REPORT_STATUSES)
  status!: ReportStatus;
}

export function toReportDto(row: ReportRow): ReportDto {
  return { ...row, created_at: row.created_at.toISOString() };
}
