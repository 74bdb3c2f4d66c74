import { ApiProperty } from '@nestjs/swagger';
import type { User } from '../user.entity';

export class UserDto {
  @ApiProperty({ example: 7 })
  id!: number;

  @ApiProperty({ example: 'anna.k' })
  username!: string;

  @ApiProperty({ example: 'Anna K.' })
  display_name!: string;
}

export class UserListDto {
  @ApiProperty({ type: [UserDto] })
  items!: UserDto[];
}

export function toUserDto(user: Pick<User, 'id' | 'username' | 'displayName'>): UserDto {
  return { id: user.id, username: user.username, display_name: user.displayName };
}
