import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { iso } from '../../common/time.util';
import type { AttachmentKind } from '../../database/entities/attachment.entity';
import type { AttachmentRow } from '../../repositories/attachments.repository';

export class AttachmentDto {
  @ApiProperty({ example: 12 })
  id!: number;

  @ApiProperty({ enum: ['image', 'voice', 'file'], example: 'image' })
  kind!: AttachmentKind;

  @ApiProperty({ description: 'The stored type (HEIC is stored as JPEG)', example: 'image/jpeg' })
  mime_type!: string;

  @ApiProperty({ description: 'Bytes of the stored original', example: 183_204 })
  size_bytes!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The uploaded file name, sanitised',
    example: 'dog.jpg',
  })
  name!: string | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Images only', example: 1280 })
  width!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Images only', example: 960 })
  height!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Voice only, from the container', example: 7400 })
  duration_ms!: number | null;

  @ApiProperty({
    type: [Number],
    nullable: true,
    description: 'Voice only: at most 128 numbers in 0–1, as uploaded',
    example: [0.1, 0.5, 0.9],
  })
  waveform!: number[] | null;

  @ApiProperty({
    description:
      'Signed, expiring URL of the bytes (works without Authorization). Relative to the service origin unless ATTACHMENT_URL_BASE is set',
    example: '/api/v1/attachments/12/content?variant=original&expires=1767225600&signature=…',
  })
  url!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Images only: signed URL of a WebP of at most 320 px on the longer side',
    example: '/api/v1/attachments/12/content?variant=thumbnail&expires=1767225600&signature=…',
  })
  thumbnail_url!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Images only: a ThumbHash (https://evanw.github.io/thumbhash/), base64, to draw a blurred preview before the thumbnail loads',
    example: '1QcSHQRnh493V4dIh4eXh1h4kJUI',
  })
  placeholder!: string | null;

  @ApiProperty({ example: '2026-12-03T12:00:00.000Z' })
  created_at!: string;
}

/** The form fields of POST /attachments, for the OpenAPI document (the body is read by busboy). */
export class UploadAttachmentBodyDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'The one file' })
  file!: unknown;

  @ApiProperty({
    required: false,
    enum: ['image', 'voice', 'file'],
    description: 'Optional; must match the type read from the content',
  })
  kind?: AttachmentKind;

  @ApiProperty({
    required: false,
    type: 'string',
    description: 'Voice only: a JSON array of at most 128 numbers in 0–1',
    example: '[0.1,0.5,0.9]',
  })
  waveform?: string;
}

/** The query of a signed content URL; a missing or bad value is a 403 like a forged one. */
export class AttachmentContentQuery {
  @ApiProperty({ required: false, enum: ['original', 'thumbnail'] })
  @IsOptional()
  @IsString()
  variant?: string;

  @ApiProperty({ required: false, description: 'Unix time in seconds' })
  @IsOptional()
  @IsString()
  expires?: string;

  @ApiProperty({ required: false, description: 'base64url HMAC-SHA256 of id, variant and expiry' })
  @IsOptional()
  @IsString()
  signature?: string;
}

export function toAttachmentDto(row: AttachmentRow, url: string, thumbnailUrl: string | null): AttachmentDto {
  return {
    id: row.id,
    kind: row.kind,
    mime_type: row.mimeType,
    size_bytes: row.sizeBytes,
    name: row.name,
    width: row.width,
    height: row.height,
    duration_ms: row.durationMs,
    waveform: row.waveform,
    url,
    thumbnail_url: thumbnailUrl,
    placeholder: row.placeholder,
    created_at: iso(row.createdAt),
  };
}
