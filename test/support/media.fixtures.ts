import { crc32 } from 'node:zlib';
import sharp from 'sharp';

/** A JPEG that carries EXIF with a camera make, GPS coordinates and orientation 6 (rotate 90°). */
export function jpegWithGps(width = 40, height = 20): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#c04020' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'LeakyCam', ImageDescription: 'foster home' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '55/1 45/1 7/1',
        GPSLongitudeRef: 'E',
        GPSLongitude: '37/1 37/1 3/1',
      },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

export function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: '#2040c0' } })
    .png()
    .toBuffer();
}

export function webp(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#20c040' } })
    .webp()
    .toBuffer();
}

/** An animated GIF of three 16×16 frames. */
export async function animatedGif(): Promise<Buffer> {
  const frames = await Promise.all(
    ['#ff0000', '#00ff00', '#0000ff'].map((background) =>
      sharp({ create: { width: 16, height: 16, channels: 3, background } })
        .png()
        .toBuffer(),
    ),
  );
  return sharp(frames, { join: { animated: true } })
    .gif({ delay: [100, 100, 100] })
    .toBuffer();
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A PNG whose header claims width × height pixels (a decompression bomb), with a token body. */
export function pngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A small PDF (one empty page), padded with a comment to `size` bytes when asked. */
export function pdf(size = 0): Buffer {
  const head = Buffer.from(
    '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
      '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
  );
  return size > head.length ? Buffer.concat([head, Buffer.alloc(size - head.length, '%')]) : head;
}

/** An x86-64 ELF executable header: what "photo.jpg" really is in a hostile upload. */
export function elfExecutable(): Buffer {
  const elf = Buffer.alloc(128);
  elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0);
  elf.writeUInt16LE(2, 16);
  elf.writeUInt16LE(0x3e, 18);
  return elf;
}

// Ogg's CRC: polynomial 0x04c11db7, no reflection, initial value 0.
const OGG_CRC_TABLE = Array.from({ length: 256 }, (_, i) => {
  let r = i << 24;
  for (let bit = 0; bit < 8; bit++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
  return r >>> 0;
});

function oggCrc(data: Buffer): number {
  let crc = 0;
  for (const byte of data) crc = ((crc << 8) ^ OGG_CRC_TABLE[((crc >>> 24) & 0xff) ^ byte]) >>> 0;
  return crc;
}

function oggPage(packet: Buffer, granule: bigint, sequence: number, flags: number): Buffer {
  const segments: number[] = [];
  for (let left = packet.length; ; left -= 255) {
    segments.push(Math.min(left, 255));
    if (left < 255) break;
  }
  const header = Buffer.alloc(27 + segments.length);
  header.write('OggS', 0, 'latin1');
  header[5] = flags;
  header.writeBigInt64LE(granule, 6);
  header.writeUInt32LE(0x5eed, 14);
  header.writeUInt32LE(sequence, 18);
  header[26] = segments.length;
  header.set(segments, 27);
  const page = Buffer.concat([header, packet]);
  page.writeUInt32LE(oggCrc(page), 22);
  return page;
}

const PRE_SKIP = 312;

/**
 * An Ogg/Opus voice message of `seconds` (mono, 48 kHz): OpusHead, OpusTags and 20 ms silent
 * CELT frames, the last page's granule position giving the duration. `frames` caps the frames
 * actually written (the duration is the container's word, as with real files).
 */
export function oggOpus(seconds: number, frames = 50): Buffer {
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head[8] = 1;
  head[9] = 1;
  head.writeUInt16LE(PRE_SKIP, 10);
  head.writeUInt32LE(48_000, 12);
  const vendor = Buffer.from('rescue-chat tests');
  const tags = Buffer.alloc(8 + 4 + vendor.length + 4);
  tags.write('OpusTags', 0, 'latin1');
  tags.writeUInt32LE(vendor.length, 8);
  vendor.copy(tags, 12);
  const pages = [oggPage(head, 0n, 0, 0x02), oggPage(tags, 0n, 1, 0)];
  const total = BigInt(Math.round(seconds * 48_000) + PRE_SKIP);
  const silentFrame = Buffer.from([0xf8, 0xff, 0xfe]);
  for (let i = 0; i < frames; i++) {
    const last = i === frames - 1;
    const granule = last ? total : BigInt(PRE_SKIP + (i + 1) * 960);
    pages.push(oggPage(silentFrame, granule, i + 2, last ? 0x04 : 0));
  }
  return Buffer.concat(pages);
}
