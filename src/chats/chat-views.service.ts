import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AttachmentsService } from '../attachments/attachments.service';
import { AvatarUrls } from '../auth/avatar-urls.signer';
import { ValidationFailed } from '../common/errors/domain.errors';
import { MAX_ID } from '../common/http/parse-id.pipe';
import { iso } from '../common/time.util';
import type { ChatType } from '../database/entities/chat.entity';
import { toMemberDto } from '../members/dto/member.dto';
import { AttachmentMapper, toMessageDto } from '../messages/dto/message.dto';
import { ChatListPosition, ChatsRepository, ChatViewRow } from '../repositories/chats.repository';
import { toChatNotificationsDto, type ChatDto, type ChatPageDto } from './dto/chat.dto';

/** Opaque to clients: the (updated_at, id) of the last chat of a page. */
function encodeCursor(row: ChatViewRow): string {
  return Buffer.from(`${row.updated_us}.${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): ChatListPosition {
  const match = /^(\d{1,18})\.(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString());
  // A forged id past the int column's range would fail in PostgreSQL (500), not here.
  if (!match || Number(match[2]) > MAX_ID) {
    throw ValidationFailed.field('cursor', 'cursor must be a next_cursor from a previous page');
  }
  return { updatedUs: match[1], id: Number(match[2]) };
}

/** Chats as their members see them: the chat list, one chat, and each member's view for sockets. */
@Injectable()
export class ChatViews {
  constructor(
    private readonly chats: ChatsRepository,
    private readonly avatars: AvatarUrls,
    private readonly attachments: AttachmentsService,
  ) {}

  /** A page of the user's chat list, newest activity first. */
  async page(
    userId: number,
    filter: { chatType?: ChatType; limit: number; cursor?: string },
  ): Promise<ChatPageDto> {
    const rows = await this.chats.page(userId, {
      chatType: filter.chatType,
      limit: filter.limit + 1,
      after: filter.cursor ? decodeCursor(filter.cursor) : undefined,
    });
    const page = rows.slice(0, filter.limit);
    const items = page.map((row) => this.toDto(row));
    return { items, next_cursor: rows.length > filter.limit ? encodeCursor(page[page.length - 1]) : null };
  }

  /** One chat as `userId` sees it; undefined unless the chat is live and the user an active member. */
  async one(chatId: number, userId: number, manager?: EntityManager): Promise<ChatDto | undefined> {
    const row = await this.chats.view(chatId, userId, manager);
    return row && this.toDto(row);
  }

  /** The chat as each of its active members sees it, keyed by user id (for chat:created/updated). */
  async forAllMembers(chatId: number): Promise<Map<number, ChatDto>> {
    const rows = await this.chats.viewsOfAllMembers(chatId);
    const now = Date.now();
    return new Map(rows.map((row) => [row.viewer_id, this.toDto(row, now)]));
  }

  /** The chat with fresh URLs: its avatar, its members', its last message's attachments. */
  private toDto(row: ChatViewRow, now = Date.now()): ChatDto {
    const avatarUrl = (avatarId: number | null) => this.avatars.avatarUrl(avatarId, now);
    return toChatDto(row, avatarUrl, this.attachments.signedAt(now));
  }
}

function toChatDto(
  row: ChatViewRow,
  avatarUrl: (avatarId: number | null) => string | null,
  toAttachment: AttachmentMapper,
): ChatDto {
  return {
    id: row.id,
    chat_type: row.chat_type,
    title: row.title,
    post_id: row.post_id,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    members: (row.members ?? []).map((member) => toMemberDto(member, avatarUrl(member.avatar_id))),
    last_message: row.last_message ? toMessageDto(row.last_message, toAttachment) : null,
    unread_count: row.unread_count,
    unread_mentions_count: row.unread_mentions_count,
    my_role: row.my_role,
    avatar_url: avatarUrl(row.avatar_id),
    visibility: row.visibility,
    notifications: toChatNotificationsDto(row.notify_level, row.muted_until),
  };
}
