import { Module } from '@nestjs/common';
import { ChatViews } from './chat-views';

/** The chat read model, shared by chats and members without either importing the other. */
@Module({ providers: [ChatViews], exports: [ChatViews] })
export class ChatViewsModule {}
