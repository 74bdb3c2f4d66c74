import { Module } from '@nestjs/common';
import { AttachmentsModule } from '../attachments/attachments.module';
import { ChatViews } from './chat-views.service';

/** The chat read model: the chats module's reads, and the realtime side's payloads after commit. */
@Module({ imports: [AttachmentsModule], providers: [ChatViews], exports: [ChatViews] })
export class ChatViewsModule {}
