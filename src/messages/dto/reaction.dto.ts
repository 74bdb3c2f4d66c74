import { ApiProperty } from '@nestjs/swagger';
import type { ReactionRow } from '../../repositories/reactions.repository';

/** One emoji of a message's reactions, as the room hears of it (no reader). */
export class ReactionCountDto {
  @ApiProperty({ example: '👍', description: 'One emoji (a single grapheme)' })
  emoji!: string;

  @ApiProperty({ type: 'integer', example: 3, minimum: 1, description: 'How many people reacted with it' })
  count!: number;
}

/** One emoji of a message's reactions, as the reader sees it. */
export class ReactionDto extends ReactionCountDto {
  @ApiProperty({ example: true, description: 'Whether the reader is among them' })
  me!: boolean;
}

export class ReactionsDto {
  @ApiProperty({ type: [ReactionDto], description: 'Most used first (equal counts: first reacted first)' })
  reactions!: ReactionDto[];
}

export function toReactionDto(row: ReactionRow): ReactionDto {
  return { emoji: row.emoji, count: row.count, me: row.me };
}
