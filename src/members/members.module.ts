import { Module } from '@nestjs/common';
import { MembersAccessService } from './members-access.service';
import { MembersController } from './members.controller';
import { MembersService } from './members.service';

@Module({
  controllers: [MembersController],
  providers: [MembersAccessService, MembersService],
  exports: [MembersAccessService, MembersService],
})
export class MembersModule {}
