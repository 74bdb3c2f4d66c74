import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AuditAction, AuditTargetType } from '../database/entities/moderation-audit.entity';

export interface AuditEntry {
  moderatorId: number;
  action: AuditAction;
  targetType: AuditTargetType;
  targetId: number;
  reason: string | null;
  details: Record<string, unknown> | null;
}

export interface AuditRow {
  id: number;
  moderator_id: number;
  action: AuditAction;
  target_type: AuditTargetType;
  target_id: number;
  reason: string | null;
  details: Record<string, unknown> | null;
  created_at: Date;
}

/** moderation_audit: written in the transaction of each action, read newest first. */
@Injectable()
export class ModerationAuditRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async record(entry: AuditEntry, manager: EntityManager): Promise<void> {
    await manager.query(
      `INSERT INTO moderation_audit (moderator_id, action, target_type, target_id, reason, details)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [entry.moderatorId, entry.action, entry.targetType, entry.targetId, entry.reason, entry.details],
    );
  }

  /** A page newest first, limit + 1 rows (the extra one only tells that there is more). */
  page(limit: number, beforeId?: number): Promise<AuditRow[]> {
    return this.db.query(
      `SELECT id, moderator_id, action, target_type, target_id, reason, details, created_at
         FROM moderation_audit WHERE $2::int IS NULL OR id < $2 ORDER BY id DESC LIMIT $1`,
      [limit + 1, beforeId ?? null],
    );
  }
}
