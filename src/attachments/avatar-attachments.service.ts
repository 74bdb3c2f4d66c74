import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ValidationFailed } from '../common/errors/domain.errors';
import { AttachmentsRepository } from '../repositories/attachments.repository';

/**
 * The attachments behind the avatars of users and chats. An avatar is an image upload of the
 * caller's own, live and attached to nothing (no message, no other avatar); taking it marks it
 * attached, so the sweep of unattached uploads keeps it. The avatar it replaces (or that is
 * removed) is marked deleted: its URLs are refused at once and the sweep removes its bytes.
 */
@Injectable()
export class AvatarAttachments {
  constructor(private readonly attachments: AttachmentsRepository) {}

  /**
   * Replaces `current` with `next` (null: no avatar) inside the caller's transaction, which has
   * locked the user or chat row the avatar belongs to; returns the avatar id to store. The same id
   * again changes nothing. A `next` that cannot be taken is a 400 on `avatar_id`.
   */
  async replace(
    callerId: number,
    current: number | null,
    next: number | null,
    manager: EntityManager,
  ): Promise<number | null> {
    if (next === current) return current;
    if (next !== null) await this.take(callerId, next, manager);
    if (current !== null) await this.attachments.markDeleted(current, manager);
    return next;
  }

  private async take(callerId: number, id: number, manager: EntityManager): Promise<void> {
    const row = await this.attachments.claimAvatar(id, callerId, manager);
    if (row?.claimed) return;
    // Someone else's upload reads like an unknown one: its existence is not told.
    if (!row || row.uploader_id !== callerId) {
      throw ValidationFailed.field('avatar_id', 'must be the id of an image you uploaded');
    }
    if (row.kind !== 'image') {
      throw ValidationFailed.field('avatar_id', `must be an image, not a ${row.kind} attachment`);
    }
    throw ValidationFailed.field('avatar_id', 'this upload is already in use (in a message or as an avatar)');
  }
}
