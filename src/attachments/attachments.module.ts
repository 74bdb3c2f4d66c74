import { Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app.config';
import { AttachmentAccessPolicy } from './attachment-access.policy';
import { AttachmentContentService } from './attachment-content.service';
import { AttachmentUrlSigner } from './attachment-urls.signer';
import { AttachmentsController } from './attachments.controller';
import { AttachmentsService } from './attachments.service';
import { AttachmentsSweeper } from './attachments.sweeper';
import { AttachmentStorage } from './storage/attachment.storage';
import { createStorage } from './storage/storage.factory';

@Module({
  controllers: [AttachmentsController],
  providers: [
    {
      provide: AttachmentStorage,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => createStorage(config.attachments.storage),
    },
    AttachmentUrlSigner,
    AttachmentAccessPolicy,
    AttachmentsService,
    AttachmentContentService,
    AttachmentsSweeper,
  ],
  exports: [AttachmentsService, AttachmentUrlSigner, AttachmentAccessPolicy],
})
export class AttachmentsModule implements OnApplicationShutdown {
  constructor(private readonly storage: AttachmentStorage) {}

  onApplicationShutdown(): void {
    this.storage.close();
  }
}
