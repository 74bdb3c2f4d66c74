import type { AppConfig } from '../config/app.config';
import { UnsubscribeTokens } from './unsubscribe-tokens';

const tokensWith = (secret: string) =>
  new UnsubscribeTokens({
    email: { unsubscribeSecret: secret, publicApiUrl: 'https://api.example.org' },
  } as AppConfig);

describe('UnsubscribeTokens', () => {
  const tokens = tokensWith('s'.repeat(32));

  it('signs a user id that verifies, in a one-click URL', () => {
    expect(tokens.verify(tokens.sign(7))).toBe(7);
    expect(tokens.url(7)).toBe(`https://api.example.org/api/v1/email/unsubscribe?token=${tokens.sign(7)}`);
  });

  it('refuses another user, another key, and malformed tokens', () => {
    const [, mac] = tokens.sign(7).split('.');
    expect(tokens.verify(`8.${mac}`)).toBeUndefined();
    expect(tokensWith('t'.repeat(32)).verify(tokens.sign(7))).toBeUndefined();
    for (const bad of [
      undefined,
      7,
      '',
      '7',
      `07.${mac}`,
      `7.${mac}x`,
      `99999999999.${mac}`,
      `-7.${mac}`,
      ['7'],
    ]) {
      expect(tokens.verify(bad)).toBeUndefined();
    }
  });
});
