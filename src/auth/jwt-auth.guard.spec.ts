import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { createSecretKey } from 'node:crypto';
import { DomainError } from '../common/errors/domain.errors';
import { loadConfig } from '../config/app.config';
import type { AuthenticatedRequest } from './current-user.decorator';
import { DomainEventBus } from '../events/domain-events.bus';
import { BanRegistry } from './ban-registry.service';
import { JwtAuthGuard } from './jwt-auth.guard';
import { Public } from '../common/http/public.decorator';
import { PlatformTokens } from './platform-tokens.service';
import { TokenService } from './token.service';

class Routes {
  @Public()
  open(): void {}

  closed(): void {}
}

describe('JwtAuthGuard', () => {
  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'k'.repeat(40), JWT_ACCESS_TTL_SECONDS: '60' });
  const key = createSecretKey(Buffer.from(config.jwtSecret));
  const tokens = new TokenService(
    new JwtService({ secretOrKeyProvider: () => key }),
    config,
    new PlatformTokens(config, {} as never),
  );
  let now: number;
  let guard: JwtAuthGuard;
  let verify: jest.SpyInstance;
  let bans: BanRegistry;

  beforeEach(() => {
    now = 1_700_000_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    verify = jest.spyOn(tokens, 'authenticate');
    bans = new BanRegistry({ active: () => Promise.resolve([]) } as never, config, new DomainEventBus());
    guard = new JwtAuthGuard(new Reflector(), tokens, bans);
  });
  afterEach(() => jest.restoreAllMocks());

  const request = (authorization?: string): AuthenticatedRequest =>
    ({ headers: authorization ? { authorization } : {} }) as AuthenticatedRequest;
  const contextOf = (req: AuthenticatedRequest, handler: () => void = Routes.prototype.closed) =>
    ({
      getType: () => 'http',
      getHandler: () => handler,
      getClass: () => Routes,
      switchToHttp: () => ({ getRequest: () => req }),
    }) as unknown as ExecutionContext;
  const codeOf = (run: () => unknown): string | undefined => {
    try {
      run();
    } catch (error) {
      return error instanceof DomainError ? error.code : String(error);
    }
    return undefined;
  };

  it('lets public routes through without a token', () => {
    expect(guard.canActivate(contextOf(request(), Routes.prototype.open))).toBe(true);
  });

  it('verifies a token once, then knows its user until the token expires, then refuses it', () => {
    const token = tokens.signAccess({ id: 7, username: 'ann' });
    for (let n = 0; n < 3; n += 1) {
      const req = request(`Bearer ${token}`);
      expect(guard.canActivate(contextOf(req))).toBe(true);
      expect(req.user).toEqual({ id: 7, username: 'ann' });
    }
    expect(verify).toHaveBeenCalledTimes(1);

    now += 59_999;
    expect(guard.canActivate(contextOf(request(`Bearer ${token}`)))).toBe(true);
    now += 1;
    expect(codeOf(() => guard.canActivate(contextOf(request(`Bearer ${token}`))))).toBe('token_expired');
    expect(codeOf(() => guard.canActivate(contextOf(request(`Bearer ${token}`))))).toBe('token_expired');
  });

  it("refuses a banned user's token, already verified or not, until the ban ends or is lifted", () => {
    const token = tokens.signAccess({ id: 7, username: 'ann' });
    expect(guard.canActivate(contextOf(request(`Bearer ${token}`)))).toBe(true);
    bans.apply({ userId: 7, until: now + 10_000 });
    expect(codeOf(() => guard.canActivate(contextOf(request(`Bearer ${token}`))))).toBe('banned');
    now += 10_000;
    expect(guard.canActivate(contextOf(request(`Bearer ${token}`)))).toBe(true);
    bans.apply({ userId: 7, until: null });
    expect(codeOf(() => guard.canActivate(contextOf(request(`Bearer ${token}`))))).toBe('banned');
    bans.apply({ userId: 7, until: undefined });
    expect(guard.canActivate(contextOf(request(`Bearer ${token}`)))).toBe(true);
  });

  it('marks moderators: by the roles claim of the token, or by username', () => {
    const modConfig = loadConfig({
      NODE_ENV: 'test',
      JWT_SECRET: 'k'.repeat(40),
      MODERATOR_USERNAMES: 'mia',
      AUTH_EXTERNAL_ROLES_CLAIM: 'realm_access.roles',
    });
    const jwt = new JwtService({ secretOrKeyProvider: () => key });
    const modTokens = new TokenService(jwt, modConfig, new PlatformTokens(modConfig, {} as never));
    const userOf = (claims: object) => {
      const req = request(`Bearer ${jwt.sign({ ...claims }, { expiresIn: 60 })}`);
      // The service's own tokens are verified at once: no promise to wait for.
      expect(new JwtAuthGuard(new Reflector(), modTokens, bans).canActivate(contextOf(req))).toBe(true);
      return req.user;
    };
    expect(userOf({ sub: 1, username: 'mia' })).toEqual({ id: 1, username: 'mia', moderator: true });
    expect(userOf({ sub: 2, username: 'bo', realm_access: { roles: ['x', 'moderator'] } })).toEqual({
      id: 2,
      username: 'bo',
      moderator: true,
    });
    expect(userOf({ sub: 3, username: 'cy', realm_access: { roles: 'x moderator' } })?.moderator).toBe(true);
    expect(userOf({ sub: 4, username: 'di', realm_access: { roles: ['moderators'] } })).toStrictEqual({
      id: 4,
      username: 'di',
    });
    expect(userOf({ sub: 5, username: 'ed', roles: ['moderator'] })?.moderator).toBeUndefined();
    expect(userOf({ sub: 6, username: 'fa', realm_access: 'moderator' })?.moderator).toBeUndefined();
  });

  it('refuses a missing, malformed or forged token every time', () => {
    const token = tokens.signAccess({ id: 7, username: 'ann' });
    const forged = `${token.slice(0, -3)}${token.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    for (let n = 0; n < 2; n += 1) {
      expect(codeOf(() => guard.canActivate(contextOf(request())))).toBe('unauthorized');
      expect(codeOf(() => guard.canActivate(contextOf(request('Basic abc'))))).toBe('unauthorized');
      expect(codeOf(() => guard.canActivate(contextOf(request(`Bearer ${forged}`))))).toBe('unauthorized');
    }
    expect(verify).toHaveBeenCalledTimes(2);
  });
});
