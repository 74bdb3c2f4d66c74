import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { existsByKey, liveChat } from './sql.predicates';
import { UserRow } from './users.repository';

/** Blocks one user may hold: the list answers them all, so it stays bounded. */
export const MAX_BLOCKS_PER_USER = 1000;

/**
 * True when either of users `a` and `b` (SQL expressions, typically parameters) blocks the
 * other: two probes of user_blocks' primary key (existsByKey, also in cached generic plans). Every rule of personal contact puts it in the
 * statement that does what it guards (creating a chat, adding a member, joining by invite,
 * sending), so no block committed before that statement is missed.
 */
export function blockedBetweenSql(a: string, b: string): string {
  return `(${existsByKey('user_blocks ub', `ub.blocker_id = ${a} AND ub.blocked_id = ${b}`)}
        OR ${existsByKey('user_blocks ub', `ub.blocker_id = ${b} AND ub.blocked_id = ${a}`)})`;
}

/**
 * True when a member_key (sorted ids, comma-separated) holds exactly two ids. LIKE rather than a
 * regular expression: no `$` in the text, which a String.replace or a dollar-quoted function body
 * that takes the predicate could misread.
 */
const twoPersonKey = (key: string): string => `(${key} LIKE '%,%' AND ${key} NOT LIKE '%,%,%')`;

/**
 * True when chat `chat` (the alias of a `chats` row in the statement) has exactly two active
 * members and either of them blocks the other. Read from the chat's member_key (sorted ids of
 * its active members, kept in the transaction of every membership change), so it costs no scan
 * of the members: the send statement, which holds the chat row anyway, can afford it. A group of
 * three or more is never "blocked".
 */
export function blockedPairChatSql(chat: string): string {
  const key = `${chat}.member_key`;
  // CASE: the ids are read only from a key that has two (split_part of a one-id key is '').
  return `(CASE WHEN ${twoPersonKey(key)}
             THEN ${blockedBetweenSql(`split_part(${key}, ',', 1)::int`, `split_part(${key}, ',', 2)::int`)}
             ELSE false END)`;
}

export type BlockOutcome = 'added' | 'exists' | 'limit_exceeded';

/** user_blocks: who blocked whom, and the rules of personal contact read from it. */
@Injectable()
export class BlocksRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Serializes, until the commit, every transaction that can change whether a two-person chat of
   * `a` and `b` is blocked: a block or unblock between them, creating a chat of the two, adding
   * one of them to a chat the other is alone in (or a third person to their chat), and a removal
   * that leaves the two alone. Each such transaction takes it before it reads, so the room moves
   * it publishes follow from what the other committed. Several pairs are taken in one order, so
   * two transactions never wait on each other in a cycle.
   */
  async lockPairs(pairs: readonly (readonly [number, number])[], manager: EntityManager): Promise<void> {
    const keys = [...new Set(pairs.map(([a, b]) => `block-pair:${pairKey(a, b)}`))].sort();
    for (const key of keys) {
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
    }
  }

  /** Blocks `blockedId` for `blockerId`; at most MAX_BLOCKS_PER_USER each (a race may pass it by one or two). */
  async add(blockerId: number, blockedId: number, manager: EntityManager): Promise<BlockOutcome> {
    const rows: { added: boolean }[] = await manager.query(
      `WITH existing AS (
         SELECT 1 FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2
       ), added AS (
         INSERT INTO user_blocks (blocker_id, blocked_id)
         SELECT $1, $2
          WHERE NOT EXISTS (SELECT 1 FROM existing)
            AND (SELECT count(*) FROM user_blocks WHERE blocker_id = $1) < $3
         ON CONFLICT DO NOTHING
         RETURNING 1
       )
       SELECT EXISTS (SELECT 1 FROM added) AS added, EXISTS (SELECT 1 FROM existing) AS existed`,
      [blockerId, blockedId, MAX_BLOCKS_PER_USER],
    );
    const row = rows[0] as { added: boolean; existed: boolean };
    if (row.added) return 'added';
    return row.existed ? 'exists' : 'limit_exceeded';
  }

  /** Lifts the block; false when there was none. */
  async remove(blockerId: number, blockedId: number, manager: EntityManager): Promise<boolean> {
    const [, count]: [unknown, number] = await manager.query(
      'DELETE FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2',
      [blockerId, blockedId],
    );
    return count > 0;
  }

  /** The users `blockerId` blocks, most recently blocked first. */
  list(blockerId: number): Promise<UserRow[]> {
    return this.db.query(
      `SELECT u.id, u.username, u.display_name AS "displayName", u.avatar_id AS "avatarId"
         FROM user_blocks b JOIN users u ON u.id = b.blocked_id
        WHERE b.blocker_id = $1
        ORDER BY b.created_at DESC, u.id
        LIMIT $2`,
      [blockerId, MAX_BLOCKS_PER_USER],
    );
  }

  /** Whether either of the two blocks the other. */
  async between(a: number, b: number, manager: EntityManager = this.db.manager): Promise<boolean> {
    const [row]: { blocked: boolean }[] = await manager.query(
      `SELECT ${blockedBetweenSql('$1::int', '$2::int')} AS blocked`,
      [a, b],
    );
    return row.blocked;
  }

  /** Those of `others` with whom `userId` has a block, either way. */
  async blockedAmong(
    userId: number,
    others: readonly number[],
    manager: EntityManager = this.db.manager,
  ): Promise<number[]> {
    const rows: { id: number }[] = await manager.query(
      `SELECT o.id FROM unnest($2::int[]) AS o(id) WHERE ${blockedBetweenSql('$1::int', 'o.id')} ORDER BY o.id`,
      [userId, others],
    );
    return rows.map((row) => row.id);
  }

  /** The live two-person chats of exactly `a` and `b` (any type or post). */
  async pairChats(a: number, b: number, manager: EntityManager): Promise<number[]> {
    const rows: { id: number }[] = await manager.query(
      `SELECT c.id FROM chats c WHERE c.member_key = $1 AND ${liveChat('c')} ORDER BY c.id`,
      [pairKey(a, b)],
    );
    return rows.map((row) => row.id);
  }

  /** The two active members of the chat when it has exactly two; undefined otherwise. */
  async pairOf(chatId: number, manager: EntityManager): Promise<[number, number] | undefined> {
    const rows: { a: number; b: number }[] = await manager.query(
      `SELECT split_part(c.member_key, ',', 1)::int AS a, split_part(c.member_key, ',', 2)::int AS b
         FROM chats c WHERE c.id = $1 AND ${twoPersonKey('c.member_key')}`,
      [chatId],
    );
    return rows[0] ? [rows[0].a, rows[0].b] : undefined;
  }

  /**
   * For a membership change (adding, removing, joining), before it and after it: the chat's two
   * members when it has exactly two (its member_key, as the transaction sees it) and they block
   * each other, read under the lock of their pair and of `also`'s (taken in one order), so that
   * a block or unblock between them waits for the transaction (or it for them). A change that
   * ends such a pair publishes `chat.blocked` with `blocked: false` for those still in the chat,
   * one that makes one `blocked: true`.
   */
  async lockBlockedPair(
    chatId: number,
    manager: EntityManager,
    also?: [number, number],
  ): Promise<[number, number] | undefined> {
    const pair = await this.pairOf(chatId, manager);
    await this.lockPairs([...(also ? [also] : []), ...(pair ? [pair] : [])], manager);
    return pair && (await this.between(...pair, manager)) ? pair : undefined;
  }

  /** Whether the live chat has exactly two active members and they block each other (either way). */
  async pairChatBlocked(chatId: number, manager: EntityManager = this.db.manager): Promise<boolean> {
    const rows: { blocked: boolean }[] = await manager.query(
      `SELECT ${blockedPairChatSql('c')} AS blocked FROM chats c WHERE c.id = $1 AND ${liveChat('c')}`,
      [chatId],
    );
    return rows[0]?.blocked ?? false;
  }
}

/** The member_key of a two-person chat of `a` and `b`, and the name of their pair's lock. */
function pairKey(a: number, b: number): string {
  return a < b ? `${a},${b}` : `${b},${a}`;
}
