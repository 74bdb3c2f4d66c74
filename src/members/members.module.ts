import { Module } from '@nestjs/common';
import { ChatViewsModule } from '../chats/chat-views.module';
import { MembersAccessService } from './members-access.service';
import { MembersController } from './members.controller';
import { MembersService } from './members.service';

@Module({
  imports: [ChatViewsModule],
  controllers: [MembersController],
  providers: [MembersAccessService, MembersService],
  exports: [MembersAccessService],
})
export class MembersModule {}
