import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { Trim } from '../../common/http/input.transforms';
import { TextLength } from '../../common/http/input.validators';
import { CHAT_TYPES, type ChatType } from '../../database/entities/chat.entity';
import { PAGE_LIMIT, PageLimit } from './message-input.dto';
import { MessageDto } from './message.dto';

/** The longest query, as for the search inside a chat. */
export const SEARCH_QUERY_MAX = 200;

export class SearchMessagesQuery {
  @ApiProperty({
    example: 'рыжий кот',
    minLength: 1,
    maxLength: SEARCH_QUERY_MAX,
    description: 'Words that must all occur in the text, case-insensitively; % and _ are plain characters',
  })
  @Trim()
  @TextLength(1, SEARCH_QUERY_MAX)
  @IsString()
  query!: string;

  @ApiPropertyOptional({ enum: CHAT_TYPES, description: 'Only chats of this type' })
  @IsOptional()
  @IsIn(CHAT_TYPES)
  chat_type?: ChatType;

  @PageLimit()
  limit: number = PAGE_LIMIT.default;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor must be a next_cursor from a previous page' })
  @IsString()
  cursor?: string;
}

/** The chat a found message is in, as the searcher sees it. */
export class SearchChatDto {
  @ApiProperty({ example: 17 })
  id!: number;

  @ApiProperty({ type: String, nullable: true, example: 'Рыжий кот у подъезда' })
  title!: string | null;

  @ApiProperty({ enum: CHAT_TYPES, example: 'keeper' })
  chat_type!: ChatType;
}

export class SearchHitDto {
  @ApiProperty({ type: MessageDto })
  message!: MessageDto;

  @ApiProperty({ type: SearchChatDto })
  chat!: SearchChatDto;
}

export class SearchPageDto {
  @ApiProperty({
    type: [SearchHitDto],
    description: 'Newest first, across every chat the caller is an active member of',
  })
  items!: SearchHitDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as cursor for the next page; null on the last page',
  })
  next_cursor!: string | null;
}
