import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { DomainError, PayloadTooLarge, ValidationFailed } from '../common/errors/domain.errors';
import { AppConfig, AttachmentsConfig } from '../config/app.config';
import type { Attachment, AttachmentKind } from '../database/entities/attachment.entity';
import { AttachmentRow, AttachmentsRepository, NewAttachment } from '../repositories/attachments.repository';
import { AttachmentAccessPolicy } from './attachment-access.policy';
import { AttachmentUrlSigner } from './attachment-urls.signer';
import { detectType, DetectedType, isKind } from './content-type.detector';
import { AttachmentDto, toAttachmentDto } from './dto/attachment.dto';
import { processImage } from './image.processor';
import { readUpload, sanitizeFileName, UploadedFile } from './multipart-upload.reader';
import { AttachmentStorage } from './storage/attachment.storage';
import { parseWaveform, probeVoice } from './voice.probe';

/** Every attachment's bytes live under this prefix: `attachments/<uuid>/original|thumbnail`. */
export const STORAGE_PREFIX = 'attachments/';

/** A text field of the upload is at most this long (a waveform of 128 numbers fits well). */
const MAX_FIELD_BYTES = 4096;

type Metadata = Omit<NewAttachment, 'uploaderId' | 'name' | 'storageKey' | 'thumbnailKey' | 'thumbnailBytes'>;

interface Prepared {
  metadata: Metadata;
  original: () => Readable;
  thumbnail: Buffer | undefined;
}

function maxBytesOf(kind: AttachmentKind, limits: AttachmentsConfig): number {
  if (kind === 'image') return limits.imageMaxBytes;
  if (kind === 'voice') return limits.voiceMaxBytes;
  return limits.fileMaxBytes;
}

/** Upload, read and URL issuing of attachments. */
@Injectable()
export class AttachmentsService {
  private readonly limits: AttachmentsConfig;

  constructor(
    config: AppConfig,
    private readonly attachments: AttachmentsRepository,
    private readonly storage: AttachmentStorage,
    private readonly signer: AttachmentUrlSigner,
    private readonly access: AttachmentAccessPolicy,
  ) {
    this.limits = config.attachments;
  }

  /**
   * Streams the multipart body to a temporary file, reads its type from its bytes, checks and
   * processes it for its kind, stores it, and records it within the uploader's quota.
   */
  async upload(uploaderId: number, req: IncomingMessage): Promise<AttachmentDto> {
    const { imageMaxBytes, voiceMaxBytes, fileMaxBytes } = this.limits;
    const upload = await readUpload(req, {
      maxBytes: Math.max(imageMaxBytes, voiceMaxBytes, fileMaxBytes),
      fields: ['kind', 'waveform'],
      maxFieldBytes: MAX_FIELD_BYTES,
    });
    try {
      const prepared = await this.prepare(upload);
      return this.toDto(await this.store(uploaderId, sanitizeFileName(upload.filename), prepared));
    } finally {
      await upload.discard();
    }
  }

  /** The attachment with fresh URLs, for a caller allowed to read it. */
  async get(readerId: number, attachmentId: number): Promise<AttachmentDto> {
    const attachment = await this.attachments.findLive(attachmentId);
    if (!attachment) throw new DomainError('not_found', 'Attachment not found');
    await this.access.requireReadable(attachment, readerId);
    return this.toDto(attachment);
  }

  /** The attachment as the contract shows it, with URLs signed now (a message's too). */
  /** toDto with one signing time for every attachment of a response (a page of messages). */
  signedAt(now = Date.now()): (attachment: AttachmentRow) => AttachmentDto {
    return (attachment) => this.toDto(attachment, now);
  }

  toDto(attachment: AttachmentRow, now = Date.now()): AttachmentDto {
    return toAttachmentDto(
      attachment,
      this.signer.url(attachment.id, 'original', now),
      attachment.thumbnailKey ? this.signer.url(attachment.id, 'thumbnail', now) : null,
    );
  }

  private async prepare(upload: UploadedFile): Promise<Prepared> {
    const declaredKind = upload.fields.kind;
    if (declaredKind !== undefined && !isKind(declaredKind)) {
      throw ValidationFailed.field('kind', 'must be one of image, voice, file');
    }
    const waveform = upload.fields.waveform === undefined ? null : parseWaveform(upload.fields.waveform);
    if (waveform === undefined) {
      throw ValidationFailed.field('waveform', 'must be a JSON array of at most 128 numbers from 0 to 1');
    }
    const detected = await detectType(upload.path);
    if (declaredKind !== undefined && declaredKind !== detected.kind) {
      throw ValidationFailed.field(
        'kind',
        `does not match the content, which is ${detected.kind === 'file' ? 'a file' : `a ${detected.kind}`}`,
      );
    }
    if (waveform !== null && detected.kind !== 'voice') {
      throw ValidationFailed.field('waveform', 'is for voice messages only');
    }
    const maxBytes = maxBytesOf(detected.kind, this.limits);
    if (upload.size > maxBytes) {
      throw new PayloadTooLarge(`A ${detected.kind} is at most ${maxBytes} bytes`, {
        limit: 'bytes',
        max_bytes: maxBytes,
      });
    }
    return this.prepareKind(upload, detected, waveform);
  }

  private async prepareKind(
    upload: UploadedFile,
    detected: DetectedType,
    waveform: number[] | null,
  ): Promise<Prepared> {
    const none = { width: null, height: null, durationMs: null, waveform: null, placeholder: null };
    const fromFile = () => createReadStream(upload.path);
    switch (detected.kind) {
      case 'image': {
        const image = await processImage(upload.path, detected.format, this.limits.imageMaxPixels);
        return {
          metadata: {
            ...none,
            kind: 'image',
            mimeType: image.mimeType,
            sizeBytes: image.original.length,
            width: image.width,
            height: image.height,
            placeholder: image.placeholder,
          },
          original: () => Readable.from([image.original]),
          thumbnail: image.thumbnail,
        };
      }
      case 'voice': {
        const voice = await probeVoice(upload.path, detected.container, this.limits.voiceMaxDurationMs);
        return {
          metadata: {
            ...none,
            kind: 'voice',
            mimeType: voice.mimeType,
            sizeBytes: upload.size,
            durationMs: voice.durationMs,
            waveform,
          },
          original: fromFile,
          thumbnail: undefined,
        };
      }
      case 'file':
        return {
          metadata: { ...none, kind: 'file', mimeType: detected.mimeType, sizeBytes: upload.size },
          original: fromFile,
          thumbnail: undefined,
        };
    }
  }

  /** Bytes first, then the row: a row never names bytes that are not there. */
  private async store(uploaderId: number, name: string | null, prepared: Prepared): Promise<Attachment> {
    const folder = `${STORAGE_PREFIX}${randomUUID()}`;
    const storageKey = `${folder}/original`;
    const thumbnailKey = prepared.thumbnail ? `${folder}/thumbnail` : null;
    const written: string[] = [];
    try {
      await this.storage.put(storageKey, prepared.original(), prepared.metadata.mimeType);
      written.push(storageKey);
      if (thumbnailKey && prepared.thumbnail) {
        await this.storage.put(thumbnailKey, Readable.from([prepared.thumbnail]), 'image/webp');
        written.push(thumbnailKey);
      }
      const row = await this.attachments.insertWithinQuota(
        {
          ...prepared.metadata,
          uploaderId,
          name,
          storageKey,
          thumbnailKey,
          thumbnailBytes: prepared.thumbnail?.length ?? 0,
        },
        this.limits.userQuotaBytes,
      );
      if (!row) {
        throw new DomainError('limit_exceeded', 'This upload would exceed your storage quota', {
          limit: 'storage_quota',
          quota_bytes: this.limits.userQuotaBytes,
        });
      }
      return row;
    } catch (error) {
      await Promise.all(written.map((key) => this.storage.delete(key).catch(() => undefined)));
      throw error;
    }
  }
}
