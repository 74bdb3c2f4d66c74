import { ApiProperty } from '@nestjs/swagger';
import { MemberDto } from '../../members/dto/member.dto';
import { ReactionCountDto } from '../../messages/dto/reaction.dto';

/** The server events' payloads (see socket-contract.catalog.ts): their types and AsyncAPI schemas. */
export class MessageDeletedEventDto {
  @ApiProperty({ type: 'integer', example: 17 })
  chat_id!: number;

  @ApiProperty({ type: 'integer', example: 1042 })
  message_id!: number;

  @ApiProperty({ type: 'integer', example: 58 })
  seq!: number;
}

export class ChatReadEventDto {
  @ApiProperty({ type: 'integer', example: 17 })
  chat_id!: number;

  @ApiProperty({ type: 'integer', example: 9 })
  user_id!: number;

  @ApiProperty({ type: 'integer', example: 58 })
  last_read_seq!: number;

  @ApiProperty({ example: '2026-11-21T10:16:00.000Z' })
  read_at!: string;
}

export class ChatDeletedEventDto {
  @ApiProperty({ type: 'integer', example: 17 })
  chat_id!: number;
}

export class MemberEventDto {
  @ApiProperty({ type: 'integer', example: 17 })
  chat_id!: number;

  @ApiProperty({ type: MemberDto })
  member!: MemberDto;
}

export class MemberRemovedEventDto {
  @ApiProperty({ type: 'integer', example: 17 })
  chat_id!: number;

  @ApiProperty({ type: 'integer', example: 9 })
  user_id!: number;
}

export class TypingEventDto {
  @ApiProperty({ type: 'integer', example: 17 })
  chat_id!: number;

  @ApiProperty({ type: 'integer', example: 9 })
  user_id!: number;

  @ApiProperty({ example: true })
  is_typing!: boolean;
}

export class PresenceEventDto {
  @ApiProperty({ type: 'integer', example: 9 })
  user_id!: number;

  @ApiProperty({ example: true })
  online!: boolean;

  @ApiProperty({
    example: '2026-11-21T10:16:00.000Z',
    description: 'online: when the user connected; offline: when their last socket disconnected',
  })
  last_seen_at!: string;
}

export class AuthExpiredEventDto {
  @ApiProperty({ example: 'The access token has expired; refresh it and reconnect' })
  message!: string;
}

export class AuthBannedEventDto {
  @ApiProperty({ example: 'This account is banned' })
  message!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '2026-12-31T00:00:00.000Z',
    description: 'When the ban ends; null: it does not',
  })
  until!: string | null;
}

export class MessageReactionsEventDto {
  @ApiProperty({ type: 'integer', example: 17 })
  chat_id!: number;

  @ApiProperty({ type: 'integer', example: 1042 })
  message_id!: number;

  @ApiProperty({ type: 'integer', example: 9, description: 'Who reacted, or took a reaction back' })
  user_id!: number;

  @ApiProperty({ example: '👍' })
  emoji!: string;

  @ApiProperty({ example: true, description: 'true: added; false: taken back' })
  on!: boolean;

  @ApiProperty({
    type: [ReactionCountDto],
    description:
      "The message's reactions after the change, most used first (no `me`: the room has no one reader)",
  })
  reactions!: ReactionCountDto[];
}

export class MessagePinEventDto {
  @ApiProperty({ type: 'integer', example: 17 })
  chat_id!: number;

  @ApiProperty({ type: 'integer', example: 1042 })
  message_id!: number;

  @ApiProperty({ type: 'integer', example: 9, description: 'Who pinned or unpinned it' })
  user_id!: number;
}
