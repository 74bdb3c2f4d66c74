import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Message } from '../database/entities/message.entity';
import { liveMessage } from './sql.predicates';

/** One emoji of a message's reactions as reader `me` sees it. */
export interface ReactionRow {
  emoji: string;
  count: number;
  me: boolean;
}

/**
 * One emoji of messages.reactions, the stored summary a Message shows: how many, and who (user
 * ids) when the message has at most LISTED_REACTORS reactions in all.
 */
export type StoredReaction = NonNullable<Message['reactions']>[number];

/**
 * A message with at most this many reactions in all lists its reactors in messages.reactions, so
 * a reader's `me` is read from the row; one with more is probed for the reader's own emoji
 * (readerEmojiSql). Most messages have a few reactions, from a few of a chat's members.
 */
export const LISTED_REACTORS = 32;

/** What adding a reaction did. */
export type ReactionAdded = 'added' | 'present' | 'full';

/**
 * The reactions of message `messageId` per emoji (SQL expressions): how many, whether `viewer`
 * is among them, who, and when the first came; by message_reactions_pkey.
 */
const reactionCountsSql = (messageId: string, viewer: string): string =>
  `SELECT r.emoji, count(*)::int AS count, coalesce(bool_or(r.user_id = ${viewer}), false) AS me,
          array_agg(r.user_id ORDER BY r.user_id) AS users, min(r.created_at) AS first_at
     FROM message_reactions r WHERE r.message_id = ${messageId} GROUP BY r.emoji`;

/** Most used first; equal counts by the first to be reacted, then by emoji (a stable order). */
const REACTION_ORDER = 'rc.count DESC, rc.first_at, rc.emoji';

/**
 * The emoji reader `viewer` put on message `m`, read (by message_reactions_pkey) only when the
 * row does not list its reactors (more than LISTED_REACTORS reactions); NULL otherwise.
 */
const readerEmojiSql = (m: string, viewer: string): string =>
  `CASE WHEN ${m}.reaction_count > ${LISTED_REACTORS} THEN ARRAY(
     SELECT r.emoji FROM message_reactions r WHERE r.message_id = ${m}.id AND r.user_id = ${viewer}) END`;

/**
 * MessageRow's reaction columns for reader `viewer` (an SQL expression: a parameter or a
 * column): the stored summary as it is, and the reader's own emoji where the summary does not
 * tell them; readerReactions turns the two into the reader's reactions. A page of messages with
 * a few reactions each reads nothing but its rows.
 */
export const reactionColumnSql = (viewer: string): string =>
  `m.reactions, ${readerEmojiSql('m', viewer)} AS reader_emoji`;

/** A message row as reactionColumnSql reads it, before readerReactions. */
export interface StoredReactionColumns {
  reactions?: StoredReaction[] | null;
  reader_emoji?: string[] | null;
}

/**
 * Rewrites `row`'s stored reactions (reactionColumnSql) as reader `viewerId` sees them, in
 * place, and returns it: `me` from the row's list of reactors, or from the reader's own emoji
 * when the row lists none. (reader_emoji stays: deleting a property would turn every row into a
 * slower dictionary object; the contract's mapping reads only the fields it shows.)
 */
export function readerReactions<T extends StoredReactionColumns>(row: T, viewerId: number): T {
  const stored = row.reactions;
  if (stored) {
    const own = row.reader_emoji;
    row.reactions = stored.map(({ emoji, count, users }) => ({
      emoji,
      count,
      me: users ? users.includes(viewerId) : (own?.includes(emoji) ?? false),
    }));
  }
  return row;
}

/**
 * message_reactions, and their summary on the message (messages.reactions, reaction_count). The
 * callers hold the message row (lockLive) for the transaction: reactions to one message are
 * serialized there, so two people reacting at once both count, the 20-distinct limit holds, and
 * the summary written last is the rows' own.
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
   * emoji and not this one (`full`). One statement; summarize stores the outcome.
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
       )
       SELECT EXISTS (SELECT FROM inserted) AS added, (SELECT allowed FROM present) AS allowed`,
      [messageId, emoji, userId, maxDistinct],
    );
    return row.added ? 'added' : row.allowed ? 'present' : 'full';
  }

  /** Removes `userId`'s reaction, if any; whether there was one. summarize stores the outcome. */
  async remove(messageId: number, emoji: string, userId: number, manager: EntityManager): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      // A SELECT around the DELETE: TypeORM answers a bare DELETE with [rows, count], not rows.
      `WITH removed AS (
         DELETE FROM message_reactions WHERE message_id = $1 AND emoji = $2 AND user_id = $3 RETURNING 1
       )
       SELECT 1 FROM removed`,
      [messageId, emoji, userId],
    );
    return rows.length > 0;
  }

  /**
   * The message's reactions as `viewerId` sees them, in the order of every Message; with
   * `changed` (after add or remove changed them), also stored on the message as every read shows
   * them (messages.reactions, StoredReaction: listing the reactors when there are at most
   * LISTED_REACTORS; and reaction_count, NULL at none). One statement.
   */
  async summarize(
    messageId: number,
    viewerId: number,
    changed: boolean,
    manager: EntityManager = this.db.manager,
  ): Promise<ReactionRow[]> {
    return manager.query(
      `WITH rc AS MATERIALIZED (${reactionCountsSql('$1', '$2')}
       ), total AS (
         SELECT sum(rc.count)::int AS n FROM rc
       ), stored AS (
         UPDATE messages m SET reaction_count = total.n, reactions = (
                  SELECT json_agg(CASE WHEN total.n <= ${LISTED_REACTORS}
                                       THEN json_build_object('emoji', rc.emoji, 'count', rc.count, 'users', rc.users)
                                       ELSE json_build_object('emoji', rc.emoji, 'count', rc.count) END
                                  ORDER BY ${REACTION_ORDER}) FROM rc)
           FROM total WHERE m.id = $1 AND $3
       )
       SELECT rc.emoji, rc.count, rc.me FROM rc ORDER BY ${REACTION_ORDER}`,
      [messageId, viewerId, changed],
    );
  }
}
