import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** A ban in force: whose, and until when (null: for good). */
export interface ActiveBan {
  userId: number;
  until: Date | null;
}

/** A ban in force now: no end, or an end still ahead. */
const IN_FORCE = '(b.until IS NULL OR b.until > now())';

/** user_bans: who is banned, read by every instance at start and then every few seconds. */
@Injectable()
export class UserBansRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Every ban in force: the whole set, small (banned users are few). */
  async active(): Promise<ActiveBan[]> {
    const rows: ActiveBan[] = await this.db.query(
      `SELECT b.user_id AS "userId", b.until FROM user_bans b WHERE ${IN_FORCE}`,
    );
    return rows;
  }

  /** The user's ban in force, if any: the authoritative check of a login and a refresh. */
  async activeOf(userId: number, manager: EntityManager = this.db.manager): Promise<ActiveBan | undefined> {
    const rows: ActiveBan[] = await manager.query(
      `SELECT b.user_id AS "userId", b.until FROM user_bans b WHERE b.user_id = $1 AND ${IN_FORCE}`,
      [userId],
    );
    return rows[0];
  }

  /** Bans the user (replacing an earlier ban of theirs, expired or not). */
  async upsert(
    ban: { userId: number; bannedBy: number; reason: string; until: Date | null },
    manager: EntityManager,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO user_bans (user_id, banned_by, reason, until) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id) DO UPDATE
         SET banned_by = EXCLUDED.banned_by, reason = EXCLUDED.reason, until = EXCLUDED.until, created_at = now()`,
      [ban.userId, ban.bannedBy, ban.reason, ban.until],
    );
  }

  /** Lifts the user's ban; whether a ban in force was lifted (an expired row goes silently). */
  async remove(userId: number, manager: EntityManager): Promise<boolean> {
    // TypeORM answers a DELETE with [rows, affected count].
    const [rows]: [{ active: boolean }[], number] = await manager.query(
      `DELETE FROM user_bans b WHERE b.user_id = $1 RETURNING ${IN_FORCE} AS active`,
      [userId],
    );
    return rows[0]?.active === true;
  }
}
