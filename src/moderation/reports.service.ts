import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  ChatNotFound,
  ReportNotFound,
  MessageNotFound,
  NotAMember,
  RateLimited,
  UserNotFound,
  ValidationFailed,
} from '../common/errors/domain.errors';
import { decodeIdCursor, nextIdCursor } from '../common/http/id-cursor.util';
import { AppConfig } from '../config/app.config';
import { ModerationAuditRepository } from '../repositories/moderation-audit.repository';
import { ReportsRepository } from '../repositories/reports.repository';
import {
  CreateReportDto,
  ListReportsQuery,
  ReportCreatedDto,
  ReportDto,
  ReportPageDto,
  toReportDto,
  UpdateReportDto,
} from './dto/report.dto';

const TARGETS = ['message_id', 'user_id', 'chat_id'] as const;

/** Reports: filed by any user about what they can see, reviewed by moderators. */
@Injectable()
export class ReportsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly reports: ReportsRepository,
    private readonly audit: ModerationAuditRepository,
    private readonly config: AppConfig,
  ) {}

  /**
   * Files a report of exactly one target, with a snapshot of it as it is now. A message or chat
   * must be one the reporter can read (an active member: else 403); a user, anyone but oneself.
   * At most REPORTS_PER_USER_PER_HOUR per reporter (429).
   */
  async create(reporterId: number, input: CreateReportDto): Promise<ReportCreatedDto> {
    const given = TARGETS.filter((field) => input[field] !== undefined);
    if (given.length !== 1) {
      throw new ValidationFailed(
        (given.length === 0 ? TARGETS : given).map((field) => ({
          field,
          message: 'exactly one of message_id, user_id and chat_id must be given',
        })),
      );
    }
    const snapshot = await this.snapshot(reporterId, input);
    const created = await this.reports.insert(
      {
        reporterId,
        reason: input.reason,
        comment: input.comment ?? null,
        messageId: input.message_id ?? null,
        userId: input.user_id ?? null,
        chatId: input.chat_id ?? null,
        snapshot,
      },
      this.config.reportsPerUserPerHour,
    );
    if (!created) {
      throw new RateLimited(
        'Too many reports; try again later',
        await this.reports.msUntilNextReport(reporterId),
      );
    }
    return { id: created.id, status: 'open', created_at: created.created_at.toISOString() };
  }

  /** Moderators: a page of reports, newest first, of one status or all. */
  async page(query: ListReportsQuery): Promise<ReportPageDto> {
    const beforeId = query.cursor === undefined ? undefined : decodeIdCursor('r', query.cursor);
    const rows = await this.reports.page({ status: query.status, beforeId, limit: query.limit });
    return {
      items: rows.slice(0, query.limit).map(toReportDto),
      next_cursor: nextIdCursor('r', rows, query.limit),
    };
  }

  /** Moderators: sets a report's status, audited in the same transaction. */
  async update(moderatorId: number, reportId: number, input: UpdateReportDto): Promise<ReportDto> {
    const changed = await this.db.transaction(async (manager) => {
      const result = await this.reports.setStatus(reportId, input.status, manager);
      if (!result) return undefined;
      await this.audit.record(
        {
          moderatorId,
          action: 'report.update',
          targetType: 'report',
          targetId: reportId,
          reason: null,
          details: { from: result.previous, to: input.status },
        },
        manager,
      );
      return result.report;
    });
    if (!changed) throw new ReportNotFound();
    return toReportDto(changed);
  }

  private async snapshot(reporterId: number, input: CreateReportDto): Promise<Record<string, unknown>> {
    if (input.message_id !== undefined) {
      const target = await this.reports.messageSnapshot(input.message_id, reporterId);
      if (!target) throw new MessageNotFound();
      if (!target.readable) throw new NotAMember();
      return target.snapshot;
    }
    if (input.chat_id !== undefined) {
      const target = await this.reports.chatSnapshot(input.chat_id, reporterId);
      if (!target) throw new ChatNotFound();
      if (!target.readable) throw new NotAMember();
      return target.snapshot;
    }
    const userId = input.user_id!;
    if (userId === reporterId) throw ValidationFailed.field('user_id', 'you cannot report yourself');
    const snapshot = await this.reports.userSnapshot(userId);
    if (!snapshot) throw new UserNotFound();
    return snapshot;
  }
}
