import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsInt,
  IsObject,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

/** The latest time a JavaScript Date holds (milliseconds since the epoch). */
const EXPIRATION_TIME_MAX = 8.64e15;

export class VapidPublicKeyDto {
  @ApiProperty({
    example: 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U',
    description:
      'The application server key (VAPID public key, base64url): PushManager.subscribe({applicationServerKey})',
  })
  key!: string;
}

export class PushSubscriptionKeysDto {
  @ApiProperty({ description: "The browser's ECDH P-256 public key, base64url (65 bytes)" })
  @Matches(/^[A-Za-z0-9_-]{86,88}={0,2}$/, { message: 'keys.p256dh must be a base64url P-256 public key' })
  @IsString()
  p256dh!: string;

  @ApiProperty({ description: 'The authentication secret, base64url (16 bytes)' })
  @Matches(/^[A-Za-z0-9_-]{22,24}={0,2}$/, { message: 'keys.auth must be a base64url 16-byte secret' })
  @IsString()
  auth!: string;
}

/** PushSubscription.toJSON() as the browser gives it. */
export class CreatePushSubscriptionDto {
  @ApiProperty({
    example: 'https://fcm.googleapis.com/fcm/send/dpH5lCsTSSM:APA91bH…',
    description: 'An https URL on an allowed push service host (PUSH_ENDPOINT_HOSTS), else 400 on endpoint',
  })
  @MaxLength(2048)
  @IsString()
  endpoint!: string;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    example: null,
    description: 'When the subscription expires, milliseconds since the epoch; null: never',
  })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @Min(0)
  @Max(EXPIRATION_TIME_MAX)
  @IsInt()
  expirationTime?: number | null;

  @ApiProperty({ type: PushSubscriptionKeysDto })
  @ValidateNested()
  @Type(() => PushSubscriptionKeysDto)
  @IsObject()
  keys!: PushSubscriptionKeysDto;
}

export class PushSubscriptionCreatedDto {
  @ApiProperty({ example: 5 })
  id!: number;
}
