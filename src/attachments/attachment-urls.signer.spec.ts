import { createHmac } from 'node:crypto';
import { loadConfig } from '../config/app.config';
import { AttachmentUrlSigner, EXPIRY_STEP_SECONDS, SignedRequest } from './attachment-urls.signer';

const config = loadConfig({ ATTACHMENT_URL_SECRET: 'x'.repeat(40), ATTACHMENT_URL_TTL_SECONDS: '600' });
const signer = new AttachmentUrlSigner(config);
const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);

function parts(url: string): SignedRequest {
  const parsed = new URL(url, 'http://x');
  const id = Number(/\/attachments\/(\d+)\/content$/.exec(parsed.pathname)![1]);
  return {
    id,
    variant: parsed.searchParams.get('variant') ?? undefined,
    expires: parsed.searchParams.get('expires') ?? undefined,
    signature: parsed.searchParams.get('signature') ?? undefined,
  };
}

describe('AttachmentUrlSigner', () => {
  it('signs base64url(HMAC-SHA256(secret, "<id>:<variant>:<expires>")), as the README documents', () => {
    const { expires, signature } = parts(signer.url(42, 'original', NOW));
    const expected = createHmac('sha256', 'x'.repeat(40))
      .update(`42:original:${expires}`)
      .digest('base64url');
    expect(signature).toBe(expected);
  });

  it('signs a URL that verifies for its id and variant until it expires, 10 minutes on', () => {
    const url = signer.url(42, 'thumbnail', NOW);
    expect(url).toMatch(
      /^\/api\/v1\/attachments\/42\/content\?variant=thumbnail&expires=\d+&signature=[\w-]{43}$/,
    );
    const request = { ...parts(url), id: 42 };
    expect(Number(request.expires) - NOW / 1000).toBe(600);
    expect(signer.verify(request, NOW)).toBe('thumbnail');
    expect(signer.verify(request, NOW + 599_000)).toBe('thumbnail');
    expect(signer.verify(request, NOW + 600_000)).toBeUndefined();
  });

  it('expires on a whole minute, at least the TTL on, and gives one URL per minute', () => {
    for (const offset of [1, 29_999, 59_999]) {
      const at = NOW + offset;
      const { expires } = parts(signer.url(7, 'original', at));
      expect(Number(expires) % EXPIRY_STEP_SECONDS).toBe(0);
      expect(Number(expires) * 1000 - at).toBeGreaterThanOrEqual(600_000);
      expect(Number(expires) * 1000 - at).toBeLessThan(600_000 + EXPIRY_STEP_SECONDS * 1000);
    }
    // Within the minute the same URL (a browser keeps the photo); the next minute a new one.
    expect(signer.url(7, 'original', NOW + 1)).toBe(signer.url(7, 'original', NOW + 59_999));
    expect(signer.url(7, 'original', NOW + 60_001)).not.toBe(signer.url(7, 'original', NOW + 1));
    // Kept URLs are per attachment and variant.
    expect(signer.url(8, 'original', NOW + 1)).not.toBe(signer.url(7, 'original', NOW + 1));
    expect(signer.url(7, 'thumbnail', NOW + 1)).toMatch(/variant=thumbnail/);
    const kept = parts(signer.url(7, 'thumbnail', NOW + 2));
    expect(signer.verify({ ...kept, id: 7 }, NOW + 2)).toBe('thumbnail');
  });

  it('refuses a tampered id, variant, expiry or signature, and a foreign key', () => {
    const good = parts(signer.url(42, 'thumbnail', NOW));
    expect(signer.verify({ ...good, id: 43 }, NOW)).toBeUndefined();
    expect(signer.verify({ ...good, variant: 'original' }, NOW)).toBeUndefined();
    expect(signer.verify({ ...good, expires: String(Number(good.expires) + 3600) }, NOW)).toBeUndefined();
    const flipped = (good.signature![0] === 'A' ? 'B' : 'A') + good.signature!.slice(1);
    expect(signer.verify({ ...good, signature: flipped }, NOW)).toBeUndefined();
    expect(signer.verify({ ...good, signature: undefined }, NOW)).toBeUndefined();
    expect(signer.verify({ ...good, signature: 'short' }, NOW)).toBeUndefined();
    expect(signer.verify({ ...good, variant: 'other' }, NOW)).toBeUndefined();
    expect(signer.verify({ ...good, expires: '-1' }, NOW)).toBeUndefined();
    const other = new AttachmentUrlSigner(loadConfig({ ATTACHMENT_URL_SECRET: 'y'.repeat(40) }));
    expect(other.verify(good, NOW)).toBeUndefined();
  });
});
