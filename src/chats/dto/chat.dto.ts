import { ApiProperty } from '@nestjs/swagger';
import { isoOrNull } from '../../common/time.util';
import {
  MEMBER_ROLES,
  NOTIFY_LEVELS,
  type MemberRole,
  type NotifyLevel,
} from '../../database/entities/chat-member.entity';
import { MemberDto } from '../../members/dto/member.dto';
import { MessageDto } from '../../messages/dto/message.dto';
import type { ChatSummaryRow } from '../../repositories/chats.repository';
import {
  CHAT_TYPES,
  CHAT_VISIBILITIES,
  type ChatType,
  type ChatVisibility,
} from '../../database/entities/chat.entity';

/** The caller's notification settings for a chat (Web Push). */
export class ChatNotificationsDto {
  @ApiProperty({
    enum: NOTIFY_LEVELS,
    example: 'all',
    description: 'all: every message of others; mentions: only those that mention you; none: no push',
  })
  level!: NotifyLevel;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'No push for this chat before this time; null: not muted',
  })
  muted_until!: string | null;
}

/** The stored level (NULL: `all`) and mute, as the contract shows them. */
export function toChatNotificationsDto(
  level: NotifyLevel | null,
  mutedUntil: Date | string | null,
): ChatNotificationsDto {
  return { level: level ?? 'all', muted_until: isoOrNull(mutedUntil) };
}

export class ChatDto {
  @ApiProperty({ example: 17 })
  id!: number;

  @ApiProperty({ enum: CHAT_TYPES, example: 'vet' })
  chat_type!: ChatType;

  @ApiProperty({ type: String, nullable: true, example: 'Рыжий кот с Лесной' })
  title!: string | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: null,
    description: 'The lost/found post a response chat answers',
  })
  post_id!: number | null;

  @ApiProperty({ example: '2026-11-21T10:00:00.000Z' })
  created_at!: string;

  @ApiProperty({
    example: '2026-11-21T10:15:00.000Z',
    description: 'Last activity: a message, a rename, a member change',
  })
  updated_at!: string;

  @ApiProperty({ type: [MemberDto] })
  members!: MemberDto[];

  @ApiProperty({ type: MessageDto, nullable: true })
  last_message!: MessageDto | null;

  @ApiProperty({ example: 3 })
  unread_count!: number;

  @ApiProperty({
    example: 1,
    description: 'Unread messages (past your cursor, not deleted) that mention you',
  })
  unread_mentions_count!: number;

  @ApiProperty({ enum: MEMBER_ROLES, example: 'owner' })
  my_role!: MemberRole;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "The chat's avatar: a signed, expiring URL of its WebP thumbnail (≤ 320 px); null when none",
    example: '/api/v1/attachments/12/content?variant=thumbnail&expires=1767225600&signature=…',
  })
  avatar_url!: string | null;

  @ApiProperty({
    enum: CHAT_VISIBILITIES,
    example: 'private',
    description: 'public: listed by GET /chats/public, and anyone may join it (POST /chats/{chat_id}/join)',
  })
  visibility!: ChatVisibility;

  @ApiProperty({
    type: ChatNotificationsDto,
    description: "The caller's notification settings for this chat",
  })
  notifications!: ChatNotificationsDto;
}

/** What anyone signed in may see of a chat: an invite's preview, the public chats list. */
export class ChatSummaryDto {
  @ApiProperty({ example: 17 })
  id!: number;

  @ApiProperty({ type: String, nullable: true, example: 'Волонтёры Северного района' })
  title!: string | null;

  @ApiProperty({ enum: CHAT_TYPES, example: 'seeker' })
  chat_type!: ChatType;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "The chat's avatar: a signed, expiring URL of its WebP thumbnail; null when none",
    example: '/api/v1/attachments/12/content?variant=thumbnail&expires=1767225600&signature=…',
  })
  avatar_url!: string | null;

  @ApiProperty({ example: 42, description: 'Active members' })
  member_count!: number;
}

export class ChatSummaryPageDto {
  @ApiProperty({ type: [ChatSummaryDto] })
  items!: ChatSummaryDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as cursor for the next page; null on the last page',
  })
  next_cursor!: string | null;
}

export class ChatPageDto {
  @ApiProperty({ type: [ChatDto] })
  items!: ChatDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as cursor for the next page; null on the last page',
  })
  next_cursor!: string | null;
}

/** `avatarUrl`: the signed URL of `row.avatar_id` (AvatarUrls), or null. */
export function toChatSummaryDto(row: ChatSummaryRow, avatarUrl: string | null): ChatSummaryDto {
  return {
    id: row.id,
    title: row.title,
    chat_type: row.chat_type,
    avatar_url: avatarUrl,
    member_count: row.member_count,
  };
}
