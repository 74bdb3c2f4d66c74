import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, Min, ValidateIf } from 'class-validator';
import { MAX_ID } from '../../common/http/parse-id.pipe';
import { QueryInt, Trim } from '../../common/http/input.transforms';
import { IdList, TextLength } from '../../common/http/input.validators';

export const CONTENT_MAX = 4000;
export const ATTACHMENTS_PER_MESSAGE_MAX = 10;
export const CLIENT_MESSAGE_ID_MAX = 64;
export const PAGE_LIMIT = { min: 1, max: 100, default: 50 } as const;
export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/** A page's `limit` query parameter: PAGE_LIMIT.min–max, PAGE_LIMIT.default when absent. */
export const PageLimit = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ minimum: PAGE_LIMIT.min, maximum: PAGE_LIMIT.max, default: PAGE_LIMIT.default }),
    IsOptional(),
    QueryInt(),
    Min(PAGE_LIMIT.min),
    Max(PAGE_LIMIT.max),
    IsInt(),
  );

/** A message with attachments may have no text: its content may then be empty or absent. */
const hasAttachments = (dto: { attachment_ids?: number[] | null }): boolean =>
  dto.attachment_ids !== undefined && dto.attachment_ids !== null;

export class SendMessageDto {
  @ApiPropertyOptional({
    example: 'Кошка у подъезда, нужна переноска',
    maxLength: CONTENT_MAX,
    description:
      'Required, 1–4000 characters, unless attachment_ids is given: then it may be empty or absent (reads "")',
  })
  @ValidateIf((dto: SendMessageDto) => !hasAttachments(dto) || dto.content !== undefined)
  @Trim()
  @TextLength((dto: SendMessageDto) => (hasAttachments(dto) ? 0 : 1), CONTENT_MAX)
  @IsString()
  content?: string;

  @ApiPropertyOptional({
    type: 'integer',
    isArray: true,
    minItems: 1,
    maxItems: ATTACHMENTS_PER_MESSAGE_MAX,
    uniqueItems: true,
    example: [12, 13],
    description:
      "1–10 distinct ids of the sender's own uploads (POST /attachments), attached to nothing yet; shown in this order",
  })
  @IsOptional()
  @IdList(ATTACHMENTS_PER_MESSAGE_MAX, { min: 1, noun: 'attachment' })
  attachment_ids?: number[];

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

  @PageLimit()
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
