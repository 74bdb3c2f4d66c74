import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, Repository } from 'typeorm';
import { Attachment, AttachmentKind } from '../database/entities/attachment.entity';
import { activeMember, liveChat, liveMessage } from './sql.predicates';

/** The columns an attachment shows in the contract (besides id and created_at). */
type ShownColumns =
  | 'kind'
  | 'mimeType'
  | 'sizeBytes'
  | 'name'
  | 'width'
  | 'height'
  | 'durationMs'
  | 'waveform'
  | 'thumbnailKey'
  | 'placeholder';

export type NewAttachment = Pick<Attachment, ShownColumns | 'uploaderId' | 'storageKey' | 'thumbnailBytes'>;

/** An attachment as a message shows it: the entity, or the JSON a message stores. */
export type AttachmentRow = Pick<Attachment, 'id' | ShownColumns> & { createdAt: Date | string };

/**
 * The columns of attachment `a` named as AttachmentRow's keys (a row of them is one as JSON, as
 * messages.attachments stores it), createdAt already as the contract writes it
 * (`2026-12-06T04:58:09.123Z`: iso() returns it as it is; JSON's own form of a timestamptz would
 * be parsed into a Date and formatted back for every attachment of every page).
 */
export const attachmentColumnsSql = (a: string): string =>
  `${a}.id, ${a}.kind, ${a}.mime_type AS "mimeType", ${a}.size_bytes AS "sizeBytes", ${a}.name, ${a}.width,
   ${a}.height, ${a}.duration_ms AS "durationMs", ${a}.waveform, ${a}.thumbnail_key AS "thumbnailKey",
   ${a}.placeholder, to_char(${a}.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt"`;

/**
 * Whether user $2 may read attachment $1 as a chat member: a live message of a live chat holds
 * it and the user is an active member of that chat (attachments_message_idx is not needed: the
 * attachment row names its message).
 */
const READABLE_IN_CHAT_SQL = `
  SELECT 1 FROM attachments a
    JOIN messages m ON m.id = a.message_id AND ${liveMessage('m')}
    JOIN chats c ON c.id = m.chat_id AND ${liveChat('c')}
    JOIN chat_members cm ON cm.chat_id = m.chat_id AND cm.user_id = $2 AND ${activeMember('cm')}
   WHERE a.id = $1 AND a.deleted_at IS NULL`;

/** The storage keys of a row the sweep removed: its bytes are to be deleted next. */
export interface RemovedAttachment {
  id: number;
  storageKey: string;
  thumbnailKey: string | null;
  /** Another row still names these bytes: they are not to be deleted. */
  shared: boolean;
}

/** What became of an attempt to take an upload as an avatar; absent when no live row has the id. */
export interface AvatarClaimRow {
  uploader_id: number;
  kind: AttachmentKind;
  /** Already attached (to a message, or as an avatar) before this attempt. */
  in_use: boolean;
  claimed: boolean;
}

/** Class id of the per-uploader advisory lock that serialises quota checks (any constant). */
const QUOTA_LOCK_CLASS = 0x0a77ac;

/**
 * One statement: the row goes in only if the uploader's live bytes plus the new ones stay within
 * the quota. Run under the uploader's advisory lock, so two uploads cannot both pass on the same
 * remaining space.
 */
const INSERT_WITHIN_QUOTA_SQL = `
  INSERT INTO attachments (uploader_id, kind, mime_type, size_bytes, name, width, height, duration_ms,
                           waveform, storage_key, thumbnail_key, thumbnail_bytes, placeholder)
  SELECT $1::int, $2, $3, $4::int, $5, $6::int, $7::int, $8::int, $9::jsonb, $10, $11, $12::int, $13
   WHERE (SELECT coalesce(sum(size_bytes::bigint + thumbnail_bytes), 0)
            FROM attachments WHERE uploader_id = $1::int AND deleted_at IS NULL) + $4::int + $12::int <= $14::bigint
  RETURNING id`;

/**
 * Rows to remove now (marked deleted before $3, the grace cutoff, or never attached and created
 * before $1), deleted in one statement. SKIP LOCKED: instances sweeping at once each take other rows, none waits.
 * `shared`: another row (a forward's copy, or the original of one) still names the bytes, which
 * must stay (by attachments_storage_key_idx).
 */
const REMOVE_SWEPT_SQL = `
  WITH removed AS (
    DELETE FROM attachments
     WHERE id IN (SELECT id FROM attachments
                   WHERE deleted_at < $3 OR (attached_at IS NULL AND created_at < $1)
                   ORDER BY id
                   LIMIT $2
                     FOR UPDATE SKIP LOCKED)
    RETURNING id, storage_key, thumbnail_key
  )
  SELECT r.id, r.storage_key AS "storageKey", r.thumbnail_key AS "thumbnailKey",
         EXISTS (SELECT 1 FROM attachments o
                  WHERE o.storage_key = r.storage_key AND o.id NOT IN (SELECT id FROM removed)) AS shared
    FROM removed r`;

/**
 * Takes the upload as an avatar if it is `$2`'s own live image attached to nothing: marks it
 * attached, so the unattached sweep keeps it. The row is locked first and read as committed after
 * any racing change, so of two attempts on one upload (two avatars, a message) one wins.
 */
const CLAIM_AVATAR_SQL = `
  WITH target AS (
    SELECT id, uploader_id, kind, (attached_at IS NOT NULL OR message_id IS NOT NULL) AS in_use
      FROM attachments WHERE id = $1 AND deleted_at IS NULL
       FOR UPDATE
  ), claimed AS (
    UPDATE attachments a SET attached_at = now()
      FROM target t
     WHERE a.id = t.id AND t.uploader_id = $2 AND t.kind = 'image' AND NOT t.in_use
    RETURNING a.id
  )
  SELECT t.uploader_id, t.kind, t.in_use, EXISTS (SELECT 1 FROM claimed) AS claimed FROM target t`;

/** Whether the attachment is the avatar of a user or of a live chat (by the partial avatar indexes). */
const IS_CURRENT_AVATAR_SQL = `
  SELECT EXISTS (SELECT 1 FROM users WHERE avatar_id = $1)
      OR EXISTS (SELECT 1 FROM chats c WHERE c.avatar_id = $1 AND ${liveChat('c')}) AS avatar`;

/** Of the given original keys, those that no row names (by attachments_storage_key_idx). */
const UNKNOWN_KEYS_SQL = `
  SELECT k.key FROM unnest($1::text[]) AS k(key)
   WHERE NOT EXISTS (SELECT 1 FROM attachments a WHERE a.storage_key = k.key)`;

/** attachments: uploads, the uploader's quota and the sweep. */
@Injectable()
export class AttachmentsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private attachments(): Repository<Attachment> {
    return this.db.getRepository(Attachment);
  }

  /** Inserts the row; undefined when it would take the uploader past `quotaBytes`. */
  insertWithinQuota(row: NewAttachment, quotaBytes: number): Promise<Attachment | undefined> {
    return this.db.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1, $2)', [QUOTA_LOCK_CLASS, row.uploaderId]);
      const inserted: { id: number }[] = await manager.query(INSERT_WITHIN_QUOTA_SQL, [
        row.uploaderId,
        row.kind,
        row.mimeType,
        row.sizeBytes,
        row.name,
        row.width,
        row.height,
        row.durationMs,
        row.waveform === null ? null : JSON.stringify(row.waveform),
        row.storageKey,
        row.thumbnailKey,
        row.thumbnailBytes,
        row.placeholder,
        quotaBytes,
      ]);
      if (inserted.length === 0) return undefined;
      return manager.getRepository(Attachment).findOneByOrFail({ id: inserted[0].id });
    });
  }

  /** The attachment unless it is deleted. */
  async findLive(id: number): Promise<Attachment | undefined> {
    return (await this.attachments().findOneBy({ id, deletedAt: IsNull() })) ?? undefined;
  }

  /** Takes the upload as `uploaderId`'s avatar (see CLAIM_AVATAR_SQL); undefined when no live row has the id. */
  async claimAvatar(
    id: number,
    uploaderId: number,
    manager: EntityManager,
  ): Promise<AvatarClaimRow | undefined> {
    const rows: AvatarClaimRow[] = await manager.query(CLAIM_AVATAR_SQL, [id, uploaderId]);
    return rows[0];
  }

  /** Marks the row deleted: fresh URLs are refused at once, the sweep removes the bytes. */
  async markDeleted(id: number, manager: EntityManager): Promise<void> {
    await manager.query('UPDATE attachments SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL', [
      id,
    ]);
  }

  async isCurrentAvatar(id: number): Promise<boolean> {
    const [row]: { avatar: boolean }[] = await this.db.query(IS_CURRENT_AVATAR_SQL, [id]);
    return row.avatar;
  }

  /** Whether `readerId` is an active member of a live chat where a live message holds it. */
  async readableInChat(attachmentId: number, readerId: number): Promise<boolean> {
    const rows: unknown[] = await this.db.query(READABLE_IN_CHAT_SQL, [attachmentId, readerId]);
    return rows.length > 0;
  }

  /**
   * Deletes up to `limit` rows that were marked deleted before `deletedBefore`, or were never
   * attached and were created before `unattachedBefore`; returns their keys, whose bytes the
   * caller removes.
   */
  async removeSwept(
    unattachedBefore: Date,
    deletedBefore: Date,
    limit: number,
  ): Promise<RemovedAttachment[]> {
    return this.db.query<RemovedAttachment[]>(REMOVE_SWEPT_SQL, [unattachedBefore, limit, deletedBefore]);
  }

  /** The original keys among `keys` that belong to no row (bytes left behind by a crash). */
  async unknownKeys(keys: string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    const rows: { key: string }[] = await this.db.query(UNKNOWN_KEYS_SQL, [keys]);
    return rows.map((row) => row.key);
  }
}
