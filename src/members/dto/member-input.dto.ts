import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { MEMBER_ROLES, type MemberRole } from '../../database/entities/chat-member.entity';

export class UpdateMemberDto {
  @ApiProperty({
    enum: MEMBER_ROLES,
    description: 'Only the owner grants admin or hands over owner (and then becomes admin)',
  })
  @IsIn(MEMBER_ROLES)
  role!: MemberRole;
}
