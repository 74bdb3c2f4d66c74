import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { liveMessage } from './sql.predicates';

/** One emoji of a message's reactions as reader `me` sees it (`first_at`: only for the order). */
export interface ReactionRow {
  emoji: string;
  count: number;
  me: boolean;
  first_at?: Date | string;
}

/** What adding a reaction did. */
export type ReactionAdded = 'added' | 'present' | 'full';

/**
 * The reactions of message `messageId` per emoji (SQL expressions): how many, whether `viewer`
 * is among them, and when the first came; by message_reactions_pkey.
 */
const reactionCountsSql = (messageId: string, viewer: string): string =>
  `SELECT r.emoji, count(*)::int AS count, coalesce(bool_or(r.user_id = ${viewer}), false) AS me,
          min(r.created_at) AS first_at
     FROM message_reactions r WHERE r.message_id = ${messageId} GROUP BY r.emoji`;

/** Most used first; equal counts by the first to be reacted, then by emoji (a stable order). */
const REACTION_ORDER = 'rc.count DESC, rc.first_at, rc.emoji';

/**
 * The reactions of message `m` as `viewer` (an SQL expression: a parameter or a column) sees
 * them, a JSON array of ReactionRow in REACTION_ORDER; NULL for a message without any
 * (reaction_count NULL): such a row costs no read of message_reactions.
 */
export const messageReactionsSql = (m: string, viewer: string): string =>
  `CASE WHEN ${m}.reaction_count IS NOT NULL THEN (
     SELECT json_agg(rc ORDER BY ${REACTION_ORDER}) FROM (${reactionCountsSql(`${m}.id`, viewer)}) rc) END`;

/** The reactions of message `m` as `viewer` sees them, as MessageRow's `reactions` column. */
export const reactionColumnSql = (viewer: string): string =>
  `${messageReactionsSql('m', viewer)} AS reactions`;

/**
 * message_reactions, and messages.reaction_count beside it. The callers hold the message row
 * (lockLive) for the transaction: reactions to one message are serialized there, so two people
 * reacting at once both count, and the 20-distinct limit holds.
 */
@Injectable()
export class ReactionsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Locks the live message of the chat for the transaction (FOR NO KEY UPDATE: sends and the
   * reaction rows' foreign-key checks do not wait on it); false when there is none.
   */
  async lockLive(chatId: number, messageId: number, manager: EntityManager): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM messages m WHERE m.id = $2 AND m.chat_id = $1 AND ${liveMessage('m')} FOR NO KEY UPDATE`,
      [chatId, messageId],
    );
    return rows.length > 0;
  }

  /**
   * Adds `userId`'s reaction unless they have it already, or the message has `maxDistinct`
   * emoji and not this one (`full`); counts it in reaction_count. One statement.
   */
  async add(
    messageId: number,
    emoji: string,
    userId: number,
    maxDistinct: number,
    manager: EntityManager,
  ): Promise<ReactionAdded> {
    const [row]: { added: boolean; allowed: boolean }[] = await manager.query(
      `WITH present AS (
         SELECT count(DISTINCT r.emoji) < $4 OR coalesce(bool_or(r.emoji = $2), false) AS allowed
           FROM message_reactions r WHERE r.message_id = $1
       ), inserted AS (
         INSERT INTO message_reactions (message_id, emoji, user_id)
         SELECT $1, $2, $3 WHERE (SELECT allowed FROM present)
         ON CONFLICT DO NOTHING RETURNING 1
       ), counted AS (
         UPDATE messages SET reaction_count = coalesce(reaction_count, 0) + 1
          WHERE id = $1 AND EXISTS (SELECT FROM inserted)
       )
       SELECT EXISTS (SELECT FROM inserted) AS added, (SELECT allowed FROM present) AS allowed`,
      [messageId, emoji, userId, maxDistinct],
    );
    return row.added ? 'added' : row.allowed ? 'present' : 'full';
  }

  /** Removes `userId`'s reaction, if any, and uncounts it; whether there was one. */
  async remove(messageId: number, emoji: string, userId: number, manager: EntityManager): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `WITH removed AS (
         DELETE FROM message_reactions WHERE message_id = $1 AND emoji = $2 AND user_id = $3 RETURNING 1
       ), uncounted AS (
         UPDATE messages SET reaction_count = nullif(reaction_count - 1, 0)
          WHERE id = $1 AND EXISTS (SELECT FROM removed)
       )
       SELECT 1 FROM removed`,
      [messageId, emoji, userId],
    );
    return rows.length > 0;
  }

  /** The message's reactions as `viewerId` sees them, in the order of every Message. */
  list(
    messageId: number,
    viewerId: number,
    manager: EntityManager = this.db.manager,
  ): Promise<ReactionRow[]> {
    return manager.query(
      `SELECT rc.emoji, rc.count, rc.me FROM (${reactionCountsSql('$1', '$2')}) rc ORDER BY ${REACTION_ORDER}`,
      [messageId, viewerId],
    );
  }
}
