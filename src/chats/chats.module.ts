import { Module } from '@nestjs/common';
import { MembersModule } from '../members/members.module';
import { ChatViewsModule } from './chat-views.module';
import { ChatsController } from './chats.controller';
import { ChatsService } from './chats.service';

@Module({
  imports: [MembersModule, ChatViewsModule],
  controllers: [ChatsController],
  providers: [ChatsService],
})
export class ChatsModule {}
