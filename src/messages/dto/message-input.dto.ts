import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { MAX_ID } from '../../common/http/parse-id.pipe';
import { QUERY_INT, QueryInt, Trim } from '../../common/http/input.transforms';
import { IdList, isId, TextLength, withinTextLength } from '../../common/http/input.validators';
import { unstorableProblem } from '../../common/http/text-input.util';
import { LocationInput } from './location.dto';

export const CONTENT_MAX = 4000;
export const ATTACHMENTS_PER_MESSAGE_MAX = 10;
export const CLIENT_MESSAGE_ID_MAX = 64;
export const MENTIONS_MAX = 50;
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

/**
 * A message with attachments, a location or a forward may have no text: its content may then be
 * empty or absent.
 */
const hasAttachments = (dto: SendMessageDto): boolean =>
  [dto.attachment_ids, dto.location, dto.forward_message_id].some(
    (value) => value !== undefined && value !== null,
  );

/** The same id twice is one mention; anything but a list of numbers is left for the validator. */
const Deduplicate = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    Array.isArray(value) && value.every((id) => typeof id === 'number') ? [...new Set(value)] : value,
  );

/** A string the text rules of a message accept as it is: storable, `min`–`max` code points. */
const plainText = (value: unknown, min: number, max: number): value is string =>
  typeof value === 'string' && unstorableProblem(value) === undefined && withinTextLength(value, min, max);

/**
 * A text message's body (`content`, `client_message_id`, and with `withChat` a `chat_id`) read
 * onto `target` exactly as the validation pipe would: `content` trimmed, 1–4000 characters,
 * `client_message_id` 1–64, both storable, `chat_id` an integer 1–MAX_ID, each key once, nothing
 * else. Answers false for anything else (attachments, a reply, a location, an unknown key, any
 * value a rule refuses), which the pipe then validates in full and names the errors of.
 */
export function readPlainTextMessage(
  raw: Record<string, unknown>,
  target: SendMessageDto & { chat_id?: number },
  withChat: boolean,
): boolean {
  let content = false;
  for (const key of Object.keys(raw)) {
    const value = raw[key];
    if (key === 'content') {
      const trimmed = typeof value === 'string' ? value.trim() : undefined;
      if (!plainText(trimmed, 1, CONTENT_MAX)) return false;
      target.content = trimmed;
      content = true;
    } else if (key === 'client_message_id') {
      if (!plainText(value, 1, CLIENT_MESSAGE_ID_MAX)) return false;
      target.client_message_id = value;
    } else if (key === 'chat_id' && withChat) {
      if (!isId(value)) return false;
      target.chat_id = value;
    } else {
      return false;
    }
  }
  return content && (!withChat || target.chat_id !== undefined);
}

export class SendMessageDto {
  @ApiPropertyOptional({
    example: 'Кошка у подъезда, нужна переноска',
    maxLength: CONTENT_MAX,
    description:
      'Required, 1–4000 characters, unless attachment_ids, location or forward_message_id is given: then it may be empty or absent (reads ""); ignored with forward_message_id (the original\'s is copied)',
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

  @ApiPropertyOptional({
    example: 1040,
    description: 'A live message of the same chat that this one answers',
  })
  @IsOptional()
  @Min(1)
  @Max(MAX_ID)
  @IsInt()
  reply_to_id?: number;

  @ApiPropertyOptional({
    example: 977,
    description:
      'A live message of any chat you are an active member of: its content, attachments and location are copied (then attachment_ids and location must be absent)',
  })
  @IsOptional()
  @Min(1)
  @Max(MAX_ID)
  @IsInt()
  forward_message_id?: number;

  @ApiPropertyOptional({ type: LocationInput, description: 'Where an animal was seen' })
  @IsOptional()
  @ValidateNested()
  @Type(() => LocationInput)
  @IsObject()
  location?: LocationInput;

  @ApiPropertyOptional({
    type: 'integer',
    isArray: true,
    maxItems: MENTIONS_MAX,
    example: [7, 12],
    description: 'Ids of active members of the chat, at most 50; the same id twice is one mention',
  })
  @IsOptional()
  @Deduplicate()
  @IdList(MENTIONS_MAX)
  mentions?: number[];

  /**
   * The body of a text message exactly as the validation pipe would make it, read directly when
   * it certainly passes (readPlainTextMessage); undefined for anything else, which the pipe
   * validates in full. class-transformer and class-validator over this class cost a socket send
   * ~60 µs of the process' CPU in the fan-out bench (docs/bench-results.md). Held equal to the
   * full path by send-message-body.spec.ts.
   */
  static fromPlainBody(raw: Record<string, unknown>): SendMessageDto | undefined {
    const body = new SendMessageDto();
    return readPlainTextMessage(raw, body, false) ? body : undefined;
  }
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

  /**
   * The query exactly as the validation pipe would make it, read directly when it certainly
   * passes: only `sort`, `before`, `after` and `limit`, each given once, as integers in range
   * or `asc`/`desc` (a history page's query). Anything else, a search included, is undefined here,
   * and the pipe validates it in full and names its errors. The full path is class-transformer
   * and class-validator over this class' metadata: ~8 µs warm, but ~140 µs when a request finds
   * the process idle, as at a hundred pages a second (docs/bench-results.md). Held equal to the
   * full path by list-messages-query.spec.ts.
   */
  static fromPlainQuery(raw: Record<string, unknown>): ListMessagesQuery | undefined {
    const query = new ListMessagesQuery();
    for (const key of Object.keys(raw)) {
      const value = raw[key];
      if (typeof value !== 'string') return undefined;
      if (key === 'sort') {
        if (value !== 'asc' && value !== 'desc') return undefined;
        query.sort = value;
      } else if (key === 'before' || key === 'after' || key === 'limit') {
        if (!QUERY_INT.test(value)) return undefined;
        const number = Number(value);
        const [min, max] = key === 'limit' ? [PAGE_LIMIT.min, PAGE_LIMIT.max] : [0, MAX_ID];
        if (number < min || number > max) return undefined;
        query[key] = number;
      } else {
        return undefined;
      }
    }
    return query;
  }
}
