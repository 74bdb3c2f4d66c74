import { ApiProperty } from '@nestjs/swagger';
import { MessageDto } from './message.dto';

export class PinListDto {
  @ApiProperty({ type: [MessageDto], description: 'Pinned live messages, newest pin first (at most 50)' })
  items!: MessageDto[];
}
