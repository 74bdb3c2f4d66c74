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
}

export function toUserDto(user: UserRow): UserDto {
  return { id: user.id, username: user.username, display_name: user.displayName };
}
