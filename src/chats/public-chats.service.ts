import { Injectable } from '@nestjs/common';
import { AvatarUrls } from '../auth/avatar-urls.signer';
import { ChatNotFound, Forbidden, ValidationFailed } from '../common/errors/domain.errors';
import { MAX_ID } from '../common/http/parse-id.pipe';
import { ChatsRepository } from '../repositories/chats.repository';
import { ChatJoins, JoinOutcome } from './chat-joins.service';
import { ChatSummaryPageDto, toChatSummaryDto } from './dto/chat.dto';
import type { ListPublicChatsQuery } from './dto/chat-input.dto';

/** Opaque to clients: the id of the last chat of a page (the list runs newest first, by id). */
const encodeCursor = (id: number): string => Buffer.from(String(id)).toString('base64url');

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!/^[1-9]\d{0,9}$/.test(text) || Number(text) > MAX_ID) {
    throw ValidationFailed.field('cursor', 'cursor must be a next_cursor from a previous page');
  }
  return Number(text);
}

/** Public chats: the list anyone signed in may search, and joining one. */
@Injectable()
export class PublicChatsService {
  constructor(
    private readonly chats: ChatsRepository,
    private readonly joins: ChatJoins,
    private readonly avatars: AvatarUrls,
  ) {}

  /** A page of live public chats, newest first, whose title has every word of `query`. */
  async list(query: ListPublicChatsQuery): Promise<ChatSummaryPageDto> {
    const rows = await this.chats.publicPage({
      query: query.query,
      chatType: query.chat_type,
      limit: query.limit + 1,
      beforeId: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
    });
    const page = rows.slice(0, query.limit);
    const now = Date.now();
    return {
      items: page.map((row) => toChatSummaryDto(row, this.avatars.avatarUrl(row.avatar_id, now))),
      next_cursor: rows.length > query.limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  /** Joins a public chat (an active member already gets it as it is, whatever its visibility). */
  join(userId: number, chatId: number): Promise<JoinOutcome> {
    return this.joins.join(chatId, userId, {
      notFound: () => new ChatNotFound(),
      admit: (chat) => {
        if (chat.visibility !== 'public')
          throw new Forbidden('This chat is not public: join it by an invite');
      },
    });
  }
}
