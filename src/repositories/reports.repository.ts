import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { ReportReason, ReportStatus } from '../database/entities/report.entity';
import { activeMemberSql, liveChat, liveMessage, memberCountSql } from './sql.predicates';

/** A report as the contract shows one. */
export interface ReportRow {
  id: number;
  reason: ReportReason;
  comment: string | null;
  status: ReportStatus;
  message_id: number | null;
  user_id: number | null;
  chat_id: number | null;
  reporter_id: number;
  content_snapshot: Record<string, unknown>;
  created_at: Date;
}

/** The reported target as it is now, and whether the reporter may read it (chats and messages). */
export interface TargetSnapshot {
  snapshot: Record<string, unknown>;
  readable: boolean;
}

export interface NewReport {
  reporterId: number;
  reason: ReportReason;
  comment: string | null;
  messageId: number | null;
  userId: number | null;
  chatId: number | null;
  snapshot: Record<string, unknown>;
}

const REPORT_COLUMNS = `r.id, r.reason, r.comment, r.status, r.message_id, r.user_id, r.chat_id, r.reporter_id,
  r.content_snapshot, r.created_at`;

/** The window of the reporter's rate limit. */
const REPORT_WINDOW = `interval '1 hour'`;

/**
 * reports: filed with a snapshot of the target, read by moderators. The snapshots keep what a
 * moderator needs to judge (text, sender, attachment metadata, where), not attachment bytes.
 */
@Injectable()
export class ReportsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** A live message of a live chat as reported; undefined when there is none. */
  async messageSnapshot(messageId: number, reporterId: number): Promise<TargetSnapshot | undefined> {
    const rows: TargetSnapshot[] = await this.db.query(
      `SELECT ${activeMemberSql('m.chat_id', '$2')} AS readable,
              jsonb_build_object(
                'target', 'message', 'message_id', m.id, 'chat_id', m.chat_id, 'seq', m.seq,
                'sender_id', m.sender_id, 'sender_username', u.username, 'sender_name', m.sender_name,
                'content', m.content, 'location', m.location, 'created_at', m.created_at,
                'edited_at', m.edited_at,
                'attachments', COALESCE((
                  SELECT jsonb_agg(jsonb_build_object(
                           'id', a.id, 'kind', a.kind, 'mime_type', a.mime_type, 'size_bytes', a.size_bytes,
                           'name', a.name, 'width', a.width, 'height', a.height, 'duration_ms', a.duration_ms)
                         ORDER BY a.position)
                    FROM attachments a WHERE a.message_id = m.id), '[]'::jsonb)
              ) AS snapshot
         FROM messages m
         JOIN chats c ON c.id = m.chat_id AND ${liveChat('c')}
         JOIN users u ON u.id = m.sender_id
        WHERE m.id = $1 AND ${liveMessage('m')}`,
      [messageId, reporterId],
    );
    return rows[0];
  }

  /** A live chat as reported; undefined when there is none. */
  async chatSnapshot(chatId: number, reporterId: number): Promise<TargetSnapshot | undefined> {
    const rows: TargetSnapshot[] = await this.db.query(
      `SELECT ${activeMemberSql('c.id', '$2')} AS readable,
              jsonb_build_object(
                'target', 'chat', 'chat_id', c.id, 'title', c.title, 'chat_type', c.chat_type,
                'created_by', c.created_by,
                'member_count', ${memberCountSql('c')}
              ) AS snapshot
         FROM chats c WHERE c.id = $1 AND ${liveChat('c')}`,
      [chatId, reporterId],
    );
    return rows[0];
  }

  /** A user as reported; undefined when there is none. */
  async userSnapshot(userId: number): Promise<Record<string, unknown> | undefined> {
    const rows: { snapshot: Record<string, unknown> }[] = await this.db.query(
      `SELECT jsonb_build_object('target', 'user', 'user_id', u.id, 'username', u.username,
                                 'display_name', u.display_name) AS snapshot
         FROM users u WHERE u.id = $1`,
      [userId],
    );
    return rows[0]?.snapshot;
  }

  /**
   * Files the report unless the reporter filed `maxPerHour` in the last hour; undefined then.
   * Two reports racing for the last place may both get in: the limit is against floods, not exact.
   */
  async insert(
    report: NewReport,
    maxPerHour: number,
  ): Promise<Pick<ReportRow, 'id' | 'status' | 'created_at'> | undefined> {
    const rows: Pick<ReportRow, 'id' | 'status' | 'created_at'>[] = await this.db.query(
      `INSERT INTO reports (reporter_id, reason, comment, message_id, user_id, chat_id, content_snapshot)
       SELECT $1, $2, $3, $4, $5, $6, $7
        WHERE (SELECT count(*) FROM reports
                WHERE reporter_id = $1 AND created_at > now() - ${REPORT_WINDOW}) < $8
       RETURNING id, status, created_at`,
      [
        report.reporterId,
        report.reason,
        report.comment,
        report.messageId,
        report.userId,
        report.chatId,
        report.snapshot,
        maxPerHour,
      ],
    );
    return rows[0];
  }

  /** Milliseconds until the reporter's oldest report of the window leaves it. */
  async msUntilNextReport(reporterId: number): Promise<number> {
    const rows: { ms: number | null }[] = await this.db.query(
      `SELECT ceil(extract(epoch FROM min(created_at) + ${REPORT_WINDOW} - now()) * 1000)::int AS ms
         FROM reports WHERE reporter_id = $1 AND created_at > now() - ${REPORT_WINDOW}`,
      [reporterId],
    );
    return Math.max(1, rows[0]?.ms ?? 1);
  }

  /** A page newest first, of one status or all, limit + 1 rows. */
  page(filter: { status?: ReportStatus; beforeId?: number; limit: number }): Promise<ReportRow[]> {
    return this.db.query(
      `SELECT ${REPORT_COLUMNS} FROM reports r
        WHERE ($1::varchar IS NULL OR r.status = $1) AND ($2::int IS NULL OR r.id < $2)
        ORDER BY r.id DESC LIMIT $3`,
      [filter.status ?? null, filter.beforeId ?? null, filter.limit + 1],
    );
  }

  /** Sets the status; the report as it now is and the status it had, or undefined when none. */
  async setStatus(
    id: number,
    status: ReportStatus,
    manager: EntityManager,
  ): Promise<{ report: ReportRow; previous: ReportStatus } | undefined> {
    const [rows]: [(ReportRow & { previous: ReportStatus })[], number] = await manager.query(
      `UPDATE reports r SET status = $2
         FROM (SELECT id, status FROM reports WHERE id = $1 FOR UPDATE) old
        WHERE r.id = old.id
        RETURNING ${REPORT_COLUMNS}, old.status AS previous`,
      [id, status],
    );
    const row = rows[0];
    if (!row) return undefined;
    const { previous, ...report } = row;
    return { report, previous };
  }
}
