import { Injectable } from '@nestjs/common';
import { AttachmentsService } from '../attachments/attachments.service';
import { decodeIdCursor, encodeIdCursor, nextIdCursor } from '../common/http/id-cursor.util';
import { CrossChatSearchRepository } from '../repositories/cross-chat-search.repository';
import { SearchMessagesQuery, SearchPageDto } from './dto/message-search.dto';
import { toMessageDto } from './dto/message.dto';

/** The search is newest first by message id: its cursors are id cursors tagged `m`. */
export const encodeSearchCursor = (messageId: number): string => encodeIdCursor('m', messageId);

/** GET /messages/search: messages of every chat the caller is an active member of. */
@Injectable()
export class MessageSearchService {
  constructor(
    private readonly search: CrossChatSearchRepository,
    private readonly attachments: AttachmentsService,
  ) {}

  /** A page, newest first; the statement itself keeps to the caller's live chats and live messages. */
  async page(userId: number, query: SearchMessagesQuery): Promise<SearchPageDto> {
    const beforeId = query.cursor === undefined ? undefined : decodeIdCursor('m', query.cursor);
    const rows = await this.search.search(userId, {
      query: query.query,
      chatType: query.chat_type,
      beforeId,
      limit: query.limit,
    });
    const page = rows.slice(0, query.limit);
    const signed = this.attachments.signedAt();
    return {
      items: page.map((row) => ({
        message: toMessageDto(row, signed),
        chat: { id: row.chat_id, title: row.chat_title, chat_type: row.chat_type },
      })),
      next_cursor: nextIdCursor('m', rows, query.limit),
    };
  }
}
