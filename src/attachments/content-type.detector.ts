import { fileTypeFromFile } from 'file-type';
import type { AttachmentKind } from '../database/entities/attachment.entity';
import { UnsupportedMediaType } from '../common/errors/domain.errors';

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'heic';
export type VoiceContainer = 'ogg' | 'webm' | 'mp4' | 'mp3';

/** What the first bytes of an upload say it is; the name and declared type are never asked. */
export type DetectedType =
  | { kind: 'image'; format: ImageFormat }
  | { kind: 'voice'; container: VoiceContainer }
  | { kind: 'file'; mimeType: 'application/pdf' };

const BY_MIME: Record<string, DetectedType> = {
  'image/jpeg': { kind: 'image', format: 'jpeg' },
  'image/png': { kind: 'image', format: 'png' },
  'image/webp': { kind: 'image', format: 'webp' },
  'image/gif': { kind: 'image', format: 'gif' },
  'image/heic': { kind: 'image', format: 'heic' },
  'image/heif': { kind: 'image', format: 'heic' },
  // Opus in Ogg (file-type names the codec); other Ogg codecs are refused by the voice probe.
  'audio/ogg; codecs=opus': { kind: 'voice', container: 'ogg' },
  'audio/ogg': { kind: 'voice', container: 'ogg' },
  'audio/opus': { kind: 'voice', container: 'ogg' },
  'audio/webm': { kind: 'voice', container: 'webm' },
  'video/webm': { kind: 'voice', container: 'webm' },
  'audio/x-m4a': { kind: 'voice', container: 'mp4' },
  'audio/mp4': { kind: 'voice', container: 'mp4' },
  'video/mp4': { kind: 'voice', container: 'mp4' },
  'audio/mpeg': { kind: 'voice', container: 'mp3' },
  'application/pdf': { kind: 'file', mimeType: 'application/pdf' },
};

export const ACCEPTED_TYPES =
  'images JPEG, PNG, WebP, HEIC/HEIF, GIF; voice Ogg/Opus, WebM/Opus, MP4/AAC (m4a), MP3; files PDF';

/** The type of the file from its content; 415 unless it is one the contract accepts. */
export async function detectType(path: string): Promise<DetectedType> {
  const found = await fileTypeFromFile(path);
  const detected = found ? BY_MIME[found.mime] : undefined;
  if (!detected) {
    throw new UnsupportedMediaType(`Accepted: ${ACCEPTED_TYPES}`, { detected: found?.mime ?? null });
  }
  return detected;
}

export function isKind(value: string): value is AttachmentKind {
  return value === 'image' || value === 'voice' || value === 'file';
}
