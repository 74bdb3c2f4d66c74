import { Injectable } from '@nestjs/common';
import { AttachmentsService } from '../attachments/attachments.service';
import { ValidationFailed } from '../common/errors/domain.errors';
import { MAX_ID } from '../common/http/parse-id.pipe';
import { CrossChatSearchRepository } from '../repositories/cross-chat-search.repository';
import { SearchMessagesQuery, SearchPageDto } from './dto/message-search.dto';
import { toMessageDto } from './dto/message.dto';

/** Opaque to clients: the id of the last message of a page (the search is newest first by id). */
export function encodeSearchCursor(messageId: number): string {
  return Buffer.from(`m${messageId}`).toString('base64url');
}

/** The message id a cursor ends at; 400 on `cursor` for anything encodeSearchCursor did not make. */
export function decodeSearchCursor(cursor: string): number {
  const match = /^m([1-9]\d{0,9})$/.exec(Buffer.from(cursor, 'base64url').toString());
  // Re-encoding must give the same text: base64url decoding ignores trailing bits and junk.
  if (!match || Number(match[1]) > MAX_ID || encodeSearchCursor(Number(match[1])) !== cursor) {
    throw ValidationFailed.field('cursor', 'cursor must be a next_cursor from a previous page');
  }
  return Number(match[1]);
}

/** GET /messages/search: messages of every chat the caller is an active member of. */
@Injectable()
export class MessageSearchService {
  constructor(
    private readonly search: CrossChatSearchRepository,
    private readonly attachments: AttachmentsService,
  ) {}

  /** A page, newest first; the statement itself keeps to the caller's live chats and live messages. */
  async page(userId: number, query: SearchMessagesQuery): Promise<SearchPageDto> {
    const beforeId = query.cursor === undefined ? undefined : decodeSearchCursor(query.cursor);
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
      next_cursor: rows.length > query.limit ? encodeSearchCursor(page[page.length - 1].id) : null,
    };
  }
}
