import { Injectable } from '@nestjs/common';
import { JwtService, TokenExpiredError } from '@nestjs/jwt';
import { AppConfig } from '../config/app.config';
import { DomainError, Unauthorized } from '../common/errors/domain.errors';
import type { AuthUser } from './current-user.decorator';

interface AccessClaims {
  sub: number;
  username: string;
}

/** The role that makes a moderator, in the roles claim of a token. */
export const MODERATOR_ROLE = 'moderator';

/** Access tokens: issued at login, verified by the HTTP guard and the socket handshake alike. */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  get accessTtlSeconds(): number {
    return this.config.accessTokenTtlSeconds;
  }

  signAccess(user: AuthUser): string {
    const claims: AccessClaims = { sub: user.id, username: user.username };
    return this.jwt.sign(claims, {
      algorithm: this.config.jwtAlgorithm,
      expiresIn: this.config.accessTokenTtlSeconds,
    });
  }

  /** The user behind a token, and when the token expires (ms since epoch). */
  verifyAccess(token: string): AuthUser & { expiresAt: number } {
    let claims: AccessClaims & { exp?: number };
    try {
      claims = this.jwt.verify(token, {
        algorithms: [this.config.jwtAlgorithm],
      });
    } catch (error) {
      if (error instanceof TokenExpiredError)
        throw new DomainError('token_expired', 'The access token has expired');
      throw new Unauthorized('The access token is not valid');
    }
    if (
      !Number.isInteger(claims.sub) ||
      claims.sub < 1 ||
      typeof claims.username !== 'string' ||
      !claims.exp
    ) {
      throw new Unauthorized('The access token is not valid');
    }
    const user: AuthUser & { expiresAt: number } = {
      id: claims.sub,
      username: claims.username,
      expiresAt: claims.exp * 1000,
    };
    if (this.isModerator(claims)) user.moderator = true;
    return user;
  }

  /**
   * The roles claim may be an array of strings or one string of roles separated by spaces or
   * commas (both are seen in the wild); a dotted claim name reaches into nested objects.
   */
  private isModerator(claims: AccessClaims): boolean {
    if (this.config.moderatorUsernames.has(claims.username)) return true;
    let roles: unknown = claims;
    for (const part of this.config.authExternalRolesClaim.split('.')) {
      if (typeof roles !== 'object' || roles === null || !Object.hasOwn(roles, part)) return false;
      roles = (roles as Record<string, unknown>)[part];
    }
    if (typeof roles === 'string') roles = roles.split(/[\s,]+/);
    return Array.isArray(roles) && roles.includes(MODERATOR_ROLE);
  }
}
