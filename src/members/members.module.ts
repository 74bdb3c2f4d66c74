import { Module } from '@nestjs/common';
import { MembersAccessService } from './members-access.service';
import { MembersController } from './members.controller';
import { MembersService } from './members.service';
import { MembershipRateLimits } from './membership-rate-limits.service';

@Module({
  controllers: [MembersController],
  providers: [MembersAccessService, MembersService, MembershipRateLimits],
  exports: [MembersAccessService, MembersService, MembershipRateLimits],
})
export class MembersModule {}
