import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, Max, Min, ValidateIf } from 'class-validator';
import { MAX_ID } from '../../common/http/parse-id.pipe';
import { Trim } from '../../common/http/input.transforms';
import { TextLength } from '../../common/http/input.validators';

/** PATCH /users/me: at least one of the fields; an absent one stays as it is. */
export class UpdateProfileDto {
  @ApiPropertyOptional({
    example: 'Anna K.',
    maxLength: 64,
    description: 'As at registration: 1–64 characters',
  })
  @ValidateIf((_, value) => value !== undefined)
  @Trim()
  @TextLength(1, 64)
  @IsString()
  display_name?: string;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    example: 12,
    description:
      "An image upload of the caller's, not used anywhere yet, becomes the avatar (the previous one is deleted); null removes it",
  })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @Min(1)
  @Max(MAX_ID)
  @IsInt()
  avatar_id?: number | null;
}
