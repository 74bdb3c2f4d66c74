import { Module } from '@nestjs/common';
import { MembersAccessService } from './members-access.service';

@Module({
  providers: [MembersAccessService],
  exports: [MembersAccessService],
})
export class MembersModule {}
