import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { LowerCaseTrim, Trim } from '../../common/http/input.transforms';
import { TextLength } from '../../common/http/input.validators';
import { UserDto } from './user.dto';

export class RegisterDto {
  @ApiProperty({ example: 'anna.k', description: '3–32 of a-z 0-9 _ . - ; upper case is folded to lower' })
  @LowerCaseTrim()
  @Matches(/^[a-z0-9_.-]{3,32}$/, { message: 'username must be 3–32 characters of a-z, 0-9, _, . or -' })
  @IsString()
  username!: string;

  @ApiProperty({ example: 'correct horse battery', minLength: 8, maxLength: 128 })
  @TextLength(8, 128)
  @IsString()
  password!: string;

  @ApiPropertyOptional({ example: 'Anna K.', maxLength: 64, description: 'Defaults to the username' })
  @IsOptional()
  @Trim()
  @TextLength(1, 64)
  @IsString()
  display_name?: string;
}

export class LoginDto {
  @ApiProperty({ example: 'anna.k' })
  @LowerCaseTrim()
  @TextLength(1, 64)
  @IsString()
  username!: string;

  @ApiProperty({ example: 'correct horse battery' })
  @TextLength(1, 128)
  @IsString()
  password!: string;
}

export class RefreshDto {
  @ApiProperty({ description: 'The refresh token from register, login or the last refresh' })
  @TextLength(1, 256)
  @IsString()
  refresh_token!: string;
}

export class AuthResponseDto {
  @ApiProperty({ type: UserDto })
  user!: UserDto;

  @ApiProperty({ description: 'Bearer token for the API and the socket handshake' })
  access_token!: string;

  @ApiProperty({ description: 'Single use: each refresh returns a new one' })
  refresh_token!: string;

  @ApiProperty({ example: 900, description: 'Seconds until access_token expires' })
  expires_in!: number;
}
