import { readFile } from 'node:fs/promises';
import sharp, { Sharp } from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';
import { InvalidFile, PayloadTooLarge } from '../common/errors/domain.errors';
import type { ImageFormat } from './content-type.detector';

export const THUMBNAIL_MAX_SIDE = 320;

export interface ProcessedImage {
  mimeType: string;
  width: number;
  height: number;
  /** The re-encoded image: orientation applied, no metadata (EXIF, GPS, XMP, ICC). */
  original: Buffer;
  /** WebP, at most {@link THUMBNAIL_MAX_SIDE} px on the longer side. */
  thumbnail: Buffer;
  /** ThumbHash (base64, ~30 characters): a blurred preview a client draws before any byte loads. */
  placeholder: string;
}

// libvips keeps no cache of its own between uploads and uses one thread per image: memory
// stays bounded by the images being processed, not by what was processed before.
sharp.cache(false);
sharp.concurrency(1);

/**
 * At most this many images are decoded at once; the others wait their turn (their bytes wait on
 * disk). One: two at once cost more RSS than they save time on a small machine (measured: 20
 * concurrent 12 MP JPEGs, +448 MB with two, +349 MB with one; +138 MB with one and
 * MALLOC_ARENA_MAX=2). Sequential reads and JPEG without optimised Huffman tables brought one
 * 12 MP re-encode from ~140 MB to ~30 MB (`npm run bench -- upload`).
 */
const PARALLEL_IMAGES = 1;
let running = 0;
const waiting: (() => void)[] = [];

async function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  if (running >= PARALLEL_IMAGES) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function tooManyPixels(maxPixels: number): PayloadTooLarge {
  return new PayloadTooLarge(`An image has at most ${maxPixels} pixels`, {
    limit: 'pixels',
    max_pixels: maxPixels,
  });
}

/** Re-encoded in its own format (HEIC becomes JPEG, which every browser shows). */
function encode(image: Sharp, format: ImageFormat): { image: Sharp; mimeType: string } {
  switch (format) {
    case 'png':
      return { image: image.png(), mimeType: 'image/png' };
    case 'webp':
      return { image: image.webp({ quality: 85 }), mimeType: 'image/webp' };
    case 'gif':
      return { image: image.gif(), mimeType: 'image/gif' };
    case 'jpeg':
    case 'heic':
      // No optimised Huffman tables: libjpeg builds them in a second pass over the whole image's
      // coefficients, held in memory (measured on a 12 MP photo: +137 MB and 290 ms with them,
      // +28 MB and 103 ms without, for a file ~4% larger).
      return { image: image.jpeg({ quality: 85, optimiseCoding: false }), mimeType: 'image/jpeg' };
  }
}

/**
 * The image as sharp reads it, after the pixel count in its header has been checked against
 * `maxPixels` (a decompression bomb is refused before a pixel is decoded). HEVC-coded HEIC,
 * which sharp's prebuilt libheif cannot decode, goes through heic-decode (libheif with libde265
 * in WebAssembly) into raw pixels first.
 */
async function open(path: string, format: ImageFormat, maxPixels: number): Promise<Sharp> {
  const options = {
    limitInputPixels: maxPixels,
    animated: format === 'gif',
    failOn: 'warning' as const,
    sequentialRead: true,
  };
  let metadata: sharp.Metadata;
  try {
    // The header alone: the pixel count is checked here, so that a bomb is a 413, not a 400.
    metadata = await sharp(path, { ...options, limitInputPixels: false }).metadata();
  } catch {
    if (format === 'heic') return openHeic(path, maxPixels);
    throw new InvalidFile('The image is truncated or corrupt');
  }
  if (!metadata.width || !metadata.height) throw new InvalidFile('The image has no dimensions');
  if (metadata.width * metadata.height > maxPixels) throw tooManyPixels(maxPixels);
  if (format === 'heic' && !(await decodes(path, options))) return openHeic(path, maxPixels);
  return sharp(path, options).rotate();
}

async function decodes(path: string, options: sharp.SharpOptions): Promise<boolean> {
  try {
    await sharp(path, options).resize(8, 8, { fit: 'inside' }).raw().toBuffer();
    return true;
  } catch {
    return false;
  }
}

async function openHeic(path: string, maxPixels: number): Promise<Sharp> {
  // Loaded on first use: its WebAssembly libheif costs ~26 MB of memory, paid only by
  // instances that receive HEVC HEIC.
  const { default: heicDecode } = await import('heic-decode');
  let images: Awaited<ReturnType<typeof heicDecode.all>>;
  try {
    // The file is at most the image size limit; the pixels are checked before they are decoded.
    images = await heicDecode.all({ buffer: await readFile(path) });
  } catch {
    throw new InvalidFile('The HEIC image is truncated or corrupt');
  }
  try {
    const [first] = images;
    if (!first?.width || !first.height) throw new InvalidFile('The HEIC image has no dimensions');
    if (first.width * first.height > maxPixels) throw tooManyPixels(maxPixels);
    const { width, height, data } = await first.decode().catch(() => {
      throw new InvalidFile('The HEIC image is truncated or corrupt');
    });
    return sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
      raw: { width, height, channels: 4 },
      limitInputPixels: maxPixels,
    });
  } finally {
    images.dispose();
  }
}

/**
 * Decodes the image within `maxPixels`, applies its EXIF orientation, and re-encodes it without
 * any metadata, with a WebP thumbnail. GIF keeps its animation (the thumbnail is its first frame).
 */
export function processImage(path: string, format: ImageFormat, maxPixels: number): Promise<ProcessedImage> {
  return oneAtATime(async () => {
    const source = await open(path, format, maxPixels);
    const { image, mimeType } = encode(source, format);
    let original: Buffer;
    let info: sharp.OutputInfo;
    try {
      ({ data: original, info } = await image.toBuffer({ resolveWithObject: true }));
    } catch {
      throw new InvalidFile('The image is truncated or corrupt');
    }
    const height = info.pageHeight ?? info.height;
    const thumbnail = await sharp(original, { limitInputPixels: maxPixels, sequentialRead: true })
      .resize(THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 70 })
      .toBuffer();
    return {
      mimeType,
      width: info.width,
      height,
      original,
      thumbnail,
      placeholder: await thumbHash(thumbnail),
    };
  });
}

/** ThumbHash of the thumbnail, taken at most 100 px on the longer side as the format requires. */
async function thumbHash(thumbnail: Buffer): Promise<string> {
  const { data, info } = await sharp(thumbnail)
    .resize(100, 100, { fit: 'inside', withoutEnlargement: true })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64');
}
