import { ApiProperty } from '@nestjs/swagger';
import { AttachmentDto } from '../../attachments/dto/attachment.dto';
import { iso } from '../../common/time.util';
import type { AttachmentRow } from '../../repositories/attachments.repository';
import type { MessageRow } from '../../repositories/messages.repository';
import {
  ForwardOriginDto,
  LocationDto,
  ReplyPreviewDto,
  toForwardOrigin,
  toReplyPreview,
} from './message-links.dto';
import { ReactionDto, toReactionDto } from './reaction.dto';

export class MessageDto {
  @ApiProperty({ example: 1042 })
  id!: number;

  @ApiProperty({ example: 17 })
  chat_id!: number;

  @ApiProperty({
    example: 58,
    description: 'Per chat, from 1, +1 per message: a gap means something was missed',
  })
  seq!: number;

  @ApiProperty({ example: 7 })
  sender_id!: number;

  @ApiProperty({ example: 'Anna K.', description: "The sender's display name when the message was sent" })
  sender_name!: string;

  @ApiProperty({
    example: 'Кошка у подъезда, нужна переноска',
    description: 'May be "" when the message has attachments',
  })
  content!: string;

  @ApiProperty({ type: String, nullable: true, example: 'c0ffee-42' })
  client_message_id!: string | null;

  @ApiProperty({ example: '2026-11-21T10:15:00.000Z' })
  created_at!: string;

  @ApiProperty({ type: String, nullable: true, example: null })
  edited_at!: string | null;

  @ApiProperty({
    type: [AttachmentDto],
    description: 'In the order they were sent, with fresh signed URLs; empty when none',
  })
  attachments!: AttachmentDto[];

  @ApiProperty({
    type: ReplyPreviewDto,
    nullable: true,
    description: 'The message this one answers; null when none',
  })
  reply_to!: ReplyPreviewDto | null;

  @ApiProperty({
    type: ForwardOriginDto,
    nullable: true,
    description: 'Where a forwarded message comes from; null when none',
  })
  forwarded_from!: ForwardOriginDto | null;

  @ApiProperty({ type: LocationDto, nullable: true, description: 'Where an animal was seen; null when none' })
  location!: LocationDto | null;

  @ApiProperty({
    type: 'integer',
    isArray: true,
    example: [12],
    description: 'Ids of the users mentioned (active members at send time); empty when none',
  })
  mentions!: number[];

  @ApiProperty({
    type: [ReactionDto],
    description:
      'Most used first (equal counts: first reacted first); `me`: whether the reader reacted with it (always false in events sent to the whole chat room). Empty when none',
  })
  reactions!: ReactionDto[];
}

/** Maps an attachment to the contract, signing its URLs (AttachmentsService.toDto). */
export type AttachmentMapper = (row: AttachmentRow) => AttachmentDto;

export function toMessageDto(row: MessageRow, toAttachment: AttachmentMapper): MessageDto {
  return {
    id: row.id,
    chat_id: row.chat_id,
    seq: row.seq,
    sender_id: row.sender_id,
    sender_name: row.sender_name,
    content: row.content,
    client_message_id: row.client_message_id,
    created_at: iso(row.created_at),
    edited_at: row.edited_at === null ? null : iso(row.edited_at),
    attachments: (row.attachments ?? []).map(toAttachment),
    reply_to: row.reply_to ? toReplyPreview(row.reply_to) : null,
    forwarded_from: row.forwarded_from ? toForwardOrigin(row.forwarded_from) : null,
    location: row.location
      ? {
          latitude: row.location.latitude,
          longitude: row.location.longitude,
          accuracy_m: row.location.accuracy_m ?? null,
          label: row.location.label ?? null,
        }
      : null,
    mentions: row.mentions ?? [],
    reactions: (row.reactions ?? []).map(toReactionDto),
  };
}

export class MessagePageDto {
  @ApiProperty({ type: [MessageDto] })
  items!: MessageDto[];

  @ApiProperty({ example: true, description: 'More messages lie beyond this page in its direction' })
  has_more!: boolean;
}
