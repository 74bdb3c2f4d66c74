import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
import { MAX_ID } from '../../common/http/parse-id.pipe';
import { QueryInt, Trim } from '../../common/http/input.transforms';
import { MAX_INPUT_ITEMS } from '../../common/http/text-input.util';
import { IdList, TextLength } from '../../common/http/input.validators';
import { NOTIFY_LEVELS, type NotifyLevel } from '../../database/entities/chat-member.entity';
import {
  CHAT_TYPES,
  CHAT_VISIBILITIES,
  type ChatType,
  type ChatVisibility,
} from '../../database/entities/chat.entity';

export const TITLE_MAX = 200;
export const MEMBER_IDS_MAX = MAX_INPUT_ITEMS;

export class CreateChatDto {
  @ApiProperty({
    type: [Number],
    example: [12, 31],
    description:
      'The other members; the creator is always a member (owner). Empty: favorites (notes to self)',
  })
  @IdList(MEMBER_IDS_MAX)
  member_ids!: number[];

  @ApiPropertyOptional({ enum: CHAT_TYPES, default: 'other' })
  @IsOptional()
  @IsIn(CHAT_TYPES)
  chat_type?: ChatType;

  @ApiPropertyOptional({ maxLength: 200, example: 'Рыжий кот с Лесной' })
  @IsOptional()
  @Trim()
  @TextLength(1, TITLE_MAX)
  @IsString()
  title?: string;

  @ApiPropertyOptional({ description: 'Required for, and only for, chat_type "response"', example: 501 })
  @IsOptional()
  @Min(1)
  @Max(MAX_ID)
  @IsInt()
  post_id?: number;

  @ApiPropertyOptional({
    enum: CHAT_VISIBILITIES,
    default: 'private',
    description: 'public: listed by GET /chats/public and open to anyone; not for a two-person chat (400)',
  })
  @ValidateIf((_, value) => value !== undefined)
  @IsIn(CHAT_VISIBILITIES)
  visibility?: ChatVisibility;
}

/** At least one of the fields; an absent one stays as it is. */
export class UpdateChatDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 200, description: 'null clears the title' })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @Trim()
  @TextLength(1, TITLE_MAX)
  @IsString()
  title?: string | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    example: 12,
    description:
      "An image upload of the caller's, not used anywhere yet, becomes the chat's avatar (the previous one is deleted); null removes it",
  })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @Min(1)
  @Max(MAX_ID)
  @IsInt()
  avatar_id?: number | null;

  @ApiPropertyOptional({
    enum: CHAT_VISIBILITIES,
    description:
      'The owner only (403 forbidden for an admin). public: listed by GET /chats/public and open to anyone; ' +
      'a two-person chat cannot be made public (403 forbidden)',
  })
  @ValidateIf((_, value) => value !== undefined)
  @IsIn(CHAT_VISIBILITIES)
  visibility?: ChatVisibility;
}

export class ListChatsQuery {
  @ApiPropertyOptional({ enum: CHAT_TYPES })
  @IsOptional()
  @IsIn(CHAT_TYPES)
  chat_type?: ChatType;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @QueryInt()
  @Min(1)
  @Max(100)
  @IsInt()
  limit: number = 20;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor must be a next_cursor from a previous page' })
  @IsString()
  cursor?: string;
}

export const PUBLIC_QUERY_MAX = 100;

/** The chat list's chat_type, limit and cursor, and words of the title. */
export class ListPublicChatsQuery extends ListChatsQuery {
  @ApiPropertyOptional({
    maxLength: PUBLIC_QUERY_MAX,
    description:
      'Words the title must contain, each anywhere in it (case-insensitive, Cyrillic included; % and _ are plain characters)',
    example: 'волонтёры север',
  })
  @IsOptional()
  @Trim()
  @TextLength(0, PUBLIC_QUERY_MAX)
  @IsString()
  query?: string;
}

/** PUT /chats/:chat_id/notifications: the caller's level for the chat, and a mute. */
export class UpdateChatNotificationsDto {
  @ApiProperty({
    enum: NOTIFY_LEVELS,
    description: 'all: a push for every message of others; mentions: only when mentioned; none: never',
  })
  @IsIn(NOTIFY_LEVELS)
  level!: NotifyLevel;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '2026-12-05T08:00:00.000Z',
    description: 'ISO 8601 time with its zone: no push for this chat before it. Absent or null: not muted',
  })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @Matches(/(Z|[+-]\d\d:?\d\d)$/, { message: 'muted_until must be an ISO 8601 time with its time zone' })
  @IsISO8601({ strict: true, strictSeparator: true })
  muted_until?: string | null;
}
