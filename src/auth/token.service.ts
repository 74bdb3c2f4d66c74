import { Injectable } from '@nestjs/common';
import { JwtService, TokenExpiredError } from '@nestjs/jwt';
import { AppConfig } from '../config/app.config';
import { DomainError, Unauthorized } from '../common/errors/domain.errors';
import type { AuthUser } from './current-user.decorator';

interface AccessClaims {
  sub: number;
  username: string;
}

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
    return { id: claims.sub, username: claims.username, expiresAt: claims.exp * 1000 };
  }
}
