import { Module } from '@nestjs/common';
import { MembersModule } from '../members/members.module';
import { ChatJoins } from './chat-joins.service';
import { ChatViewsModule } from './chat-views.module';
import { ChatsController } from './chats.controller';
import { ChatsService } from './chats.service';
import { PublicChatsController } from './public-chats.controller';
import { PublicChatsService } from './public-chats.service';

@Module({
  imports: [MembersModule, ChatViewsModule],
  controllers: [PublicChatsController, ChatsController],
  providers: [ChatsService, PublicChatsService, ChatJoins],
  exports: [ChatJoins],
})
export class ChatsModule {}
