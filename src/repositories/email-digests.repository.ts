import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { EmailDigest, Locale } from '../database/entities/user.entity';
import { unreadCountSql } from './read-state.repository';
import { activeMember, liveChat, liveMessage, notificationsOn } from './sql.predicates';

/** A user the scan found a digest due to. */
export interface DigestCandidate {
  id: number;
  email_digest: Exclude<EmailDigest, 'off'>;
}

/** One chat of a digest: its unread count, as the chat list counts it. */
export interface DigestChatRow {
  chat_id: number;
  title: string | null;
  unread_count: number;
}

/** What a digest says, and to whom; claimed (recorded as sent) in the transaction that read it. */
export interface ClaimedDigest {
  email: string;
  display_name: string;
  locale: Locale;
  email_digest: Exclude<EmailDigest, 'off'>;
  chats: DigestChatRow[];
  /** The row before the claim (null: the user's first digest), for {@link EmailDigestsRepository.release}. */
  previous: { sent_at: string; covered_until: string } | null;
  /** The claim's sent_at, as PostgreSQL wrote it (microseconds included). */
  sent_at: string;
}

/** The user's interval (`u` the users alias): a digest at most this often. */
const intervalSql = (user: string): string =>
  `CASE ${user}.email_digest WHEN 'hourly' THEN interval '1 hour' ELSE interval '1 day' END`;

/**
 * True when user `u` (with its email_digests row `d`, perhaps NULL) has an unread live message
 * older than the delay ($delay seconds) and newer than what their last digest covered. Per
 * membership with unread messages, one backward walk of messages (chat_id, seq) from the newest
 * unread message, skipping those still within the delay.
 */
function dueMessageSql(delay: string): string {
  return `EXISTS (
      SELECT 1 FROM chat_members cm
        JOIN chats c ON c.id = cm.chat_id AND ${liveChat('c')} AND c.last_seq > cm.last_read_seq
        CROSS JOIN LATERAL (
          SELECT m.created_at FROM messages m
           WHERE m.chat_id = cm.chat_id AND m.seq > cm.last_read_seq AND ${liveMessage('m')}
             AND m.created_at <= now() - make_interval(secs => ${delay})
           ORDER BY m.seq DESC LIMIT 1) newest
       WHERE cm.user_id = u.id AND ${activeMember('cm')} AND ${notificationsOn('cm')}
         AND newest.created_at > COALESCE(d.covered_until, '-infinity'))`;
}

/** The interval since the last digest is over (or there was none). */
const intervalOverSql = `(d.sent_at IS NULL OR d.sent_at <= now() - ${intervalSql('u')})`;

/** email_digests: which users a digest is due to, and the record of the digests sent. */
@Injectable()
export class EmailDigestsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Users with digests on whose interval is over and who have an unread message older than
   * `delaySeconds` that no digest announced yet: `limit` of them with ids above `afterId`.
   */
  candidates(afterId: number, limit: number, delaySeconds: number): Promise<DigestCandidate[]> {
    return this.db.query(
      `SELECT u.id, u.email_digest
         FROM users u LEFT JOIN email_digests d ON d.user_id = u.id
        WHERE u.email_digest <> 'off' AND u.id > $1
          AND ${intervalOverSql}
          AND ${dueMessageSql('$3')}
        ORDER BY u.id LIMIT $2`,
      [afterId, limit, delaySeconds],
    );
  }

  /**
   * In the caller's transaction: locks the user's digest row (creating it), checks that a digest
   * is still due (digests on with an address, interval over, an unread message older than the
   * delay that no digest announced), reads its chats, and records it as sent. Undefined, nothing
   * written, when none is due. The lock makes a second job for the same user wait, then find it
   * recorded: one digest per interval whatever retries or restarts happen.
   */
  async claim(
    userId: number,
    delaySeconds: number,
    manager: EntityManager,
  ): Promise<ClaimedDigest | undefined> {
    const previous: { sent_at: string; covered_until: string }[] = await manager.query(
      'SELECT sent_at::text, covered_until::text FROM email_digests WHERE user_id = $1 FOR UPDATE',
      [userId],
    );
    if (previous.length === 0) {
      // A first digest: the row is created (and so locked) by this transaction, `-infinity` until
      // recorded below (nothing sent, nothing covered), or waits for a concurrent first one to
      // commit and then finds it.
      const inserted: unknown[] = await manager.query(
        `INSERT INTO email_digests (user_id, sent_at, covered_until) VALUES ($1, '-infinity', '-infinity')
         ON CONFLICT (user_id) DO NOTHING RETURNING user_id`,
        [userId],
      );
      if (inserted.length === 0) return this.claim(userId, delaySeconds, manager);
    }
    const users: Omit<ClaimedDigest, 'chats' | 'previous' | 'sent_at'>[] = await manager.query(
      `SELECT u.email, u.display_name, u.locale, u.email_digest
         FROM users u JOIN email_digests d ON d.user_id = u.id
        WHERE u.id = $1 AND u.email_digest <> 'off' AND u.email IS NOT NULL
          AND ${intervalOverSql}
          AND ${dueMessageSql('$2')}`,
      [userId, delaySeconds],
    );
    if (users.length === 0) {
      // Nothing due: a first claim's row goes again (the transaction leaves nothing behind).
      if (previous.length === 0)
        await manager.query('DELETE FROM email_digests WHERE user_id = $1', [userId]);
      return undefined;
    }
    const chats: DigestChatRow[] = await manager.query(
      `SELECT c.id AS chat_id,
              COALESCE(c.title, (
                SELECT string_agg(o.display_name, ', ' ORDER BY o.display_name) FROM (
                  SELECT ou.display_name FROM chat_members om JOIN users ou ON ou.id = om.user_id
                   WHERE om.chat_id = c.id AND om.user_id <> $1 AND ${activeMember('om')}
                   ORDER BY om.user_id LIMIT 3) o)) AS title,
              n.unread_count
         FROM chat_members cm
         JOIN chats c ON c.id = cm.chat_id AND ${liveChat('c')} AND c.last_seq > cm.last_read_seq
         -- counted once per chat (OFFSET 0: not pulled up, which would count it again in the WHERE)
         CROSS JOIN LATERAL (SELECT ${unreadCountSql('c', 'cm')} AS unread_count OFFSET 0) n
        WHERE cm.user_id = $1 AND ${activeMember('cm')} AND ${notificationsOn('cm')}
          AND n.unread_count > 0
        ORDER BY c.updated_at DESC, c.id DESC`,
      [userId],
    );
    // sent_at as text: a JS Date would drop its microseconds, and release() compares it exactly.
    const [claimed]: [{ sent_at: string }[], number] = await manager.query(
      `UPDATE email_digests SET sent_at = now(), covered_until = now() - make_interval(secs => $2)
        WHERE user_id = $1 RETURNING sent_at::text`,
      [userId, delaySeconds],
    );
    return {
      ...users[0],
      chats,
      previous: previous[0] ?? null,
      sent_at: claimed[0].sent_at,
    };
  }

  /**
   * Gives back a claim whose mail could not be sent, so a retry may send it: the row as it was
   * before (removed for a first digest), unless a later digest was recorded meanwhile.
   */
  async release(userId: number, claim: Pick<ClaimedDigest, 'previous' | 'sent_at'>): Promise<void> {
    if (claim.previous === null) {
      await this.db.query('DELETE FROM email_digests WHERE user_id = $1 AND sent_at = $2::timestamptz', [
        userId,
        claim.sent_at,
      ]);
      return;
    }
    await this.db.query(
      `UPDATE email_digests SET sent_at = $3::timestamptz, covered_until = $4::timestamptz
        WHERE user_id = $1 AND sent_at = $2::timestamptz`,
      [userId, claim.sent_at, claim.previous.sent_at, claim.previous.covered_until],
    );
  }
}
