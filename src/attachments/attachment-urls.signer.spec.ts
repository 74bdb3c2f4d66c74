import { createHmac } from 'node:crypto';
import { loadConfig } from '../config/app.config';
import { AttachmentUrlSigner, SignedRequest } from './attachment-urls.signer';

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
