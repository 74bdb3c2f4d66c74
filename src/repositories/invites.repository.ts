import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { blockedBetweenSql } from './blocks.repository';
import { chatSummaryColumns, ChatSummaryRow } from './chats.repository';
import { liveChat } from './sql.predicates';

/** An invite link as the contract shows one. */
export interface InviteRow {
  code: string;
  chat_id: number;
  expires_at: Date | null;
  max_uses: number | null;
  uses: number;
  created_by: number;
}

/** What a preview shows: the chat's summary, the link's expiry, and whether it still admits. */
export interface InvitePreviewRow extends ChatSummaryRow {
  expires_at: Date | null;
  usable: boolean;
}

/** Why a link admitted nobody: unknown or revoked (or its chat deleted), blocked, or spent. */
export type InviteRefusal = 'not_found' | 'blocked' | 'expired';

export interface NewInvite {
  code: string;
  chatId: number;
  createdBy: number;
  expiresInSeconds: number | null;
  maxUses: number | null;
}

const INVITE_COLUMNS = 'i.code, i.chat_id, i.expires_at, i.max_uses, i.uses, i.created_by';

/** The link still admits someone: not revoked, not expired, a use left (as of the statement's now()). */
const usable = (invite: string): string =>
  `(${invite}.revoked_at IS NULL AND (${invite}.expires_at IS NULL OR ${invite}.expires_at > now())
    AND (${invite}.max_uses IS NULL OR ${invite}.uses < ${invite}.max_uses))`;

/** chat_invites: invite links, their previews, and taking a use. */
@Injectable()
export class InvitesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async create(invite: NewInvite, manager: EntityManager): Promise<InviteRow> {
    const [row]: InviteRow[] = await manager.query(
      `INSERT INTO chat_invites AS i (code, chat_id, created_by, expires_at, max_uses)
       VALUES ($1, $2, $3, now() + $4::int * interval '1 second', $5)
       RETURNING ${INVITE_COLUMNS}`,
      [invite.code, invite.chatId, invite.createdBy, invite.expiresInSeconds, invite.maxUses],
    );
    return row;
  }

  /** The chat's links that still admit someone, newest first (at most `limit`). */
  usable(chatId: number, limit: number, manager: EntityManager = this.db.manager): Promise<InviteRow[]> {
    return manager.query(
      `SELECT ${INVITE_COLUMNS} FROM chat_invites i
        WHERE i.chat_id = $1 AND ${usable('i')}
        ORDER BY i.created_at DESC, i.code LIMIT $2`,
      [chatId, limit],
    );
  }

  /** How many of the chat's links still admit someone. */
  async countUsable(chatId: number, manager: EntityManager): Promise<number> {
    const [row]: { count: number }[] = await manager.query(
      `SELECT count(*)::int AS count FROM chat_invites i WHERE i.chat_id = $1 AND ${usable('i')}`,
      [chatId],
    );
    return row.count;
  }

  /** Revokes a link of the chat; false when the chat has no such link not yet revoked. */
  async revoke(chatId: number, code: string, manager: EntityManager = this.db.manager): Promise<boolean> {
    const [rows]: [unknown[], number] = await manager.query(
      `UPDATE chat_invites SET revoked_at = now() WHERE code = $1 AND chat_id = $2 AND revoked_at IS NULL
       RETURNING code`,
      [code, chatId],
    );
    return rows.length > 0;
  }

  /** The link's chat summary and expiry; undefined when the link is unknown, revoked or its chat deleted. */
  async preview(code: string): Promise<InvitePreviewRow | undefined> {
    const rows: InvitePreviewRow[] = await this.db.query(
      `SELECT ${chatSummaryColumns('c')}, i.expires_at, ${usable('i')} AS usable
         FROM chat_invites i JOIN chats c ON c.id = i.chat_id AND ${liveChat('c')}
        WHERE i.code = $1 AND i.revoked_at IS NULL`,
      [code],
    );
    return rows[0];
  }

  /** The chat of a link not revoked; undefined otherwise. */
  async chatOf(code: string, manager: EntityManager): Promise<number | undefined> {
    const rows: { chat_id: number }[] = await manager.query(
      'SELECT chat_id FROM chat_invites WHERE code = $1 AND revoked_at IS NULL',
      [code],
    );
    return rows[0]?.chat_id;
  }

  /**
   * Takes one use of the link for `userId`, in the caller's transaction (which adds the member,
   * and rolls the use back if it cannot): one UPDATE that re-checks, on the row as it is once any
   * racing use has committed, that the link is usable and that neither its creator nor the
   * joiner blocks the other. Two people racing for the last use: the second's UPDATE waits for
   * the first's row lock, then finds no use left. Undefined when it took one; else why not.
   */
  async takeUse(code: string, userId: number, manager: EntityManager): Promise<InviteRefusal | undefined> {
    const [rows]: [unknown[], number] = await manager.query(
      `UPDATE chat_invites i SET uses = i.uses + 1
        WHERE i.code = $1 AND ${usable('i')} AND NOT ${blockedBetweenSql('i.created_by', '$2::int')}
       RETURNING i.code`,
      [code, userId],
    );
    if (rows.length > 0) return undefined;
    const [why]: { revoked: boolean; blocked: boolean }[] = await manager.query(
      `SELECT i.revoked_at IS NOT NULL AS revoked, ${blockedBetweenSql('i.created_by', '$2::int')} AS blocked
         FROM chat_invites i WHERE i.code = $1`,
      [code, userId],
    );
    if (!why || why.revoked) return 'not_found';
    return why.blocked ? 'blocked' : 'expired';
  }
}
