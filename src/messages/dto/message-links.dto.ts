import { ApiProperty } from '@nestjs/swagger';
import { iso } from '../../common/time.util';
import type { ForwardOriginRow, ReplyPreviewRow } from '../../repositories/message-links.repository';

export { LocationDto } from './location.dto';

/** The message a reply answers, as it is now. */
export class ReplyPreviewDto {
  @ApiProperty({ example: 1040 })
  message_id!: number;

  @ApiProperty({ example: 57 })
  seq!: number;

  @ApiProperty({ example: 9 })
  sender_id!: number;

  @ApiProperty({ example: 'Oleg' })
  sender_name!: string;

  @ApiProperty({
    example: 'Кто может забрать кота в пятницу?',
    description: 'The first 200 characters of its current text; "" once it is deleted',
  })
  content!: string;

  @ApiProperty({ example: false })
  deleted!: boolean;
}

/** Where a forwarded message comes from: nothing of the origin chat but its id. */
export class ForwardOriginDto {
  @ApiProperty({ example: 977 })
  message_id!: number;

  @ApiProperty({ example: 12 })
  chat_id!: number;

  @ApiProperty({ example: 4 })
  sender_id!: number;

  @ApiProperty({ example: 'Vet clinic' })
  sender_name!: string;

  @ApiProperty({ example: '2026-11-21T09:02:00.000Z' })
  created_at!: string;
}

export function toReplyPreview(row: ReplyPreviewRow): ReplyPreviewDto {
  return {
    message_id: row.message_id,
    seq: row.seq,
    sender_id: row.sender_id,
    sender_name: row.sender_name,
    content: row.deleted ? '' : (row.content ?? ''),
    deleted: row.deleted,
  };
}

export function toForwardOrigin(row: ForwardOriginRow): ForwardOriginDto {
  return {
    message_id: row.message_id,
    chat_id: row.chat_id,
    sender_id: row.sender_id,
    sender_name: row.sender_name,
    created_at: iso(row.created_at),
  };
}
