import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, IsOptional, IsString, Max, Min } from 'class-validator';
import { Trim } from '../../common/http/input.transforms';
import { TextLength } from '../../common/http/input.validators';

export const LOCATION_LABEL_MAX = 200;

/** Finite numbers only: NaN, Infinity and strings are refused. */
const FINITE = { allowNaN: false, allowInfinity: false } as const;

/** A place on send: coordinates in degrees (WGS 84), an optional accuracy radius and label. */
export class LocationInput {
  @ApiProperty({ minimum: -90, maximum: 90, example: 55.7512 })
  @Min(-90)
  @Max(90)
  @IsNumber(FINITE)
  latitude!: number;

  @ApiProperty({ minimum: -180, maximum: 180, example: 37.6184 })
  @Min(-180)
  @Max(180)
  @IsNumber(FINITE)
  longitude!: number;

  @ApiPropertyOptional({ minimum: 0, example: 25, description: 'Radius of uncertainty, metres' })
  @IsOptional()
  @Min(0)
  @Max(1e7)
  @IsNumber(FINITE)
  accuracy_m?: number;

  @ApiPropertyOptional({ maxLength: LOCATION_LABEL_MAX, example: 'У гаражей за школой' })
  @IsOptional()
  @Trim()
  @TextLength(0, LOCATION_LABEL_MAX)
  @IsString()
  label?: string;
}

/** A place as a message shows it: absent optional values are null. */
export class LocationDto {
  @ApiProperty({ example: 55.7512 })
  latitude!: number;

  @ApiProperty({ example: 37.6184 })
  longitude!: number;

  @ApiProperty({ type: Number, nullable: true, example: 25 })
  accuracy_m!: number | null;

  @ApiProperty({ type: String, nullable: true, example: 'У гаражей за школой' })
  label!: string | null;
}
