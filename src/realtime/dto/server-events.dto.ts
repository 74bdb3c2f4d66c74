import { ApiProperty } from '@nestjs/swagger';
import { MemberDto } from '../../members/dto/member.dto';
import type {
  AuthExpiredEvent,
  ChatDeletedEvent,
  ChatReadEvent,
  MemberEvent,
  MemberRemovedEvent,
  MessageDeletedEvent,
  PresenceEvent,
  TypingEvent,
} from '../events.types';

/** Schemas of the server events' payloads, for the AsyncAPI document. */
export class MessageDeletedEventDto implements MessageDeletedEvent {
  @ApiProperty({ type: 'integer', example: 17 })
  chat_id!: number;

  @ApiProperty({ type: 'integer', example: 1042 })
  message_id!: number;

  @ApiProperty({ type: 'integer', example: 58 })
  seq!: number;
}

export class ChatReadEventDto implements ChatReadEvent {
  @ApiProperty({ type: 'integer', example: 17 })
  chat_id!: number;

  @ApiProperty({ type: 'integer', example: 9 })
  user_id!: number;

  @ApiProperty({ type: 'integer', example: 58 })
  last_read_seq!: number;

  @ApiProperty({ example: '2026-11-21T10:16:00.000Z' })
  read_at!: string;
}

export class ChatDeletedEventDto implements ChatDeletedEvent {
  @ApiProperty({ type: 'integer', example: 17 })
  chat_id!: number;
}

export class MemberEventDto implements MemberEvent {
  @ApiProperty({ type: 'integer', example: 17 })
  chat_id!: number;

  @ApiProperty({ type: MemberDto })
  member!: MemberDto;
}

export class MemberRemovedEventDto implements MemberRemovedEvent {
  @ApiProperty({ type: 'integer', example: 17 })
  chat_id!: number;

  @ApiProperty({ type: 'integer', example: 9 })
  user_id!: number;
}

export class TypingEventDto implements TypingEvent {
  @ApiProperty({ type: 'integer', example: 17 })
  chat_id!: number;

  @ApiProperty({ type: 'integer', example: 9 })
  user_id!: number;

  @ApiProperty({ example: true })
  is_typing!: boolean;
}

export class PresenceEventDto implements PresenceEvent {
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

export class AuthExpiredEventDto implements AuthExpiredEvent {
  @ApiProperty({ example: 'The access token has expired; refresh it and reconnect' })
  message!: string;
}
