import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_ID } from '../../common/http/parse-id.pipe';
import { EditMessageDto, PAGE_LIMIT, SendMessageDto } from '../../messages/dto/message-input.dto';
import { MarkReadDto } from '../../messages/dto/read-state.dto';
import type {
  DeleteMessagePayload,
  EditMessagePayload,
  ReadChatPayload,
  SendMessagePayload,
  SyncChatPayload,
  TypingPayload,
} from '../events.types';

/**
 * Payloads of the client events, validated like REST bodies (unknown fields rejected, no type
 * coercion: JSON already carries numbers). The message fields reuse the REST DTOs' rules.
 */
export class ChatRef {
  @ApiProperty({ example: 17, minimum: 1 })
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  chat_id!: number;
}

export class MessageRef extends ChatRef implements DeleteMessagePayload {
  @ApiProperty({ example: 1042, minimum: 1 })
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  message_id!: number;
}

export class SendMessageSocketDto
  extends IntersectionType(ChatRef, SendMessageDto)
  implements SendMessagePayload {}

export class EditMessageSocketDto
  extends IntersectionType(MessageRef, EditMessageDto)
  implements EditMessagePayload {}

export class DeleteMessageSocketDto extends MessageRef {}

export class ReadChatSocketDto extends IntersectionType(ChatRef, MarkReadDto) implements ReadChatPayload {}

export class SyncChatSocketDto extends ChatRef implements SyncChatPayload {
  @ApiProperty({ example: 57, minimum: 0, description: 'The last seq the client has; 0 for everything' })
  @IsInt()
  @Min(0)
  @Max(MAX_ID)
  after_seq!: number;

  @ApiPropertyOptional({ minimum: PAGE_LIMIT.min, maximum: PAGE_LIMIT.max, default: PAGE_LIMIT.default })
  @IsOptional()
  @IsInt()
  @Min(PAGE_LIMIT.min)
  @Max(PAGE_LIMIT.max)
  limit?: number;
}

export class TypingSocketDto extends ChatRef implements TypingPayload {
  @ApiProperty({ example: true, description: 'false when the user stopped typing' })
  @IsBoolean()
  is_typing!: boolean;
}
