import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import { TextLength } from '../../common/http/input.validators';

/** The token of a digest's unsubscribe link. */
export class UnsubscribeQuery {
  @ApiProperty({ description: 'The signed token of the link in the digest', example: '7.Jx0…' })
  @TextLength(1, 100)
  @IsString()
  token!: string;
}
