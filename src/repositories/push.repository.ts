import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AttachmentKind } from '../database/entities/attachment.entity';
import type { NotifyLevel } from '../database/entities/chat-member.entity';
import type { Locale } from '../database/entities/user.entity';
import { activeMember, liveChat, liveMessage, notificationsOn } from './sql.predicates';
import { prepared } from '../database/prepared-statements';

export interface NewPushSubscription {
  userId: number;
  endpoint: string;
  p256dh: string;
  auth: string;
  expirationTime: Date | null;
}

export interface PushSubscriptionRow {
  id: number;
  user_id: number;
  endpoint: string;
  p256dh: string;
  auth: string;
  created_at: Date;
}

/** A chat as its fan-out needs it. */
export interface PushChatRow {
  id: number;
  title: string | null;
  last_seq: number;
  deleted: boolean;
}

/** A message the fan-out may push, newest first. */
export interface PushMessageRow {
  id: number;
  seq: number;
  sender_id: number;
  sender_name: string;
  content: string;
  created_at: Date;
  /** The kind of its first attachment; null when none. */
  attachment_kind: AttachmentKind | null;
  has_location: boolean;
  mentions: number[];
}

/** An active member of the chat with push subscriptions and a level that is not `none`, unmuted. */
export interface PushRecipientRow {
  user_id: number;
  level: NotifyLevel;
  locale: Locale;
  subscriptions: { id: number; created_at: string }[];
}

/**
 * Subscriptions one user keeps at most (phones, laptops, browsers): a new one past it replaces
 * the oldest, so that no account makes the service push to an unbounded number of endpoints.
 */
export const SUBSCRIPTIONS_PER_USER_MAX = 10;

/** Messages read per fan-out at most: only the newest matters to each recipient. */
export const FANOUT_MESSAGES_MAX = 200;

/** push_subscriptions and chat_push_cursors: who gets Web Push, and what was fanned out. */
@Injectable()
export class PushRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Stores a subscription; the same endpoint again (the browser re-subscribing, perhaps for
   * another user signed in on it) replaces the earlier row's owner and keys and keeps its id.
   * Past SUBSCRIPTIONS_PER_USER_MAX the user's oldest are deleted.
   */
  async upsertSubscription(sub: NewPushSubscription): Promise<number> {
    const [row]: { id: number }[] = await this.db.query(
      `INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, expiration_time)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (endpoint) DO UPDATE
         SET user_id = EXCLUDED.user_id, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth,
             expiration_time = EXCLUDED.expiration_time
       RETURNING id`,
      [sub.userId, sub.endpoint, sub.p256dh, sub.auth, sub.expirationTime],
    );
    await this.db.query(
      `DELETE FROM push_subscriptions
        WHERE user_id = $1
          AND id NOT IN (SELECT id FROM push_subscriptions WHERE user_id = $1 ORDER BY id DESC LIMIT $2)`,
      [sub.userId, SUBSCRIPTIONS_PER_USER_MAX],
    );
    return row.id;
  }

  /** Deletes the user's subscription; false when they have none with this id. */
  async deleteOwnSubscription(id: number, userId: number): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `WITH deleted AS (DELETE FROM push_subscriptions WHERE id = $1 AND user_id = $2 RETURNING id)
       SELECT id FROM deleted`,
      [id, userId],
    );
    return rows.length > 0;
  }

  /** Deletes a subscription the push service no longer knows (404/410), if it still has this endpoint. */
  async deleteExpired(id: number, endpoint: string): Promise<void> {
    await this.db.query('DELETE FROM push_subscriptions WHERE id = $1 AND endpoint = $2', [id, endpoint]);
  }

  async subscription(id: number): Promise<PushSubscriptionRow | undefined> {
    const rows: PushSubscriptionRow[] = await this.db.query(
      'SELECT id, user_id, endpoint, p256dh, auth, created_at FROM push_subscriptions WHERE id = $1',
      [id],
    );
    return rows[0];
  }

  /**
   * Of the (chat, sender) pairs, the chats where an active member other than that sender has a
   * push subscription: one statement for all the messages an instance committed in a short
   * while, a probe of the chat's members and of push_subscriptions' user index each.
   */
  async chatsWithSubscribedMembers(
    chatIds: readonly number[],
    senderIds: readonly number[],
  ): Promise<number[]> {
    // A named prepared statement: it runs every 20 ms under load, and planning it took ~250 µs
    // against ~15 µs of execution (pg_stat_statements with track_planning).
    const rows: { chat_id: number }[] = await this.db.query(
      prepared(`SELECT DISTINCT p.chat_id FROM unnest($1::int[], $2::int[]) AS p(chat_id, sender_id)
        WHERE EXISTS (SELECT 1 FROM chat_members m JOIN push_subscriptions s ON s.user_id = m.user_id
                       WHERE m.chat_id = p.chat_id AND m.user_id <> p.sender_id AND ${activeMember('m')})`),
      [chatIds, senderIds],
    );
    return rows.map((row) => row.chat_id);
  }

  /**
   * The chat's push cursor, locked until the caller's transaction ends (created at 0 the first
   * time): one fan-out of a chat at a time.
   */
  async lockCursor(chatId: number, manager: EntityManager): Promise<number> {
    // A plain read of chats: no lock on the row the chat's sends lock.
    await manager.query(
      'INSERT INTO chat_push_cursors (chat_id) SELECT id FROM chats WHERE id = $1 ON CONFLICT DO NOTHING',
      [chatId],
    );
    const rows: { pushed_seq: number }[] = await manager.query(
      'SELECT pushed_seq FROM chat_push_cursors WHERE chat_id = $1 FOR UPDATE',
      [chatId],
    );
    return rows[0]?.pushed_seq ?? -1;
  }

  async advanceCursor(chatId: number, seq: number, manager: EntityManager): Promise<void> {
    await manager.query(
      'UPDATE chat_push_cursors SET pushed_seq = greatest(pushed_seq, $2), updated_at = now() WHERE chat_id = $1',
      [chatId, seq],
    );
  }

  async chat(chatId: number, manager: EntityManager): Promise<PushChatRow | undefined> {
    const rows: PushChatRow[] = await manager.query(
      `SELECT id, title, last_seq, NOT ${liveChat('c')} AS deleted FROM chats c WHERE id = $1`,
      [chatId],
    );
    return rows[0];
  }

  /** The chat's live messages past `afterSeq`, newest first, FANOUT_MESSAGES_MAX at most. */
  messagesAfter(chatId: number, afterSeq: number, manager: EntityManager): Promise<PushMessageRow[]> {
    return manager.query(
      `SELECT m.id, m.seq, m.sender_id, m.sender_name, m.content, m.created_at,
              (SELECT a.kind FROM attachments a WHERE a.message_id = m.id ORDER BY a.position LIMIT 1)
                AS attachment_kind,
              m.location IS NOT NULL AS has_location,
              ARRAY(SELECT mm.user_id FROM message_mentions mm
                     WHERE mm.chat_id = m.chat_id AND mm.seq = m.seq) AS mentions
         FROM messages m
        WHERE m.chat_id = $1 AND m.seq > $2 AND ${liveMessage('m')}
        ORDER BY m.seq DESC
        LIMIT ${FANOUT_MESSAGES_MAX}`,
      [chatId, afterSeq],
    );
  }

  /**
   * The chat's active members who may get a push now: with a subscription, a level other than
   * `none`, and not muted; with their level, locale and subscriptions.
   */
  recipients(chatId: number, manager: EntityManager): Promise<PushRecipientRow[]> {
    return manager.query(
      `SELECT m.user_id, coalesce(m.notify_level, 'all') AS level, u.locale,
              json_agg(json_build_object('id', s.id, 'created_at', s.created_at) ORDER BY s.id) AS subscriptions
         FROM chat_members m
         JOIN users u ON u.id = m.user_id
         JOIN push_subscriptions s ON s.user_id = m.user_id
        WHERE m.chat_id = $1 AND ${activeMember('m')} AND ${notificationsOn('m')}
        GROUP BY m.user_id, m.notify_level, u.locale`,
      [chatId],
    );
  }

  /**
   * Live chats active within `maxAgeSeconds` (a send sets updated_at) with messages past their
   * push cursor, or never fanned out, and a member with a push subscription: the fan-outs a crash
   * may have lost. One pass over chats (no index on updated_at: it would cost every send), each
   * probed for a subscribed member only when it is behind.
   */
  async chatsBehind(maxAgeSeconds: number, limit: number): Promise<number[]> {
    const rows: { id: number }[] = await this.db.query(
      `SELECT c.id
         FROM chats c
         LEFT JOIN chat_push_cursors p ON p.chat_id = c.id
        WHERE ${liveChat('c')} AND c.updated_at > now() - $1 * interval '1 second'
          AND c.last_seq > coalesce(p.pushed_seq, 0)
          AND EXISTS (SELECT 1 FROM chat_members m JOIN push_subscriptions s ON s.user_id = m.user_id
                       WHERE m.chat_id = c.id AND ${activeMember('m')})
        LIMIT $2`,
      [maxAgeSeconds, limit],
    );
    return rows.map((row) => row.id);
  }
}
