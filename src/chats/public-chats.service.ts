import { Injectable } from '@nestjs/common';
import { AvatarUrls } from '../auth/avatar-urls.signer';
import { ChatNotFound, Forbidden } from '../common/errors/domain.errors';
import { decodeIdCursor, nextIdCursor } from '../common/http/id-cursor.util';
import { ChatsRepository } from '../repositories/chats.repository';
import { ChatJoins, JoinOutcome } from './chat-joins.service';
import { ChatSummaryPageDto, toChatSummaryDto } from './dto/chat.dto';
import type { ListPublicChatsQuery } from './dto/chat-input.dto';

/** The public list's cursor tag: none, so its cursors read as they did before the shared util. */
const CURSOR_TAG = '';

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
      beforeId: query.cursor === undefined ? undefined : decodeIdCursor(CURSOR_TAG, query.cursor),
    });
    const page = rows.slice(0, query.limit);
    const now = Date.now();
    return {
      items: page.map((row) => toChatSummaryDto(row, this.avatars.avatarUrl(row.avatar_id, now))),
      next_cursor: nextIdCursor(CURSOR_TAG, rows, query.limit),
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
