import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { MAX_ID } from '../../common/http/parse-id.pipe';
import { QueryInt, Trim } from '../../common/http/transforms';
import { CHAT_TYPES, type ChatType } from '../chat.entity';

export class CreateChatDto {
  @ApiProperty({
    type: [Number],
    example: [12, 31],
    description:
      'The other members; the creator is always a member (owner). Empty: favorites (notes to self)',
  })
  @ArrayMaxSize(10_000)
  @ArrayUnique()
  @Min(1, { each: true })
  @Max(MAX_ID, { each: true })
  @IsArray()
  @IsInt({ each: true })
  member_ids!: number[];

  @ApiPropertyOptional({ enum: CHAT_TYPES, default: 'other' })
  @IsOptional()
  @IsIn(CHAT_TYPES)
  chat_type?: ChatType;

  @ApiPropertyOptional({ maxLength: 200, example: 'Рыжий кот с Лесной' })
  @IsOptional()
  @Trim()
  @Length(1, 200)
  @IsString()
  title?: string;

  @ApiPropertyOptional({ description: 'Required for, and only for, chat_type "response"', example: 501 })
  @IsOptional()
  @Min(1)
  @Max(MAX_ID)
  @IsInt()
  post_id?: number;
}

export class UpdateChatDto {
  @ApiProperty({ type: String, nullable: true, maxLength: 200, description: 'null clears the title' })
  @ValidateIf((_, value) => value !== null)
  @Trim()
  @Length(1, 200)
  @IsString()
  title!: string | null;
}

export class ListChatsQuery {
  @ApiPropertyOptional({ enum: CHAT_TYPES })
  @IsOptional()
  @IsIn(CHAT_TYPES)
  chat_type?: ChatType;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @QueryInt()
  @Min(1)
  @Max(100)
  @IsInt()
  limit: number = 20;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor must be a next_cursor from a previous page' })
  @IsString()
  cursor?: string;
}
