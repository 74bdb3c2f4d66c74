import { ApiProperty } from '@nestjs/swagger';
import type { UserRow } from '../../repositories/users.repository';

/** A user as every response shows one: the account auth answers with, the profiles users lists. */
export class UserDto {
  @ApiProperty({ example: 7 })
  id!: number;

  @ApiProperty({ example: 'anna.k' })
  username!: string;

  @ApiProperty({ example: 'Anna K.' })
  display_name!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Signed, expiring URL of the avatar (a WebP thumbnail of at most 320 px); fresh on every read; null when none',
    example: '/api/v1/attachments/12/content?variant=thumbnail&expires=1767225600&signature=…',
  })
  avatar_url!: string | null;
}

/** `avatarUrl`: the signed URL of `user.avatarId` (AvatarUrls), or null. */
export function toUserDto(user: UserRow, avatarUrl: string | null): UserDto {
  return { id: user.id, username: user.username, display_name: user.displayName, avatar_url: avatarUrl };
}
