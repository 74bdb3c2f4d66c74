import { Injectable } from '@nestjs/common';
import { Forbidden } from '../common/errors/domain.errors';
import type { Attachment } from '../database/entities/attachment.entity';
import { AttachmentsRepository } from '../repositories/attachments.repository';

/**
 * Who may have fresh URLs of an attachment: its uploader; and anyone signed in when it is a
 * current avatar (of a user, or of a live chat), since an avatar is shown wherever its user or
 * chat appears (user search, members, invite previews). A replaced avatar is marked deleted and
 * answers 404 to everyone. (The contract's other rule, the active members of a chat holding a
 * live message with it, joins here when messages carry attachments.)
 */
@Injectable()
export class AttachmentAccessPolicy {
  constructor(private readonly attachments: AttachmentsRepository) {}

  async requireReadable(attachment: Attachment, readerId: number): Promise<void> {
    if (attachment.uploaderId === readerId) return;
    // Only an upload attached to no message can be an avatar: the others skip the lookup.
    if (attachment.messageId === null && attachment.attachedAt !== null) {
      if (await this.attachments.isCurrentAvatar(attachment.id)) return;
    }
    throw new Forbidden('You cannot read this attachment');
  }
}
