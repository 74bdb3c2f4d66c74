import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainError, Forbidden, ValidationFailed } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { DomainEventBus } from '../events/domain-events';
import { MembersAccessService } from '../members/members-access.service';
import { canDeleteChat, MANAGERS } from '../members/member-rules';
import { assertChatsPerUser, assertMembersPerChat, lockChat, memberKey } from '../members/membership-sql';
import { ChatViews } from './chat-views';
import type { ChatDto, ChatPageDto } from './dto/chat.dto';
import type { CreateChatDto, ListChatsQuery, UpdateChatDto } from './dto/chat-input.dto';

@Injectable()
export class ChatsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: MembersAccessService,
    private readonly views: ChatViews,
    private readonly events: DomainEventBus,
    private readonly config: AppConfig,
  ) {}

  list(userId: number, query: ListChatsQuery): Promise<ChatPageDto> {
    return this.views.page(userId, { chatType: query.chat_type, limit: query.limit, cursor: query.cursor });
  }

  async get(userId: number, chatId: number): Promise<ChatDto> {
    return (await this.views.one(chatId, userId)) ?? this.access.refuse(chatId, userId);
  }

  /**
   * One transaction. Creates under an advisory lock on the (type, post, members) key, so that of
   * two racing creates of the same chat one wins and the other gets 409 chat_exists.
   */
  async create(userId: number, input: CreateChatDto): Promise<ChatDto> {
    const chatType = input.chat_type ?? 'other';
    if (chatType === 'response' && input.post_id === undefined) {
      throw ValidationFailed.field('post_id', 'post_id is required for a response chat');
    }
    if (chatType !== 'response' && input.post_id !== undefined) {
      throw ValidationFailed.field('post_id', 'post_id is only for response chats');
    }
    const memberIds = [...new Set([userId, ...input.member_ids])];
    assertMembersPerChat(memberIds.length, this.config.maxMembersPerChat);
    const key = memberKey(memberIds);
    const postId = input.post_id ?? null;

    const { chatId, views } = await this.db.transaction(async (manager) => {
      const known: { id: number }[] = await manager.query('SELECT id FROM users WHERE id = ANY($1::int[])', [
        memberIds,
      ]);
      const unknown = memberIds.filter((id) => !known.some((row) => row.id === id));
      if (unknown.length > 0) {
        throw new ValidationFailed(
          unknown.map((id) => ({ field: 'member_ids', message: `user ${id} does not exist` })),
        );
      }
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `${chatType}:${postId}:${key}`,
      ]);
      const existing: { id: number }[] = await manager.query(
        `SELECT id FROM chats
          WHERE member_key = $1 AND chat_type = $2 AND post_id IS NOT DISTINCT FROM $3 AND deleted_at IS NULL
          LIMIT 1`,
        [key, chatType, postId],
      );
      if (existing[0]) {
        throw new DomainError('chat_exists', 'A chat with exactly these members already exists', {
          chat_id: existing[0].id,
        });
      }
      await assertChatsPerUser(manager, memberIds, this.config.maxChatsPerUser);
      const [chat]: { id: number }[] = await manager.query(
        `INSERT INTO chats (chat_type, title, post_id, created_by, member_key) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [chatType, input.title ?? null, postId, userId, key],
      );
      await manager.query(
        `INSERT INTO chat_members (chat_id, user_id, role)
         SELECT $1, id, CASE WHEN id = $2 THEN 'owner' ELSE 'member' END FROM unnest($3::int[]) AS id`,
        [chat.id, userId, memberIds],
      );
      return { chatId: chat.id, views: await this.views.forAllMembers(chat.id, manager) };
    });
    this.events.publish({ type: 'chat.created', chatId, views });
    return views.get(userId)!;
  }

  async rename(userId: number, chatId: number, input: UpdateChatDto): Promise<ChatDto> {
    const views = await this.db.transaction(async (manager) => {
      await lockChat(manager, chatId);
      await this.access.requireMember(chatId, userId, MANAGERS, manager);
      await manager.query('UPDATE chats SET title = $2, updated_at = now() WHERE id = $1', [
        chatId,
        input.title,
      ]);
      return this.views.forAllMembers(chatId, manager);
    });
    this.events.publish({ type: 'chat.updated', chatId, views });
    return views.get(userId)!;
  }

  /** Soft delete, for every member at once. */
  async remove(userId: number, chatId: number): Promise<void> {
    const memberIds = await this.db.transaction(async (manager) => {
      await lockChat(manager, chatId);
      const me = await this.access.requireMember(chatId, userId, undefined, manager);
      const members: { user_id: number }[] = await manager.query(
        'SELECT user_id FROM chat_members WHERE chat_id = $1 AND removed_at IS NULL',
        [chatId],
      );
      if (!canDeleteChat(me.role, members.length)) {
        throw new Forbidden('Only the owner or an admin may delete this chat');
      }
      await manager.query('UPDATE chats SET deleted_at = now() WHERE id = $1', [chatId]);
      return members.map((row) => row.user_id);
    });
    this.events.publish({ type: 'chat.deleted', chatId, memberIds });
  }
}
