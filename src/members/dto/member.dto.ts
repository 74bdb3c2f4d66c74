import { ApiProperty } from '@nestjs/swagger';
import { MEMBER_ROLES, type MemberRole } from '../../database/entities/chat-member.entity';
import { iso } from '../../common/time.util';
import type { MemberRow } from '../../repositories/members.repository';

export class MemberDto {
  @ApiProperty({ example: 7 })
  user_id!: number;

  @ApiProperty({ example: 'anna.k' })
  username!: string;

  @ApiProperty({ example: 'Anna K.' })
  display_name!: string;

  @ApiProperty({ enum: MEMBER_ROLES, example: 'member' })
  role!: MemberRole;

  @ApiProperty({ example: '2026-11-21T10:00:00.000Z' })
  joined_at!: string;

  @ApiProperty({ example: 57, description: 'The seq up to which this member has read' })
  last_read_seq!: number;
}

export class MemberListDto {
  @ApiProperty({ type: [MemberDto] })
  items!: MemberDto[];
}

export function toMemberDto(row: MemberRow): MemberDto {
  return {
    user_id: row.user_id,
    username: row.username,
    display_name: row.display_name,
    role: row.role,
    joined_at: iso(row.joined_at),
    last_read_seq: row.last_read_seq,
  };
}
