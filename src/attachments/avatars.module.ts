import { Global, Module } from '@nestjs/common';
import { AvatarUrls } from '../auth/avatar-urls.signer';
import { AttachmentUrlSigner } from './attachment-urls.signer';
import { AttachmentsModule } from './attachments.module';
import { AvatarAttachments } from './avatar-attachments.service';

/**
 * Avatars for every module that shows a User, Member or Chat (auth, users, members, chats):
 * global, because auth sits below attachments in the folder DAG and cannot import this module;
 * it injects the AvatarUrls it declares, which this module provides.
 */
@Global()
@Module({
  imports: [AttachmentsModule],
  providers: [{ provide: AvatarUrls, useExisting: AttachmentUrlSigner }, AvatarAttachments],
  exports: [AvatarUrls, AvatarAttachments],
})
export class AvatarsModule {}
