import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { MAX_ID } from '../../common/http/parse-id.pipe';
import {
  EditMessageDto,
  PAGE_LIMIT,
  readPlainTextMessage,
  SendMessageDto,
} from '../../messages/dto/message-input.dto';
import { MarkReadDto } from '../../messages/dto/read-state.dto';
import { EMOJI_MAX_BYTES } from '../../messages/emoji.rules';

/**
 * Payloads of the client events, validated like REST bodies (unknown fields rejected, no type
 * coercion: JSON already carries numbers). The message fields reuse the REST DTOs' rules.
 * Type checks sit next to the property: with stopAtFirstError, class-validator runs the decorator
 * nearest the property first, so a string id reads "must be an integer", not "must not be greater".
 */
export class ChatRef {
  @ApiProperty({ type: 'integer', example: 17, minimum: 1 })
  @Max(MAX_ID)
  @Min(1)
  @IsInt()
  chat_id!: number;
}

export class MessageRef extends ChatRef {
  @ApiProperty({ type: 'integer', example: 1042, minimum: 1 })
  @Max(MAX_ID)
  @Min(1)
  @IsInt()
  message_id!: number;
}

export class SendMessageSocketDto extends IntersectionType(ChatRef, SendMessageDto) {
  /** SendMessageDto.fromPlainBody with the chat_id: a text message's payload read directly. */
  static fromPlainBody(raw: Record<string, unknown>): SendMessageSocketDto | undefined {
    const payload = new SendMessageSocketDto();
    return readPlainTextMessage(raw, payload, true) ? payload : undefined;
  }
}

export class EditMessageSocketDto extends IntersectionType(MessageRef, EditMessageDto) {}

export class DeleteMessageSocketDto extends MessageRef {}

export class ReadChatSocketDto extends IntersectionType(ChatRef, MarkReadDto) {}

export class SyncChatSocketDto extends ChatRef {
  @ApiProperty({
    type: 'integer',
    example: 57,
    minimum: 0,
    description: 'The last seq the client has; 0 for everything',
  })
  @Max(MAX_ID)
  @Min(0)
  @IsInt()
  after_seq!: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: PAGE_LIMIT.min,
    maximum: PAGE_LIMIT.max,
    default: PAGE_LIMIT.default,
  })
  @IsOptional()
  @Max(PAGE_LIMIT.max)
  @Min(PAGE_LIMIT.min)
  @IsInt()
  limit?: number;
}

export class TypingSocketDto extends ChatRef {
  @ApiProperty({ example: true, description: 'false when the user stopped typing' })
  @IsBoolean()
  is_typing!: boolean;
}

export class ReactSocketDto extends MessageRef {
  @ApiProperty({
    example: '👍',
    maxLength: EMOJI_MAX_BYTES,
    description: 'One emoji (a single grapheme of the RGI set, at most 64 bytes of UTF-8)',
  })
  @MaxLength(EMOJI_MAX_BYTES)
  @IsString()
  emoji!: string;

  @ApiProperty({ example: true, description: 'true adds the reaction, false takes it back' })
  @IsBoolean()
  on!: boolean;
}

export class PinSocketDto extends MessageRef {
  @ApiProperty({ example: true, description: 'true pins the message, false unpins it' })
  @IsBoolean()
  pinned!: boolean;
}
