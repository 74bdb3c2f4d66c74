import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_ID } from '../../common/http/parse-id.pipe';

export class MarkReadDto {
  @ApiPropertyOptional({
    example: 58,
    minimum: 0,
    description:
      "Read up to this seq; omitted: up to the chat's last message. A larger value is clamped to the last " +
      'seq; a smaller one than the current cursor changes nothing (the cursor never moves back).',
  })
  @IsOptional()
  @Min(0)
  @Max(MAX_ID)
  @IsInt()
  up_to_seq?: number;
}

export class UnreadDto {
  @ApiProperty({ example: 3, description: 'Messages of others, not deleted, past last_read_seq' })
  unread_count!: number;

  @ApiProperty({ example: 1, description: 'Of those, the messages that mention the reader' })
  unread_mentions_count!: number;

  @ApiProperty({ example: 55 })
  last_read_seq!: number;
}

export class MessageReadDto {
  @ApiProperty({ example: 9 })
  user_id!: number;

  @ApiProperty({ example: '2026-11-21T10:16:00.000Z' })
  read_at!: string;
}

export class MessageReadListDto {
  @ApiProperty({
    type: [MessageReadDto],
    description: 'Active members who read the message, first reader first',
  })
  items!: MessageReadDto[];
}
