import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { QueryInt, Trim } from '../../common/http/input.transforms';
import { TextLength } from '../../common/http/input.validators';

export class ListUsersQuery {
  @ApiPropertyOptional({ description: 'Part of a username or display name, case-insensitive', maxLength: 64 })
  @IsOptional()
  @Trim()
  @TextLength(0, 64)
  @IsString()
  search?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @QueryInt()
  @Min(1)
  @Max(100)
  @IsInt()
  limit: number = 20;
}
