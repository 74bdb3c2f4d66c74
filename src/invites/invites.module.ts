import { Module } from '@nestjs/common';
import { ChatsModule } from '../chats/chats.module';
import { MembersModule } from '../members/members.module';
import { InvitesController } from './invites.controller';
import { InvitesService } from './invites.service';

@Module({
  imports: [ChatsModule, MembersModule],
  controllers: [InvitesController],
  providers: [InvitesService],
})
export class InvitesModule {}
