import { JwtService } from '@nestjs/jwt';
import { claimedUserId } from './socket-admission.middleware';

describe('claimedUserId', () => {
  const jwt = new JwtService({ secret: 'any-secret-any-secret-any-secret-0000' });

  it('reads the sub of a token without verifying it', () => {
    expect(claimedUserId(jwt.sign({ sub: 42, username: 'a' }))).toBe(42);
    expect(claimedUserId(new JwtService({ secret: 'another-secret' }).sign({ sub: 7 }))).toBe(7);
  });

  it.each([
    undefined,
    '',
    'not-a-token',
    'a.%%%.c',
    'a.bnVsbA.c',
    jwt.sign({ sub: '42' }),
    jwt.sign({ sub: 1.5 }),
    jwt.sign({ sub: 42, iss: 'https://id.example.org' }),
    jwt.sign({ id: 42, username: 'a' }),
  ])('finds no user in %p', (token) => {
    expect(claimedUserId(token)).toBeUndefined();
  });
});
