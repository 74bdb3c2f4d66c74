import { Injectable } from '@nestjs/common';
import { Forbidden } from '../common/errors/domain.errors';
import type { Attachment } from '../database/entities/attachment.entity';
import { AttachmentsRepository } from '../repositories/attachments.repository';

/**
 * Who may have fresh URLs of a live attachment: its uploader; the active members of a live chat
 * holding a live message with it (one query); and anyone signed in when it is a current avatar
 * (of a user, or of a live chat), since an avatar is shown wherever its user or chat appears
 * (user search, members, invite previews). Once that message or chat is deleted, or the avatar
 * replaced, the attachment is marked deleted and answers 404 to everyone; a member who left or
 * was removed is refused.
 */
@Injectable()
export class AttachmentAccessPolicy {
  constructor(private readonly attachments: AttachmentsRepository) {}

  async requireReadable(attachment: Attachment, readerId: number): Promise<void> {
    if (attachment.uploaderId === readerId) return;
    if (attachment.messageId !== null) {
      if (await this.attachments.readableInChat(attachment.id, readerId)) return;
    } else if (attachment.attachedAt !== null) {
      // Only an upload attached to no message can be an avatar: the others skip the lookup.
      if (await this.attachments.isCurrentAvatar(attachment.id)) return;
    }
    throw new Forbidden('You cannot read this attachment');
  }
}
