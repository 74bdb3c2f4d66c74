import { parseFile } from 'music-metadata';
import { InvalidFile, PayloadTooLarge, UnsupportedMediaType } from '../common/errors/domain.errors';
import type { VoiceContainer } from './content-type.detector';

export interface VoiceInfo {
  mimeType: string;
  durationMs: number;
}

const STORED_MIME: Record<VoiceContainer, string> = {
  ogg: 'audio/ogg',
  webm: 'audio/webm',
  mp4: 'audio/mp4',
  mp3: 'audio/mpeg',
};

/** The codec each container must carry for a voice message. */
const CODEC: Record<VoiceContainer, RegExp> = {
  ogg: /opus/i,
  webm: /opus/i,
  mp4: /aac|mpeg-4/i,
  mp3: /mpeg.*layer\s*3|mp3/i,
};

/**
 * The duration of a voice message, read from its container (music-metadata reads headers and,
 * where the container has no duration, walks the frames; nothing is decoded and nothing is held
 * in memory beyond a frame). Refuses video, other codecs, and voice longer than `maxDurationMs`.
 */
export async function probeVoice(
  path: string,
  container: VoiceContainer,
  maxDurationMs: number,
): Promise<VoiceInfo> {
  let format;
  try {
    ({ format } = await parseFile(path, { duration: true, skipCovers: true }));
  } catch {
    throw new InvalidFile('The audio container is truncated or corrupt');
  }
  if (format.hasVideo)
    throw new UnsupportedMediaType('A voice message must have no video', { detected: 'video' });
  if (!format.codec || !CODEC[container].test(format.codec)) {
    throw new UnsupportedMediaType('Voice messages are Ogg/Opus, WebM/Opus, MP4/AAC (m4a) or MP3', {
      detected: format.codec ?? null,
    });
  }
  const seconds = format.duration;
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidFile('The audio has no duration: truncated or corrupt');
  }
  const durationMs = Math.round(seconds * 1000);
  if (durationMs > maxDurationMs) {
    throw new PayloadTooLarge(`A voice message is at most ${maxDurationMs / 1000} seconds long`, {
      limit: 'duration',
      max_duration_ms: maxDurationMs,
    });
  }
  return { mimeType: STORED_MIME[container], durationMs };
}

/** `waveform`: a JSON array of at most 128 numbers in 0–1 (voice only). */
export function parseWaveform(value: string): number[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length > 128) return undefined;
  if (!parsed.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= 1)) return undefined;
  return parsed as number[];
}
