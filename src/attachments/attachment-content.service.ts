import { Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { DomainError, Forbidden } from '../common/errors/domain.errors';
import { AttachmentsRepository } from '../repositories/attachments.repository';
import { AttachmentUrlSigner, SignedRequest } from './attachment-urls.signer';
import { parseRange } from './byte-range.util';
import { AttachmentStorage, StoredObjectMissing } from './storage/attachment.storage';

/** What the content route answers: status, headers, and the bytes to stream (none for 416). */
export interface ServedContent {
  status: 200 | 206 | 416;
  headers: Record<string, string>;
  body: Readable | undefined;
}

function contentDisposition(kind: string, name: string | null): string {
  const type = kind === 'file' ? 'attachment' : 'inline';
  if (!name) return type;
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

const NOT_FOUND = (): DomainError => new DomainError('not_found', 'Attachment not found');

/** Serves the bytes behind a signed URL: the signature first, before any read. */
@Injectable()
export class AttachmentContentService {
  constructor(
    private readonly attachments: AttachmentsRepository,
    private readonly storage: AttachmentStorage,
    private readonly signer: AttachmentUrlSigner,
  ) {}

  async open(
    request: SignedRequest,
    rangeHeader: string | undefined,
    now = Date.now(),
  ): Promise<ServedContent> {
    const variant = this.signer.verify(request, now);
    if (!variant) throw new Forbidden('The link is invalid or has expired');
    const attachment = await this.attachments.findLive(request.id);
    if (!attachment) throw NOT_FOUND();
    const key = variant === 'original' ? attachment.storageKey : attachment.thumbnailKey;
    if (!key) throw NOT_FOUND();
    const size = variant === 'original' ? attachment.sizeBytes : attachment.thumbnailBytes;
    const headers: Record<string, string> = {
      'Content-Type': variant === 'original' ? attachment.mimeType : 'image/webp',
      'Content-Disposition': contentDisposition(
        attachment.kind,
        variant === 'original' ? attachment.name : null,
      ),
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      // The web app may live on another origin: <img> and <audio> there must be able to load it.
      'Cross-Origin-Resource-Policy': 'cross-origin',
      'Accept-Ranges': 'bytes',
      'Cache-Control': `private, max-age=${Math.max(0, Number(request.expires) - Math.floor(now / 1000))}, immutable`,
    };
    const range = parseRange(rangeHeader, size);
    if (range === 'unsatisfiable') {
      return { status: 416, headers: { ...headers, 'Content-Range': `bytes */${size}` }, body: undefined };
    }
    let body: Readable;
    try {
      body = await this.storage.get(key, range);
    } catch (error) {
      if (error instanceof StoredObjectMissing) throw NOT_FOUND();
      throw error;
    }
    if (!range) return { status: 200, headers: { ...headers, 'Content-Length': String(size) }, body };
    return {
      status: 206,
      headers: {
        ...headers,
        'Content-Length': String(range.end - range.start + 1),
        'Content-Range': `bytes ${range.start}-${range.end}/${size}`,
      },
      body,
    };
  }
}
