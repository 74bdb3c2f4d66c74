import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { QueryInt, Trim } from '../../common/http/transforms';

export class ListUsersQuery {
  @ApiPropertyOptional({ description: 'Part of a username or display name, case-insensitive', maxLength: 64 })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(64)
  search?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;
}
