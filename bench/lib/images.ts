import sharp from 'sharp';

/** A photo-like JPEG of noise (noise keeps the JPEG about as large as a real camera's). */
export async function noiseJpeg(width: number, height: number, quality: number): Promise<Buffer> {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 30 },
    },
  })
    .jpeg({ quality })
    .toBuffer();
}
