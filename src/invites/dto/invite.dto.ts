import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ChatSummaryDto } from '../../chats/dto/chat.dto';
import { isoOrNull } from '../../common/time.util';
import type { InviteRow } from '../../repositories/invites.repository';

export const INVITE_EXPIRY_SECONDS = { min: 60, max: 31_536_000 } as const;
export const INVITE_MAX_USES = 10_000;

const EXPIRES_AT = {
  type: String,
  nullable: true,
  example: '2026-12-01T10:00:00.000Z',
  description: 'When the link stops working; null: never',
};

export class CreateInviteDto {
  @ApiPropertyOptional({
    minimum: INVITE_EXPIRY_SECONDS.min,
    maximum: INVITE_EXPIRY_SECONDS.max,
    example: 86400,
    description:
      'The link stops working this many seconds from now (1 minute to 1 year); absent: never expires',
  })
  @IsOptional()
  @Min(INVITE_EXPIRY_SECONDS.min)
  @Max(INVITE_EXPIRY_SECONDS.max)
  @IsInt()
  expires_in_seconds?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: INVITE_MAX_USES,
    example: 10,
    description: 'How many people may join through the link; absent: no limit',
  })
  @IsOptional()
  @Min(1)
  @Max(INVITE_MAX_USES)
  @IsInt()
  max_uses?: number;
}

export class InviteDto {
  @ApiProperty({
    example: 'q3Zt0cX9mN2bV7kLp4Rw8sYe',
    description:
      'The link\u2019s code: 24 characters of base64url (144 random bits); the link is /invites/{code}',
  })
  code!: string;

  @ApiProperty({ example: 17 })
  chat_id!: number;

  @ApiProperty(EXPIRES_AT)
  expires_at!: string | null;

  @ApiProperty({ type: Number, nullable: true, example: 10, description: 'null: no limit' })
  max_uses!: number | null;

  @ApiProperty({ example: 3, description: 'People who joined through the link' })
  uses!: number;

  @ApiProperty({ example: 7, description: 'The owner or admin who made the link' })
  created_by!: number;
}

export class InviteListDto {
  @ApiProperty({ type: [InviteDto], description: 'The links that still admit someone, newest first' })
  items!: InviteDto[];
}

export class InvitePreviewDto {
  @ApiProperty({ type: ChatSummaryDto })
  chat!: ChatSummaryDto;

  @ApiProperty(EXPIRES_AT)
  expires_at!: string | null;
}

export function toInviteDto(row: InviteRow): InviteDto {
  return {
    code: row.code,
    chat_id: row.chat_id,
    expires_at: isoOrNull(row.expires_at),
    max_uses: row.max_uses,
    uses: row.uses,
    created_by: row.created_by,
  };
}
