import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { ERROR_STATUS } from './error-status.mapping';

export class FieldErrorDto {
  @ApiProperty({ example: 'content' })
  field!: string;

  @ApiProperty({ example: 'content must be shorter than or equal to 4000 characters' })
  message!: string;
}

export class ErrorDto {
  @ApiProperty({ example: 400 })
  status!: number;

  @ApiProperty({ enum: Object.keys(ERROR_STATUS), example: 'validation_failed' })
  code!: string;

  @ApiProperty({ example: 'The request is not valid' })
  message!: string;

  @ApiPropertyOptional({
    description: 'For validation_failed: the offending fields (FieldError[]); for chat_exists: {chat_id}',
    oneOf: [{ type: 'array', items: { $ref: '#/components/schemas/FieldErrorDto' } }, { type: 'object' }],
  })
  details?: FieldErrorDto[] | Record<string, unknown>;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (validation_failed lists the fields)',
  401: 'Missing, malformed or expired access token',
  403: 'Authenticated but not allowed',
  404: 'Not found, or deleted',
  409: 'Conflict',
  410: 'Gone: an invite link past its expiry or its uses (invite_expired)',
  413: 'Payload too large',
  415: 'Unsupported media type',
  416: 'Range not satisfiable',
  429: 'Rate limited',
};

/** Documents the contract's error shape for each status a route can answer. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorDto })),
  );
}
