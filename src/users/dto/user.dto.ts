import { ApiProperty } from '@nestjs/swagger';
import { UserDto } from '../../auth/dto/user.dto';

export class UserListDto {
  @ApiProperty({ type: [UserDto] })
  items!: UserDto[];
}
