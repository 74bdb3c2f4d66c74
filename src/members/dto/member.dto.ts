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

  @ApiProperty({
    type: String,
    nullable: true,
    description: "The user's avatar: a signed, expiring URL of its WebP thumbnail (≤ 320 px); null when none",
    example: '/api/v1/attachments/12/content?variant=thumbnail&expires=1767225600&signature=…',
  })
  avatar_url!: string | null;
}

export class MemberListDto {
  @ApiProperty({ type: [MemberDto] })
  items!: MemberDto[];
}

/** `avatarUrl`: the signed URL of `row.avatar_id` (AvatarUrls), or null. */
export function toMemberDto(row: MemberRow, avatarUrl: string | null): MemberDto {
  return {
    user_id: row.user_id,
    username: row.username,
    display_name: row.display_name,
    role: row.role,
    joined_at: iso(row.joined_at),
    last_read_seq: row.last_read_seq,
    avatar_url: avatarUrl,
  };
}
