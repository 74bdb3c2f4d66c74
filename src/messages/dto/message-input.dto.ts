import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { MAX_ID } from '../../common/http/parse-id.pipe';
import { QueryInt, Trim } from '../../common/http/input.transforms';
import { TextLength } from '../../common/http/input.validators';

export const CONTENT_MAX = 4000;
export const CLIENT_MESSAGE_ID_MAX = 64;
export const PAGE_LIMIT = { min: 1, max: 100, default: 50 } as const;
export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

export class SendMessageDto {
  @ApiProperty({ example: 'Кошка у подъезда, нужна переноска', minLength: 1, maxLength: CONTENT_MAX })
  @Trim()
  @TextLength(1, CONTENT_MAX)
  @IsString()
  content!: string;

  @ApiPropertyOptional({
    example: 'c0ffee-42',
    minLength: 1,
    maxLength: CLIENT_MESSAGE_ID_MAX,
    description: 'Chosen by the client; sending it again returns the original message with 200',
  })
  @IsOptional()
  @TextLength(1, CLIENT_MESSAGE_ID_MAX)
  @IsString()
  client_message_id?: string;
}

export class EditMessageDto {
  @ApiProperty({ example: 'Кошку забрали, спасибо!', minLength: 1, maxLength: CONTENT_MAX })
  @Trim()
  @TextLength(1, CONTENT_MAX)
  @IsString()
  content!: string;
}

export class ListMessagesQuery {
  @ApiPropertyOptional({ enum: SORT_ORDERS, default: 'desc', description: 'desc: newest first' })
  @IsOptional()
  @IsIn(SORT_ORDERS)
  sort: SortOrder = 'desc';

  @ApiPropertyOptional({ minimum: 0, description: 'Only messages with a smaller seq (exclusive)' })
  @IsOptional()
  @QueryInt()
  @Min(0)
  @Max(MAX_ID)
  @IsInt()
  before?: number;

  @ApiPropertyOptional({ minimum: 0, description: 'Only messages with a larger seq (exclusive)' })
  @IsOptional()
  @QueryInt()
  @Min(0)
  @Max(MAX_ID)
  @IsInt()
  after?: number;

  @ApiPropertyOptional({ minimum: PAGE_LIMIT.min, maximum: PAGE_LIMIT.max, default: PAGE_LIMIT.default })
  @IsOptional()
  @QueryInt()
  @Min(PAGE_LIMIT.min)
  @Max(PAGE_LIMIT.max)
  @IsInt()
  limit: number = PAGE_LIMIT.default;

  @ApiPropertyOptional({
    example: 'рыжий кот',
    maxLength: 200,
    description: 'Words that must all occur in the text, case-insensitively; % and _ are plain characters',
  })
  @IsOptional()
  @Trim()
  @TextLength(0, 200)
  @IsString()
  query?: string;
}
