import { Injectable } from '@nestjs/common';
import { Forbidden } from '../common/errors/domain.errors';
import type { Attachment } from '../database/entities/attachment.entity';

/**
 * Who may have fresh URLs of an attachment: its uploader. (The contract's second rule, the active
 * members of a chat holding a live message with it, joins here when messages carry attachments.)
 */
@Injectable()
export class AttachmentAccessPolicy {
  requireReadable(attachment: Attachment, readerId: number): Promise<void> {
    if (attachment.uploaderId === readerId) return Promise.resolve();
    return Promise.reject(new Forbidden('You cannot read this attachment'));
  }
}
